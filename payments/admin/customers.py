"""The customer list with each customer's balance and overdue amount.

The balance lives in payments and invoicing, which the customers app must not know (apps depend
one way), so payments registers the customer admin again with the two columns added
(``payments.selectors.customers_with_balance``, sortable) and the list's export.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_display import amount_cell
from core.admin_exports import ListExportMixin, word
from core.messages import money_text
from customers.admin.customers import CustomerAdmin
from customers.models import Customer, VerificationStatus

from ..selectors import customers_with_balance


class CustomerAccountAdmin(ListExportMixin, CustomerAdmin):
    list_display = [
        "number",
        "legal_name",
        "balance_shown",
        "overdue_shown",
        "verification",
        "dunning",
        "account_owner",
    ]
    export_fields = [
        ("number", _("customer number")),
        ("legal_name", _("legal name")),
        ("currency", _("currency")),
        ("balance", _("balance")),
        ("overdue", _("overdue")),
        ("verification", _("verification")),
        ("dunning_blocked", _("dunning block")),
        ("account_owner", _("account owner")),
        ("vat_id", _("VAT ID")),
        ("billing_country", _("country")),
        ("billing_city", _("city")),
    ]

    def get_queryset(self, request):
        return customers_with_balance(super().get_queryset(request), as_of=timezone.localdate())

    def export_row(self, obj) -> dict:
        return {
            "number": obj.number,
            "legal_name": obj.legal_name,
            "currency": obj.currency,
            "balance": obj.balance,
            "overdue": obj.overdue,
            "verification": word(VerificationStatus, obj.verification_status),
            "dunning_blocked": obj.dunning_block_reason or _("blocked") if obj.dunning_blocked else "",
            "account_owner": obj.account_owner.get_username() if obj.account_owner_id else "",
            "vat_id": obj.vat_id,
            "billing_country": obj.billing_country,
            "billing_city": obj.billing_city,
        }

    @admin.display(description=_("balance"), ordering="balance")
    def balance_shown(self, obj):
        return amount_cell(obj.balance, obj.currency)

    @admin.display(description=_("overdue"), ordering="overdue")
    def overdue_shown(self, obj):
        if not obj.overdue:
            return ""
        return format_html(
            '<span class="debitor-amount debitor-overdue">{}</span>', money_text(obj.overdue, obj.currency)
        )


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerAccountAdmin)

"""Customer notices and the settings finance managers edit: VAT rates, exchange rates (payment terms
are customer master data, customers/admin/terms.py)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_site import ReadOnlyMixin

from ..forms import (
    ExchangeRateForm,
    VatRateForm,
)
from ..models import (
    CustomerNotice,
    ExchangeRate,
    VatRate,
)
from .display import _state_label, badge

# --- Customer notices ---------------------------------------------------------------------------


@admin.register(CustomerNotice)
class CustomerNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Notices written with a change (a moved due date); the e-mail outbox sends them. Until then: pending."""

    list_display = ["created_at", "invoice_link", "customer", "kind", "notice_status", "summary"]
    list_filter = ["status", "kind"]
    search_fields = ["invoice__number", "invoice__customer__legal_name", "invoice__customer__number"]
    list_select_related = ["invoice", "invoice__customer"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ["invoice_link", "customer", "kind", "notice_status", "summary", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("invoice"), ordering="invoice__number")
    def invoice_link(self, obj):
        url = reverse(f"{self.admin_site.name}:invoicing_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.number or obj.invoice_id)

    @admin.display(description=_("customer"), ordering="invoice__customer__legal_name")
    def customer(self, obj):
        return obj.invoice.customer

    @admin.display(description=_("status"), ordering="status")
    def notice_status(self, obj):
        return badge(f"notice-{obj.status}", obj.get_status_display())

    @admin.display(description=_("content"))
    def summary(self, obj):
        if obj.kind == CustomerNotice.Kind.DUE_DATE_CHANGED:
            return gettext("due date %(old)s → %(new)s: %(reason)s") % {
                "old": _state_label(obj.data.get("old_due_date") or ""),
                "new": _state_label(obj.data.get("new_due_date") or ""),
                "reason": obj.data.get("reason", ""),
            }
        return ", ".join(f"{k}: {v}" for k, v in sorted(obj.data.items()))


# --- Settings finance managers edit ---------------------------------------------------------------


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    form = VatRateForm
    list_display = ["country", "category", "rate", "label", "valid_from", "valid_to"]
    list_filter = ["category", "country"]
    search_fields = ["label"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    form = ExchangeRateForm
    list_display = ["currency", "kind", "date", "units_per_eur", "eur_per_unit"]
    list_filter = ["currency", "kind"]
    search_fields = ["currency"]
    date_hierarchy = "date"

    @admin.display(description=_("euro per unit"))
    def eur_per_unit(self, obj):
        return number_format((Decimal(1) / obj.units_per_eur).quantize(Decimal("0.000001")), use_l10n=True)

"""Return fees in the admin (finance managers decide; everyone with access looks).

The rules per reason code are edited like any setting. A return fee's page offers what its status
allows — charge it or decline it while it waits, waive it once charged — with the reason a person
gives; the decision runs through ``payments.services.return_fees``, never by saving the row.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_display import MoneyFieldsMixin, amount_cell
from core.formatting import money_text

from ..bank.debits import return_reason_text
from ..models import ReturnFee, ReturnFeeRule, ReturnFeeStatus
from ..return_fee_models import ANY_REASON
from ..services import return_fee_charge, return_fee_decline, return_fee_waive

CHARGE, DECLINE, WAIVE = "charge", "decline", "waive"
CHOICES = {
    ReturnFeeStatus.PENDING: [
        (CHARGE, pgettext_lazy("return fee action", "charge it to the customer")),
        (DECLINE, pgettext_lazy("return fee action", "do not charge it")),
    ],
    ReturnFeeStatus.CHARGED: [(WAIVE, pgettext_lazy("return fee action", "waive it"))],
}


@admin.register(ReturnFeeRule)
class ReturnFeeRuleAdmin(admin.ModelAdmin):
    list_display = ["reason_code", "meaning", "decision", "note"]
    list_filter = ["decision"]
    search_fields = ["reason_code", "note"]
    ordering = ["reason_code", "id"]

    @admin.display(description=_("meaning"))
    def meaning(self, obj):
        if obj.reason_code == ANY_REASON:
            return gettext("any other reason")
        return return_reason_text(obj.reason_code)


class ReturnFeeDecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(label=_("decision"), required=False, choices=[("", "—")])
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("required when the fee is not charged or waived"),
    )

    class Meta:
        model = ReturnFee
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [("", "—"), *CHOICES.get(self.instance.status, [])]

    def clean(self):
        data = super().clean()
        if data.get("decision") in (DECLINE, WAIVE) and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why the fee is not charged."))
        return data


@admin.register(ReturnFee)
class ReturnFeeAdmin(MoneyFieldsMixin, admin.ModelAdmin):
    form = ReturnFeeDecisionForm
    list_display = ["created_at", "customer", "reason_shown", "amount_shown", "status", "open_item_link"]
    list_filter = ["status", "reason_code"]
    list_select_related = ["customer", "open_item"]
    search_fields = ["customer__legal_name", "customer__number", "reason_code"]
    ordering = ["-created_at", "-id"]
    readonly_fields = [
        "customer",
        "invoice",
        "bank_line",
        "reason_shown",
        "amount",
        "currency",
        "status",
        "open_item_link",
        "why",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = [*readonly_fields, "decision", "reason"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("return reason"), ordering="reason_code")
    def reason_shown(self, obj):
        return return_reason_text(obj.reason_code) or "—"

    @admin.display(description=_("fee charged by the bank"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("open item"))
    def open_item_link(self, obj):
        if obj.open_item_id is None:
            return "—"
        return format_html(
            "{} ({})",
            str(obj.open_item),
            gettext("open: %(amount)s") % {"amount": money_text(obj.open_item.open_amount, obj.currency)},
        )

    def save_model(self, request, obj, form, change):
        """The decision runs through the services; the row itself is never saved from the form."""
        decision, reason, now = form.cleaned_data.get("decision"), form.cleaned_data.get("reason"), timezone.now()
        try:
            if decision == CHARGE:
                return_fee_charge(fee=obj, as_of=now, by=request.user)
            elif decision == DECLINE:
                return_fee_decline(fee=obj, as_of=now, by=request.user, reason=reason)
            elif decision == WAIVE:
                return_fee_waive(open_item=obj.open_item, as_of=now, by=request.user, reason=reason)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # nothing related is edited here

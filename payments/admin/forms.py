"""Forms of the payment pages; service refusals are put on the field they name."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.validation import FieldProblem, clean_iban

from ..models import Payment, PaymentChannel


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255)


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
        help_text=_("empty: all that is unapplied"),
    )  # fmt: skip


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    channel = forms.ChoiceField(
        label=_("channel"), choices=PaymentChannel.choices, initial=PaymentChannel.BANK_TRANSFER
    )
    reference = forms.CharField(label=_("reference"), max_length=200, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000)
    return_code = forms.CharField(
        label=_("return code"), max_length=10, required=False, help_text=_("e.g. SEPA AC04, MD06")
    )


class CompleteForm(forms.Form):
    allocate = forms.BooleanField(label=_("allocate automatically"), required=False, initial=True)


class FailForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=255, help_text=_("e.g. card declined"))


class AssignForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.order_by("number"))
    allocate = forms.BooleanField(label=_("allocate automatically"), required=False, initial=True)


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(
        label=_("reason"), max_length=255, help_text=_("e.g. bank charges deducted, a few cents short")
    )


class RecordForm(forms.Form):
    """Money finance staff see arrive: cash, a cheque, a transfer in online banking, a card payment."""

    customer = forms.ModelChoiceField(
        label=_("customer"), queryset=Customer.objects.order_by("legal_name", "pk"), required=False,
        help_text=_("leave empty only if the payer is not known yet"),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("channel"), choices=PaymentChannel.choices, initial=PaymentChannel.CASH)
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    currency = forms.CharField(
        label=_("currency"), max_length=3, required=False, help_text=_("empty: the customer's currency")
    )
    value_date = forms.DateField(
        label=_("value date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    payer_name = forms.CharField(label=_("payer"), max_length=200, required=False)
    payer_iban = forms.CharField(label=_("payer IBAN"), max_length=42, required=False)
    remittance = forms.CharField(
        label=_("remittance information"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("invoice numbers named here are settled first"),
    )  # fmt: skip
    external_id = forms.CharField(
        label=_("external id"), max_length=200, required=False,
        help_text=_("bank reference or receipt number; the same one twice is recorded once"),
    )  # fmt: skip
    allocate = forms.BooleanField(
        label=_("allocate automatically"), required=False, initial=True,
        help_text=_("first the invoices named in the remittance information, the rest by law (§§ 366, 367 BGB)"),
    )  # fmt: skip

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        field.widget = AutocompleteSelect(Payment._meta.get_field("customer"), admin_site)
        field.widget.choices = field.choices

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_payer_iban(self) -> str:
        raw = self.cleaned_data["payer_iban"].strip()
        if not raw:
            return ""
        try:
            return str(clean_iban(raw).compact)
        except FieldProblem as exc:
            raise ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        if not data.get("currency"):
            customer = data.get("customer")
            data["currency"] = (
                customer.currency if customer is not None else Payment._meta.get_field("currency").default
            )
        return data


def _add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages_ in exc.message_dict.items():
        name = field.split(".")[-1]
        form.add_error(name if name in form.fields else None, messages_)

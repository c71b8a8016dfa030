"""Admin forms for customer master data: their validation is the services' own.

Each form runs the matching service check (``customer_clean``, ``contact_clean``,
``bank_account_clean``) in its ``clean()``, so the admin reports exactly the problems the
services (and the API) report, on the field or inline row they name, with the values
normalised the way they will be stored. Nothing is written here: the admin saves
through the services (customers/admin/).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import BankAccount, Contact, Customer, PaymentTerms
from .services import (
    BANK_ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    bank_account_clean,
    contact_clean,
    customer_clean,
)
from .terms import DiscountTier, TermsError, TermsSpec, validate_terms


class ServiceCleanedForm(forms.ModelForm):
    """A model form whose ``clean()`` asks a service function and keeps its normalised values."""

    service_fields: tuple[str, ...] = ()

    def service_clean(self, data: dict) -> dict:
        raise NotImplementedError

    def service_data(self) -> dict:
        """The cleaned values the service takes (normalised once ``clean()`` has run)."""
        return {field: self.cleaned_data[field] for field in self.service_fields if field in self.cleaned_data}

    def clean(self):
        cleaned = super().clean()
        try:
            normalised = self.service_clean(self.service_data())
        except ValidationError as exc:
            self.add_service_errors(exc)
        else:
            cleaned.update({field: value for field, value in normalised.items() if field in self.fields})
        return cleaned

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put each service problem on the field it names (the form's own list otherwise)."""
        for field, messages in exc.message_dict.items():
            if field in self.fields:
                if field in self._errors:
                    continue  # the form field's own check already said what is wrong
                for message in messages:
                    self.add_error(field, message)
            else:
                for message in messages:
                    self.add_error(None, message if field == NON_FIELD_ERRORS else f"{field}: {message}")


class CustomerForm(ServiceCleanedForm):
    service_fields = CUSTOMER_FIELDS

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def service_clean(self, data: dict) -> dict:
        # Before _post_clean the instance still holds the stored values (a blank one when adding).
        return customer_clean(data, instance=self.instance if self.instance.pk else None)


class CustomerChildForm(ServiceCleanedForm):
    """An inline row; it knows its customer, as the customer form left it, for country-dependent rules."""

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    @property
    def stored_instance(self):
        return self.instance if self.instance.pk else None


class ContactForm(CustomerChildForm):
    service_fields = CONTACT_FIELDS

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)

    def service_clean(self, data: dict) -> dict:
        # Phone numbers are read in the customer's billing country, as changed in the same form.
        country = (self.customer.billing_country if self.customer is not None else "") or "DE"
        return contact_clean(data, country=country, instance=self.stored_instance)


class BankAccountForm(CustomerChildForm):
    service_fields = BANK_ACCOUNT_FIELDS
    # Room for an IBAN pasted in groups of four (up to 34 characters plus spaces); the service
    # stores it compact.
    iban = forms.CharField(
        label=BankAccount._meta.get_field("iban").verbose_name,
        help_text=BankAccount._meta.get_field("iban").help_text,
        max_length=64,
    )

    class Meta:
        model = BankAccount
        fields = list(BANK_ACCOUNT_FIELDS)

    def service_clean(self, data: dict) -> dict:
        return bank_account_clean(data, instance=self.stored_instance)


class CustomerChildFormSet(forms.BaseInlineFormSet):
    """Hands each row the customer form's instance (which already carries the new, cleaned values).

    The admin validates the customer form before the inline formsets, so a contact's phone
    number is read in the billing country being saved, not the stored one.
    """

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "customer": self.instance}

    def rows_to_delete(self) -> list:
        return [form for form in self.deleted_forms if form.instance.pk is not None]

    def rows_to_update(self) -> list:
        deleted = set(self.deleted_forms)
        return [form for form in self.initial_forms if form not in deleted and form.has_changed()]

    def rows_to_create(self) -> list:
        deleted = set(self.deleted_forms)
        return [form for form in self.extra_forms if form not in deleted and form.has_changed()]


class DuplicateDismissForm(forms.Form):
    other = forms.ModelChoiceField(label=_("customer"), queryset=Customer.objects.all())
    reason = forms.CharField(label=_("reason"), max_length=255)


class PaymentTermsForm(forms.ModelForm):
    """Skonto tiers as text, one per line ("2 % within 10 days"), checked by customers.terms."""

    discount_tiers = forms.CharField(
        label=capfirst(_("early payment discounts")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=_("One discount per line: percent and days, e.g. “2 % within 10 days”."),
    )

    class Meta:
        model = PaymentTerms
        fields = ["name", "basis", "days", "discount_tiers", "is_default", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["discount_tiers"] = tiers_text(self.instance.discount_tiers)

    def clean_discount_tiers(self):
        tiers = []
        for number, raw in enumerate((self.cleaned_data.get("discount_tiers") or "").splitlines(), start=1):
            if not raw.strip():
                continue
            numbers = re.findall(r"\d+(?:[.,]\d+)?", raw)
            if len(numbers) != 2:
                raise ValidationError(
                    gettext("Line %(line)d: give a percent and a number of days, e.g. “2 % within 10 days”.")
                    % {"line": number}
                )
            percent, days = numbers
            if not days.isdigit():
                raise ValidationError(gettext("Line %(line)d: days are whole numbers.") % {"line": number})
            tiers.append({"percent": str(Decimal(percent.replace(",", "."))), "days": int(days)})
        return tiers

    def clean(self):
        cleaned = super().clean()
        if any(field in self.errors for field in ("basis", "days", "discount_tiers")):
            return cleaned
        spec = TermsSpec(
            basis=cleaned.get("basis"),
            days=cleaned.get("days"),
            tiers=tuple(DiscountTier(percent=Decimal(t["percent"]), days=t["days"]) for t in cleaned["discount_tiers"]),
        )
        try:
            validate_terms(spec)
        except TermsError as exc:
            for path, message in exc.errors.items():
                parts = path.split(".")
                if parts[0] == "tiers":
                    where = gettext("Line %(line)d") % {"line": int(parts[1]) + 1}
                    self.add_error("discount_tiers", f"{where}: {message}")
                else:
                    self.add_error(parts[0] if parts[0] in self.fields else None, message)
        else:
            cleaned["discount_tiers"] = [{"percent": f"{t.percent:.2f}", "days": t.days} for t in spec.tiers]
        return cleaned


def tiers_text(tiers: list[dict]) -> str:
    return "\n".join(
        gettext("%(percent)s %% within %(days)s days") % {"percent": t["percent"], "days": t["days"]} for t in tiers
    )

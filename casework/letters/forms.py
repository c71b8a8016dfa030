"""The "Write to customer" form: template, recipients, invoices, plan, subject and text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.formatting import date_text, money_text

from .plans import Interval
from .services import LetterTemplate, PlanRequest

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class LetterTemplateForm(forms.Form):
    """The GET form that loads a template's prefilled wording."""

    template = forms.ChoiceField(label=_("Template"), choices=LetterTemplate.choices)


class LetterForm(forms.Form):
    template = forms.ChoiceField(choices=LetterTemplate.choices, widget=forms.HiddenInput)
    contacts = forms.TypedMultipleChoiceField(
        label=pgettext_lazy("e-mail", "To"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    invoices = forms.TypedMultipleChoiceField(
        label=_("Invoices"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    plan_amount = forms.DecimalField(
        label=_("Amount of the plan"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: the open amount of the chosen invoices."),
    )
    plan_count = forms.IntegerField(label=_("Number of instalments"), required=False, min_value=2, max_value=36)
    plan_first_date = forms.DateField(label=_("First instalment due"), required=False, widget=DATE_INPUT)
    plan_interval = forms.ChoiceField(label=_("Interval"), required=False, choices=[("", "—"), *Interval.choices])
    plan_rows = forms.CharField(
        label=_("Or the instalments one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-01-15 250.00"}),
        help_text=_("A date (YYYY-MM-DD) and an amount per line; they must add up to the amount."),
    )
    subject = forms.CharField(label=pgettext_lazy("e-mail", "Subject"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16, "cols": 80}))

    def __init__(self, *args, contacts, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].choices = [(c.pk, _contact_label(c)) for c in contacts]
        self.fields["invoices"].choices = [
            (
                i.pk,
                gettext("%(number)s, open %(amount)s, due %(due)s")
                % {"number": i.number, "amount": money_text(i.open_amount, i.currency), "due": date_text(i.due_date)},
            )
            for i in invoices
        ]

    def clean_plan_rows(self) -> list[tuple[date, Decimal]]:
        rows = []
        for number, line in enumerate((self.cleaned_data.get("plan_rows") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.replace(";", " ").split()
            try:
                due = date.fromisoformat(parts[0])
                amount = Decimal(parts[1].replace(",", "."))
                if len(parts) != 2 or not amount.is_finite():
                    raise ValueError
            except (IndexError, ValueError, InvalidOperation):
                raise forms.ValidationError(
                    gettext("Line %(number)s: write a date and an amount, e.g. 2027-01-15 250.00.") % {"number": number}
                ) from None
            rows.append((due, amount))
        return rows

    def plan(self) -> PlanRequest | None:
        data = self.cleaned_data
        if data.get("template") != LetterTemplate.PAYMENT_PLAN:
            return None
        return PlanRequest(
            amount=data.get("plan_amount"),
            count=data.get("plan_count"),
            first_date=data.get("plan_first_date"),
            interval=data.get("plan_interval") or "",
            rows=data.get("plan_rows") or None,
        )


def _contact_label(contact) -> str:
    label = f"{contact.name} <{contact.email}>"
    if contact.email_invalid_since is not None:
        label += " — " + gettext("address undeliverable")
    return label

"""Admin forms for invoices: their validation is the services' own.

The draft form and its line and allowance rows run the checks of invoicing/services/drafts.py
(``clean_header``, ``clean_lines``, ``clean_allowances``) in ``clean()``, so the admin reports
exactly what the services (and the API) report, on the field and the inline row they name,
with the values normalised as they will be stored. Nothing is written here: the admin saves
through the services (invoicing/admin.py). The forms of the issue, credit-note and due-date
pages collect what those services take and put their refusals back on the right field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import quantize
from customers.forms import ServiceCleanedForm
from customers.models import PaymentTerms
from customers.validation import (
    FieldProblem,
    clean_country,
    clean_currency,
)

from .models import (
    ExchangeRate,
    Invoice,
    InvoiceAllowanceCharge,
    InvoiceLine,
    VatCategory,
    VatRate,
)
from .services.draft_cleaning import (
    ALLOWANCE_FIELDS,
    HEADER_FIELDS,
    LINE_FIELDS,
    _rate_date,
    clean_allowances,
    clean_header,
    clean_lines,
)


def language_choices() -> list[tuple[str, str]]:
    return [("", _("the customer's")), *settings.LANGUAGES]


def rate_date(invoice: Invoice | None) -> date:
    """The day whose VAT rates apply to a draft's rows: the services' rule (§ 27 UStG)."""
    return _rate_date({}, invoice, timezone.now())


# --- Drafts -----------------------------------------------------------------------------------


class InvoiceForm(ServiceCleanedForm):
    """A draft's header. Currency, language and terms left empty become the customer's."""

    service_fields = HEADER_FIELDS
    currency = forms.CharField(
        label=capfirst(_("currency")),
        max_length=3,
        required=False,
        help_text=_("ISO 4217, e.g. EUR; empty: the customer's currency"),
    )
    language = forms.ChoiceField(label=capfirst(_("language")), choices=language_choices, required=False)

    class Meta:
        model = Invoice
        fields = ["customer", *HEADER_FIELDS]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "payment_terms" in self.fields:
            field = self.fields["payment_terms"]
            field.queryset = PaymentTerms.objects.filter(active=True).order_by("name", "id")
            field.empty_label = gettext("the customer's (or the default)")
        if "prepaid_amount" in self.fields:
            self.fields["prepaid_amount"].required = False

    def service_data(self) -> dict:
        data = super().service_data()
        for field in ("currency", "language"):  # empty: keep what the draft (or customer) has
            if not data.get(field):
                data.pop(field, None)
        return data

    def service_clean(self, data: dict) -> dict:
        return clean_header(data, instance=self.instance if self.instance.pk else None)


class RowForm(ServiceCleanedForm):
    """An inline row checked by the services' list check, as a list of one row.

    Its problems come back as ``lines.0.quantity``; the prefix is dropped so each lands on
    the row's own field. The VAT rates are those in force on the draft's supply date, as the
    draft form left it.
    """

    error_prefix = ""

    def __init__(self, *args, invoice: Invoice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        for field in self.fields.values():  # two fields share a table cell: say which is which
            if isinstance(field.widget, forms.TextInput | forms.NumberInput):
                field.widget.attrs.setdefault("placeholder", field.label)

    def add_service_errors(self, exc: ValidationError) -> None:
        errors = {}
        for path, messages in exc.message_dict.items():
            errors.setdefault(path.removeprefix(self.error_prefix), []).extend(messages)
        super().add_service_errors(ValidationError(errors))


def _default_vat_initial() -> dict:
    """New rows start with the standard rate in force today (from the rate table, not from code)."""
    today = timezone.localdate()
    rate = (
        VatRate.objects.filter(country="DE", category=VatCategory.STANDARD, valid_from__lte=today)
        .exclude(valid_to__lt=today)
        .order_by("-rate", "id")
        .values_list("rate", flat=True)
        .first()
    )
    return {"vat_category": VatCategory.STANDARD, "vat_rate": rate} if rate is not None else {}


class InvoiceLineForm(RowForm):
    service_fields = LINE_FIELDS
    error_prefix = "lines.0."

    class Meta:
        model = InvoiceLine
        fields = list(LINE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("unit_code", "price_base_quantity"):  # the services default them (C62, 1)
            if field in self.fields:
                self.fields[field].required = False
        if self.instance.pk:  # 2 hours at 95.00, not 2.0000 at 95.0000
            for field, places in (("quantity", 0), ("price_base_quantity", 0), ("unit_price", 2)):
                if field in self.fields and self.initial.get(field) is not None:
                    self.initial[field] = trimmed_decimal(self.initial[field], places)

    def service_clean(self, data: dict) -> dict:
        return clean_lines([data], on=rate_date(self.invoice))[0]


def trimmed_decimal(value: Decimal, places: int) -> str:
    """A stored decimal without the trailing zeros of its column, keeping ``places`` decimals."""
    exponent = min(value.normalize().as_tuple().exponent, -places)
    return f"{value.quantize(Decimal(1).scaleb(exponent)):f}"


class InvoiceAllowanceChargeForm(RowForm):
    service_fields = ALLOWANCE_FIELDS
    error_prefix = "allowances_charges.0."

    class Meta:
        model = InvoiceAllowanceCharge
        fields = list(ALLOWANCE_FIELDS)

    def service_clean(self, data: dict) -> dict:
        return clean_allowances([data], on=rate_date(self.invoice))[0]


class InvoiceRowFormSet(forms.BaseInlineFormSet):
    """Lines or allowances of a draft; the service replaces them as a whole, in this order."""

    require_rows = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._vat_initial = None

    def get_form_kwargs(self, index):
        kwargs = {**super().get_form_kwargs(index), "invoice": self.instance}
        if index is None or index >= self.initial_form_count():
            if self._vat_initial is None:
                self._vat_initial = _default_vat_initial()
            kwargs["initial"] = {**self._vat_initial, **kwargs.get("initial", {})}
        return kwargs

    def rows(self) -> list:
        """The forms that stay: stored rows not marked for deletion and new rows filled in."""
        deleted = set(self.deleted_forms) if self.can_delete else set()
        initial = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if form not in deleted and (index < initial or form.has_changed())
        ]

    def service_rows(self) -> list[dict]:
        return [form.service_data() for form in self.rows()]

    def clean(self):
        super().clean()
        if self.require_rows and not any(self.errors) and not self.rows():
            try:
                clean_lines([], on=rate_date(self.instance))
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None


class InvoiceLineFormSet(InvoiceRowFormSet):
    require_rows = True


# --- Issue, credit note, due date ---------------------------------------------------------------


class ServiceErrorsMixin:
    """Put a service's refusal on the form: known paths on their fields, the rest on top."""

    error_fields: dict[str, str] = {}  # service path -> form field

    def add_service_errors(self, exc: ValidationError) -> None:
        self.service_error_paths = set(exc.message_dict) if hasattr(exc, "error_dict") else set()
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for path, messages in exc.message_dict.items():
            field = self.error_fields.get(path, path)
            for message in messages:
                if field in self.fields:
                    self.add_error(field, message)
                else:
                    self.add_error(None, message if path == NON_FIELD_ERRORS else f"{field_label(path)}: {message}")


def field_label(path: str) -> str:
    """A readable name for a service's error path ("service_date" → "delivery/service date")."""
    names = {"seller": _("company profile"), "lines": _("invoice lines"), "invoice": _("invoice")}
    head = path.split(".", 1)[0]
    if head in names:
        label = str(names[head])
    else:
        try:
            label = str(Invoice._meta.get_field(head).verbose_name)
        except Exception:  # noqa: BLE001  (an unknown path is shown as it is)
            label = head
    rest = path.split(".")[1:]
    if len(rest) >= 1 and rest[0].isdigit():
        label = f"{label} {int(rest[0]) + 1}"
    return label


class IssueForm(ServiceErrorsMixin, forms.Form):
    review_override_reason = forms.CharField(
        label=_("reason for issuing despite review"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("Only a finance manager may issue to a customer that needs review."),
    )
    credit_limit_confirmation = forms.CharField(
        label=_("reason for exceeding the credit limit"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("Needed when the customer's open items would exceed the credit limit."),
    )


class DueDateForm(ServiceErrorsMixin, forms.Form):
    error_fields = {"due_date": "new_due_date"}

    new_due_date = forms.DateField(label=_("new due date"), widget=AdminDateWidget)
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("e.g. agreed payment plan; kept in the history and sent to the customer"),
    )


LUMP_SUM_CLEARED_TEXTS = ("allowance_reason", "allowance_reason_code", "charge_reason", "charge_reason_code")


class CreditNoteForm(ServiceErrorsMixin, forms.Form):
    """Full credit, or per line a quantity (at the invoiced price) or a net amount (lump sum)."""

    FULL, PARTIAL = "full", "partial"
    mode = forms.ChoiceField(
        label=_("credit"),
        choices=[
            (FULL, _("the whole invoice (all lines, allowances and charges)")),
            (PARTIAL, _("selected lines: a quantity or a net amount per line")),
        ],
        initial=FULL,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("added to the credit note's text “Correction of invoice <number> of <date>”"),
    )
    issue = forms.BooleanField(
        label=_("issue the credit note at once"),
        required=False,
        initial=True,
        help_text=_("otherwise it is kept as a draft to review and issue later"),
    )

    def __init__(self, *args, invoice: Invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        self.lines = list(invoice.lines.order_by("position", "id"))
        self.row_errors: dict[int, list[str]] = {}
        self._line_of_row: list[InvoiceLine] = []
        for line in self.lines:
            self.fields[f"quantity_{line.pk}"] = forms.DecimalField(
                label=_("quantity to credit"), required=False, max_digits=16, decimal_places=4
            )
            self.fields[f"amount_{line.pk}"] = forms.DecimalField(
                label=_("net amount to credit"), required=False, max_digits=14, decimal_places=2
            )

    def line_rows(self) -> list[dict]:
        """What the template shows per invoiced line: the line, its inputs and its problems."""
        return [
            {
                "line": line,
                "quantity": self[f"quantity_{line.pk}"],
                "amount": self[f"amount_{line.pk}"],
                "errors": self.row_errors.get(line.pk, [])
                + [e for name in (f"quantity_{line.pk}", f"amount_{line.pk}") for e in self.errors.get(name, [])],
            }
            for line in self.lines
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") != self.PARTIAL:
            return cleaned
        chosen = 0
        for line in self.lines:
            quantity, amount = cleaned.get(f"quantity_{line.pk}"), cleaned.get(f"amount_{line.pk}")
            if quantity is None and amount is None:
                continue
            chosen += 1
            if quantity is not None and amount is not None:
                self.add_error(f"amount_{line.pk}", gettext("Give a quantity or a net amount, not both."))
            elif quantity is not None and not (0 < quantity <= abs(line.quantity)):
                self.add_error(
                    f"quantity_{line.pk}",
                    gettext("Between 0 and the invoiced quantity %(quantity)s.") % {"quantity": abs(line.quantity)},
                )
            elif amount is not None and not (0 < amount <= abs(line.net_amount)):
                self.add_error(
                    f"amount_{line.pk}",
                    gettext("Between 0 and the line's net amount %(amount)s.") % {"amount": abs(line.net_amount)},
                )
        if not chosen:
            raise ValidationError(gettext("Enter a quantity or a net amount for at least one line."))
        return cleaned

    def credit_lines(self) -> list[dict] | None:
        """The lines for ``credit_note_create``: None credits everything."""
        if self.cleaned_data["mode"] == self.FULL:
            return None
        rows, self._line_of_row = [], []
        currency = self.invoice.currency
        for line in self.lines:
            quantity = self.cleaned_data.get(f"quantity_{line.pk}")
            amount = self.cleaned_data.get(f"amount_{line.pk}")
            base = {field: getattr(line, field) for field in LINE_FIELDS}
            if quantity is not None:
                quantity = quantity.copy_sign(line.quantity)
                for field in ("allowance_amount", "charge_amount"):
                    if getattr(line, field):
                        # An absolute line allowance or charge is credited in proportion to the quantity.
                        base[field] = quantize(getattr(line, field) * quantity / line.quantity, currency)
                rows.append({**base, "quantity": quantity})
            elif amount is not None:
                rows.append(
                    {
                        **base,
                        "quantity": Decimal("1") if line.net_amount >= 0 else Decimal("-1"),
                        "unit_code": "LS",  # UN/ECE Rec. 20 lump sum
                        "unit_price": amount,
                        "price_base_quantity": Decimal("1"),
                        # A lump sum is a net amount: the line's allowance and charge are in it.
                        **dict.fromkeys(("allowance_percent", "allowance_amount", "charge_percent", "charge_amount")),
                        **dict.fromkeys(LUMP_SUM_CLEARED_TEXTS, ""),
                    }
                )
            else:
                continue
            self._line_of_row.append(line)
        return rows

    def add_service_errors(self, exc: ValidationError) -> None:
        """``lines.N.field`` names the N-th credited row: its problem goes to the invoiced line it came from."""
        if not hasattr(exc, "error_dict"):
            return super().add_service_errors(exc)
        rest = {}
        for path, messages in exc.message_dict.items():
            parts = path.split(".")
            if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self._line_of_row):
                line = self._line_of_row[int(parts[1])]
                label = _line_field_label(parts[2]) if len(parts) > 2 else ""
                self.row_errors.setdefault(line.pk, []).extend(f"{label}: {m}" if label else m for m in messages)
            else:
                rest[path] = messages
        if self.row_errors and not rest:
            rest = {NON_FIELD_ERRORS: [gettext("Some lines cannot be credited like this; see below.")]}
        return super().add_service_errors(ValidationError(rest))


def _line_field_label(name: str) -> str:
    try:
        return str(InvoiceLine._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001  (an unknown field is named as the service named it)
        return name


# --- Settings -----------------------------------------------------------------------------------


def _problem(form: forms.Form, field: str, clean, *args, **kwargs):
    """Apply a customers.validation rule to a field, keeping its normalised value."""
    value = form.cleaned_data.get(field)
    if value in (None, "") or field in form.errors:
        return
    try:
        form.cleaned_data[field] = clean(value, *args, **kwargs)
    except FieldProblem as problem:
        form.add_error(field, str(problem))


class VatRateForm(forms.ModelForm):
    class Meta:
        model = VatRate
        fields = ["country", "category", "rate", "label", "valid_from", "valid_to"]

    def clean(self):
        cleaned = super().clean()
        _problem(self, "country", clean_country)
        category, rate = cleaned.get("category"), cleaned.get("rate")
        if category and rate is not None and "rate" not in self.errors:
            if category == VatCategory.STANDARD and rate <= 0:
                self.add_error("rate", gettext("Category S needs a rate above 0 (BR-S-05)."))
            elif category != VatCategory.STANDARD and rate != 0:
                self.add_error("rate", gettext("Only category S has a rate above 0; this category is 0 %."))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", gettext("The rate cannot end before it starts."))
        return cleaned


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "kind", "date", "units_per_eur"]

    def clean(self):
        cleaned = super().clean()
        _problem(self, "currency", clean_currency)
        if cleaned.get("currency") == "EUR" and "currency" not in self.errors:
            self.add_error("currency", gettext("Rates are stated per euro; enter the foreign currency."))
        day = cleaned.get("date")
        if cleaned.get("kind") == ExchangeRate.Kind.MONTHLY and day and day.day != 1:
            self.add_error("date", gettext("Monthly averages are entered for the first day of their month."))
        rate = cleaned.get("units_per_eur")
        if rate is not None and rate <= 0:
            self.add_error("units_per_eur", gettext("An exchange rate is above 0."))
        return cleaned

"""Promises to pay and disputes in the admin: accountants take and decide them, viewers look.

Every write runs through ``casework.services`` — the add forms call ``promise_take`` /
``dispute_open`` when they validate (inside the admin's transaction, so a refusal shows beside the
form and nothing is saved), and the change pages offer what the status allows (cancel a promise;
resolve, withdraw or credit a dispute) with the note a person gives. The invoice page shows
"disputed" and "promise until …" (``invoicing.hooks.invoice_facts_register``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_display import amount_cell
from core.formatting import date_text, datetime_text, money_text
from customers.models import Contact
from invoicing.hooks import invoice_facts_register
from invoicing.models import DocumentStatus, DocumentType, Invoice, InvoiceLine

from .models import Dispute, PaymentPromise
from .selectors import open_dispute_of_invoice, open_promise_of_invoice
from .services import (
    dispute_open,
    dispute_resolve,
    dispute_resolve_with_credit_note,
    promise_cancel,
    promise_take,
)
from .services.promises import default_grace_days

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _open_invoices(customer_id):
    return Invoice.objects.filter(
        customer_id=customer_id,
        document_type=DocumentType.INVOICE,
        status=DocumentStatus.ISSUED,
        open_amount__gt=0,
    ).order_by("due_date", "pk")


class InvoiceChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return gettext("%(number)s, due %(due)s, open %(open)s") % {
            "number": obj.number,
            "due": date_text(obj.due_date),
            "open": money_text(obj.open_amount, obj.currency),
        }


def _apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class _ServiceForm(forms.ModelForm):
    """An add form whose ``clean`` calls the service (the admin wraps the view in a transaction);
    the saved object becomes the form's instance and the admin saves nothing itself."""

    request = None

    def created(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.instance = self.created(data)
            except ValidationError as exc:
                _apply_service_errors(self, exc)
        return data

    def _post_clean(self):
        pass  # the service validated and saved; the model's own full_clean has nothing to add


# --- Promises to pay ------------------------------------------------------------------------------


class PromiseTakeForm(_ServiceForm):
    invoices = InvoiceChoice(
        label=_("invoices covered"),
        queryset=Invoice.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The customer's open invoices; choose the customer and save to see them."),
    )
    grace_days = forms.IntegerField(label=_("grace days"), required=False, min_value=0, max_value=60)

    class Meta:
        model = PaymentPromise
        fields = ["customer", "invoices", "amount", "promised_date", "grace_days", "channel", "contact", "note"]
        widgets = {"promised_date": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customer_id = self.data.get("customer") or self.initial.get("customer")
        if customer_id and str(customer_id).isdigit():
            self.fields["invoices"].queryset = _open_invoices(int(customer_id))
            self.fields["contact"].queryset = Contact.objects.filter(customer_id=int(customer_id))
        else:
            self.fields["contact"].queryset = Contact.objects.none()
        self.fields["grace_days"].help_text = gettext("empty: the default (%(days)s)") % {"days": default_grace_days()}

    def created(self, data):
        return promise_take(
            customer=data["customer"],
            invoices=list(data.get("invoices") or []),
            amount=data["amount"],
            promised_date=data["promised_date"],
            channel=data["channel"],
            contact=data.get("contact"),
            note=data.get("note") or "",
            grace_days=data.get("grace_days"),
            as_of=timezone.now(),
            by=self.request.user,
        )


class PromiseDecisionForm(forms.ModelForm):
    cancel = forms.BooleanField(label=_("cancel this promise"), required=False)
    reason = forms.CharField(label=_("reason for cancelling"), required=False, max_length=255)

    class Meta:
        model = PaymentPromise
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("cancel") and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Say why the promise is cancelled."))
        return data


class _CaseworkAdmin(admin.ModelAdmin):
    """Add page: ``add_form`` (its ``clean`` calls the service); change page: everything read-only
    plus ``decision_form``'s ``decision_fields`` while the record is open. Nothing is deleted."""

    add_form: type[_ServiceForm]
    decision_form: type[forms.ModelForm]
    decision_fields: list[str]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else self.decision_form
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request  # a class made for this request by modelform_factory
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_form.Meta.fields
        return [*self.readonly_fields, *(self.decision_fields if obj.is_open else [])]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentPromise)
class PaymentPromiseAdmin(_CaseworkAdmin):
    add_form = PromiseTakeForm
    decision_form = PromiseDecisionForm
    decision_fields = ["cancel", "reason"]
    list_display = ["taken", "customer", "amount_shown", "promised", "status"]
    list_filter = ["status", "channel"]
    list_select_related = ["customer"]
    search_fields = ["customer__legal_name", "customer__number", "invoices__number"]
    ordering = ["-taken_at", "-id"]
    autocomplete_fields = ["customer"]
    readonly_fields = [
        "customer",
        "invoices_shown",
        "amount_shown",
        "received_shown",
        "promised",
        "counts_until",
        "channel",
        "contact",
        "note",
        "status",
        "taken",
        "taken_by",
        "decided",
        "cancel_reason",
    ]

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("taken"), ordering="taken_at")
    def taken(self, obj):
        return datetime_text(obj.taken_at)

    @admin.display(description=_("amount promised"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("received towards it"))
    def received_shown(self, obj):
        return money_text(obj.amount_received, obj.currency)

    @admin.display(description=_("promised for"), ordering="promised_date")
    def promised(self, obj):
        return date_text(obj.promised_date)

    @admin.display(description=_("counts until"))
    def counts_until(self, obj):
        return gettext("%(date)s (%(days)s grace days)") % {"date": date_text(obj.grace_until), "days": obj.grace_days}

    @admin.display(description=_("decided"))
    def decided(self, obj):
        return datetime_text(obj.evaluated_at)

    @admin.display(description=_("invoices covered"))
    def invoices_shown(self, obj):
        return ", ".join(invoice.number for invoice in obj.invoices.order_by("pk")) or "—"

    def save_model(self, request, obj, form, change):
        if not change:
            return  # promise_take saved it while the form validated
        if form.cleaned_data.get("cancel"):
            try:
                promise_cancel(promise=obj, as_of=timezone.now(), reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # the covered invoices were written by the service


# --- Disputes -------------------------------------------------------------------------------------


class LineChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.position}. {obj.description}"


class DisputeOpenForm(_ServiceForm):
    lines = LineChoice(
        label=_("disputed lines"),
        queryset=InvoiceLine.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None: the whole invoice. Choose the invoice and save to see its lines."),
    )
    amount = forms.DecimalField(
        label=_("disputed amount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("empty: the gross of the chosen lines, else of the invoice"),
    )

    class Meta:
        model = Dispute
        fields = ["invoice", "lines", "amount", "reason", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invoice_id = self.data.get("invoice") or self.initial.get("invoice")
        if invoice_id and str(invoice_id).isdigit():
            self.fields["lines"].queryset = InvoiceLine.objects.filter(invoice_id=int(invoice_id)).order_by("position")

    def created(self, data):
        return dispute_open(
            invoice=data["invoice"],
            reason=data["reason"],
            amount=data.get("amount"),
            lines=list(data.get("lines") or []),
            description=data.get("description") or "",
            as_of=timezone.now(),
            by=self.request.user,
        )


RESOLVE, WITHDRAW, CREDIT = "resolved", "withdrawn", "credit_note"
OUTCOMES = [
    ("", "—"),
    (RESOLVE, pgettext_lazy("dispute outcome", "resolved in our favour (the invoice stands)")),
    (WITHDRAW, pgettext_lazy("dispute outcome", "withdrawn by the customer")),
    (CREDIT, pgettext_lazy("dispute outcome", "issue a credit note")),
]


class DisputeDecisionForm(forms.ModelForm):
    outcome = forms.ChoiceField(label=_("outcome"), required=False, choices=OUTCOMES)
    credit_amount = forms.DecimalField(
        label=_("amount to credit"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("for a credit note; empty: the disputed amount"),
    )
    note = forms.CharField(label=_("resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Dispute
        fields: list[str] = []


@admin.register(Dispute)
class DisputeAdmin(_CaseworkAdmin):
    add_form = DisputeOpenForm
    decision_form = DisputeDecisionForm
    decision_fields = ["outcome", "credit_amount", "note"]
    list_display = ["opened", "invoice", "customer", "amount_shown", "reason", "status"]
    list_filter = ["status", "reason"]
    list_select_related = ["invoice", "customer"]
    search_fields = ["invoice__number", "customer__legal_name", "customer__number"]
    ordering = ["-opened_at", "-id"]
    autocomplete_fields = ["invoice"]
    readonly_fields = [
        "invoice",
        "customer",
        "lines_shown",
        "amount_shown",
        "reason",
        "description",
        "status",
        "opened",
        "opened_by",
        "resolved",
        "resolved_by",
        "resolution_note",
        "credit_note",
    ]

    @admin.display(description=_("opened"), ordering="opened_at")
    def opened(self, obj):
        return datetime_text(obj.opened_at)

    @admin.display(description=_("resolved"))
    def resolved(self, obj):
        return datetime_text(obj.resolved_at)

    @admin.display(description=_("disputed amount"), ordering="amount")
    def amount_shown(self, obj):
        return amount_cell(obj.amount, obj.currency)

    @admin.display(description=_("disputed lines"))
    def lines_shown(self, obj):
        lines = list(obj.lines.order_by("position"))
        return "; ".join(f"{line.position}. {line.description}" for line in lines) or gettext("the whole invoice")

    def save_model(self, request, obj, form, change):
        if not change:
            return  # dispute_open saved it while the form validated
        outcome, now = form.cleaned_data.get("outcome"), timezone.now()
        note = form.cleaned_data.get("note") or ""
        try:
            if outcome in (RESOLVE, WITHDRAW):
                dispute_resolve(dispute=obj, outcome=outcome, as_of=now, by=request.user, note=note)
            elif outcome == CREDIT:
                dispute_resolve_with_credit_note(
                    dispute=obj, as_of=now, by=request.user, amount=form.cleaned_data.get("credit_amount"), note=note
                )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_related(self, request, form, formsets, change):
        pass  # the disputed lines were written by the service


# --- What the invoice page says -------------------------------------------------------------------


@invoice_facts_register
def casework_invoice_facts(*, invoice) -> list[tuple[str, str]]:
    """ "Disputed" and "promise to pay" on an issued invoice's page (two small queries)."""
    if invoice.status != DocumentStatus.ISSUED or invoice.document_type != DocumentType.INVOICE:
        return []
    facts = []
    dispute = open_dispute_of_invoice(invoice.pk)
    if dispute is not None:
        facts.append(
            (
                gettext("Disputed"),
                gettext("%(amount)s since %(date)s (%(reason)s)")
                % {
                    "amount": money_text(dispute.amount, dispute.currency),
                    "date": date_text(dispute.opened_at),
                    "reason": dispute.get_reason_display(),
                },
            )
        )
    promise = open_promise_of_invoice(invoice.pk, as_of=timezone.now())
    if promise is not None:
        facts.append(
            (
                gettext("Promise to pay"),
                gettext("%(amount)s until %(date)s (no reminders until then)")
                % {"amount": money_text(promise.amount, promise.currency), "date": date_text(promise.grace_until)},
            )
        )
    return facts


# The notes' admin and the customer's timeline pages (casework/timeline/admin.py).
from .timeline import admin as timeline_admin  # noqa: E402, F401

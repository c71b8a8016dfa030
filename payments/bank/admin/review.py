"""The review queue's reads and forms: the lines to review with their suggestions, and what each
kind of line offers a person.

- a credit line: accept a suggestion, **split** the money over invoices by hand (amount per open
  invoice of a suggested customer, further invoices by number; the rest stays unapplied), assign
  the line to a customer, or ignore it;
- a return or reversal: **return one of the candidate payments**, or a payment named by its id;
- an outgoing payment to a customer's IBAN: the customer's open credit and recent refunds, to
  check before the line is ignored with a reason.

Every line can be **matched again** (selected lines: e.g. after a customer's IBAN was added).
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer
from invoicing.admin.display import money
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ...models import BankLineMatch, BankStatementLine, Payment, PaymentStatus, Refund
from ..debits import kind_text, return_reason_text

Kind = BankStatementLine.Kind
TAKES_BACK = (Kind.RETURN, Kind.REVERSAL)
EXTRA_ROWS = 3  # invoices named by number in the split form
RECENT_REFUNDS = 3


def review_queue():
    """The lines to review, newest value date first, with their open suggestions, invoices and
    candidate payments."""
    return (
        BankStatementLine.objects.filter(match_status=BankStatementLine.MatchStatus.REVIEW)
        .order_by(F("value_date").desc(nulls_last=True), "-id")
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=BankLineMatch.objects.filter(decision="")
                .select_related("invoice", "customer", "payment")
                .order_by("rank", "id"),
                to_attr="open_matches",
            )
        )
    )


def _open_invoices(customer_ids: set[int]) -> dict[int, list[Invoice]]:
    by_customer: dict[int, list[Invoice]] = defaultdict(list)
    if customer_ids:
        invoices = Invoice.objects.filter(
            customer_id__in=customer_ids,
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.ISSUED,
            open_amount__gt=0,
        ).order_by("customer_id", "due_date", "invoice_date", "id")
        for invoice in invoices:
            by_customer[invoice.customer_id].append(invoice)
    return by_customer


def _credit_overview(customer_ids: set[int]) -> dict[int, dict]:
    """Per customer: open credit and unapplied money of completed payments, and recent refunds."""
    overview: dict[int, dict] = {pk: {"credit": [], "refunds": []} for pk in customer_ids}
    if not customer_ids:
        return overview
    sums = (
        Payment.objects.filter(customer_id__in=customer_ids, status=PaymentStatus.COMPLETED)
        .values("customer_id", "currency")
        .annotate(credit=Sum("credit_amount"), unapplied=Sum("unapplied_amount"))
        .order_by("customer_id", "currency")
    )
    for row in sums:
        overview[row["customer_id"]]["credit"].append(
            {"credit": money(row["credit"], row["currency"]), "unapplied": money(row["unapplied"], row["currency"])}
        )
    refunds = (
        Refund.objects.filter(payment__customer_id__in=customer_ids)
        .select_related("payment")
        .order_by("-created_at", "-id")
    )
    for refund in refunds:
        shown = overview[refund.payment.customer_id]["refunds"]
        if len(shown) < RECENT_REFUNDS:
            shown.append({"refund": refund, "amount": money(refund.amount, refund.payment.currency)})
    return overview


def _suggestions(line: BankStatementLine) -> list[dict]:
    suggestions = []
    for rank, rows in groupby(line.open_matches, key=lambda row: row.rank):
        rows = list(rows)
        payment = rows[0].payment
        suggestions.append(
            {
                "match": rows[0],
                "rank": rank,
                "confidence": rows[0].confidence,
                "customer": rows[0].customer,
                "invoices": ", ".join(row.invoice.number for row in rows if row.invoice is not None),
                "amount": money(sum(row.amount for row in rows), line.currency),
                "explanation": rows[0].explanation_text,
                "payment": payment,
                "payment_amount": money(payment.amount, payment.currency) if payment else "",
                "returnable": payment is not None and payment.status == PaymentStatus.COMPLETED,
            }
        )
    return suggestions


def _splits(line: BankStatementLine, suggestions: list[dict], invoices: dict[int, list[Invoice]]) -> list[dict]:
    """One split form per suggested customer, its open invoices prefilled with the suggestion."""
    splits, seen = [], set()
    for suggestion in suggestions:
        customer = suggestion["customer"]
        if customer is None or customer.pk in seen:
            continue
        seen.add(customer.pk)
        proposed = {row.invoice_id: row.amount for row in line.open_matches if row.rank == suggestion["rank"]}
        splits.append(
            {
                "match": suggestion["match"],
                "customer": customer,
                "rows": [
                    {
                        "invoice": invoice,
                        "open": money(invoice.open_amount, invoice.currency),
                        "proposed": proposed.get(invoice.pk, ""),
                    }
                    for invoice in invoices.get(customer.pk, [])
                ],
                "extra": range(1, EXTRA_ROWS + 1),
            }
        )
    return splits


def review_entries(lines: list[BankStatementLine]) -> list[dict]:
    """What the review page shows per line; invoices and customers' credit are read for all lines at
    once (the page needs the same queries for one line and for fifty)."""
    credit_customers = {
        row.customer_id for line in lines if line.credit for row in line.open_matches if row.customer_id
    }
    refund_customers = {
        row.customer_id
        for line in lines
        if not line.credit and line.kind not in TAKES_BACK
        for row in line.open_matches
        if row.customer_id
    }
    invoices = _open_invoices(credit_customers)
    credit = _credit_overview(refund_customers)
    entries = []
    for line in lines:
        suggestions = _suggestions(line)
        takes_back = not line.credit and line.kind in TAKES_BACK
        entries.append(
            {
                "line": line,
                "amount": f"{'' if line.credit else '−'}{money(line.amount, line.currency)}",
                "kind": kind_text(line.kind),
                "reason": return_reason_text(line.return_reason),
                "charges": money(line.charges, line.currency) if line.charges else "",
                "suggestions": suggestions,
                "takes_back": takes_back,
                "splits": _splits(line, suggestions, invoices) if line.credit else [],
                "refund_customers": [
                    {"customer": s["customer"], **credit[s["customer"].pk]}
                    for s in suggestions
                    if not line.credit and not takes_back and s["customer"] is not None
                ],
            }
        )
    return entries


# --- forms ------------------------------------------------------------------------------------------------


def form_messages(form: forms.Form) -> list[str]:
    """A form's errors as messages naming the field: "Payment: Enter a whole number."."""
    shown = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for error in errors:
            shown.append(f"{field.label}: {error}" if field is not None and field.label else str(error))
    return shown


def service_messages(exc: ValidationError, labels: dict[str, str] | None = None) -> list[str]:
    """A service's ValidationError as messages naming the field (a line-level refusal as it is)."""
    labels = labels or {}
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    shown = []
    for key, errors in exc.message_dict.items():
        label = labels.get(key)
        if label is None and re.match(r"targets\.\d+", key):
            label = labels.get(key.split(".")[0] + "." + key.split(".")[1])
        for error in errors:
            shown.append(f"{label}: {error}" if label else error)
    return shown


class AcceptForm(forms.Form):
    match = forms.ModelChoiceField(
        queryset=BankLineMatch.objects.select_related("line"), label=gettext_lazy("Suggestion")
    )

    def clean_match(self):
        match = self.cleaned_data["match"]
        if not match.line.credit:
            raise ValidationError(_("Only credit lines are recorded as payments; a return is linked to its payment."))
        return match


class AssignForm(forms.Form):
    line = forms.ModelChoiceField(queryset=BankStatementLine.objects.all())
    # The customer number, typed or picked from the page's one list of customers (not one list per line).
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        to_field_name="number",
        label=gettext_lazy("customer"),
        error_messages={"invalid_choice": gettext_lazy("No customer has the number %(value)s.")},
    )


class IgnoreForm(forms.Form):
    line = forms.ModelChoiceField(queryset=BankStatementLine.objects.all())
    reason = forms.CharField(required=False, max_length=500)  # required: the service says so


class LinkReturnForm(forms.Form):
    line = forms.ModelChoiceField(queryset=BankStatementLine.objects.all(), label=gettext_lazy("Statement line"))
    payment = forms.IntegerField(label=gettext_lazy("Payment"), min_value=1)

    def clean_payment(self):
        pk = self.cleaned_data["payment"]
        payment = Payment.objects.filter(pk=pk).first()
        if payment is None:
            raise ValidationError(_("No payment #%(id)s.") % {"id": pk})
        return payment


class RematchForm(forms.Form):
    lines = forms.ModelMultipleChoiceField(
        queryset=BankStatementLine.objects.all(),
        label=gettext_lazy("Lines"),
        error_messages={"required": gettext_lazy("choose at least one line to match again.")},
    )


class SplitForm(AcceptForm):
    """The suggestion whose customer receives the payment; the amounts are read by ``split_amounts``."""


def split_amounts(data, *, line: BankStatementLine) -> tuple[list[dict], list[str], dict[str, str]]:
    """Read the split form: ``pay_<invoice id>`` amounts for the listed invoices, ``number_<n>`` and
    ``extra_<n>`` for invoices named by number. Returns the rows for ``line_accept``, the errors
    (each naming its field) and the labels of the service's ``targets.<i>`` fields."""
    field = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False, localize=True)
    errors: list[str] = []
    wanted: list[tuple[str, str, str]] = []  # (label, raw amount, invoice id or number)
    listed = [key for key in data if re.fullmatch(r"pay_\d+", key)]
    invoices = Invoice.objects.in_bulk([int(key[4:]) for key in listed])
    for key in listed:
        invoice = invoices.get(int(key[4:]))
        label = _("Amount for %(invoice)s") % {"invoice": invoice.number if invoice else f"#{key[4:]}"}
        if invoice is None and (data.get(key) or "").strip():
            errors.append(_("%(field)s: no such invoice.") % {"field": label})
            continue
        wanted.append((label, data.get(key), invoice))
    for n in range(1, EXTRA_ROWS + 1):
        number = (data.get(f"number_{n}") or "").strip()
        raw = data.get(f"extra_{n}")
        if not number and not (raw or "").strip():
            continue
        label = _("Invoice number %(n)s") % {"n": n}
        invoice = Invoice.objects.filter(number__iexact=number, document_type=DocumentType.INVOICE).first()
        if invoice is None:
            errors.append(_("%(field)s: no invoice %(number)s.") % {"field": label, "number": number or "—"})
            continue
        wanted.append((_("Amount for %(invoice)s") % {"invoice": invoice.number}, raw, invoice))
    amounts: dict[int, dict] = {}
    for label, raw, invoice in wanted:
        try:
            amount = field.clean(raw)
        except ValidationError as exc:
            errors.extend(f"{label}: {message}" for message in exc.messages)
            continue
        if amount:
            row = amounts.setdefault(invoice.pk, {"invoice": invoice, "amount": Decimal("0")})
            row["amount"] += amount
    rows = list(amounts.values())
    if not errors:
        total = sum((row["amount"] for row in rows), Decimal("0"))
        if not rows:
            errors.append(_("Enter an amount for at least one invoice."))
        elif total > line.amount:
            errors.append(
                _("The amounts add up to %(sum)s, more than the line's %(amount)s.")
                % {"sum": money(total, line.currency), "amount": money(line.amount, line.currency)}
            )
    labels = {f"targets.{i}": row["invoice"].number for i, row in enumerate(rows)}
    return rows, errors, labels

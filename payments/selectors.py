"""Reads of customer accounts and the payment feed (STYLE: selectors; constant query counts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoicing.models import DocumentStatus, DocumentType, Invoice
from invoicing.querysets import open_condition

from .models import Allocation, OpenItem, Payment, PaymentEvent, PaymentStatus, Refund, WriteOff

ZERO = Decimal("0")


def _day(as_of) -> date:
    return as_of.date() if isinstance(as_of, datetime) else as_of


def customer_open_items(*, customer, as_of) -> list[dict]:
    """What the customer owes and what they have in hand, for the account view and statement:
    invoices with an open amount and open fees/interest (``is_credit`` False, with days overdue
    as of ``as_of``), then credit notes with credit left and payments holding credit or
    unapplied money (``is_credit`` True). Each row keeps its object under ``"object"``.
    Three queries, however many rows."""
    day = _day(as_of)
    rows: list[dict] = []
    invoices = Invoice.objects.filter(customer=customer, status=DocumentStatus.ISSUED, open_amount__gt=0).order_by(
        "due_date", "invoice_date", "id"
    )
    for invoice in invoices:
        is_note = invoice.document_type == DocumentType.CREDIT_NOTE
        due = invoice.due_date or invoice.invoice_date
        rows.append(
            {
                "kind": "credit_note" if is_note else "invoice",
                "id": invoice.pk,
                "number": invoice.number,
                "description": invoice.number,
                "currency": invoice.currency,
                "date": invoice.invoice_date,
                "due_date": None if is_note else due,
                "amount": invoice.amount_due,
                "open_amount": invoice.open_amount,
                "days_overdue": 0 if is_note else max((day - due).days, 0),
                "settlement_state": invoice.settlement_state,
                "is_credit": is_note,
                "object": invoice,
            }
        )
    items = OpenItem.objects.filter(customer=customer, open_amount__gt=0, cancelled_at__isnull=True).order_by(
        "due_date", "id"
    )
    for item in items:
        rows.append(
            {
                "kind": item.kind,
                "id": item.pk,
                "number": "",
                "description": item.description,
                "currency": item.currency,
                "date": item.created_at.date(),
                "due_date": item.due_date,
                "amount": item.amount,
                "open_amount": item.open_amount,
                "days_overdue": max((day - item.due_date).days, 0),
                "settlement_state": "",
                "is_credit": False,
                "object": item,
            }
        )
    payments = Payment.objects.filter(customer=customer, status=PaymentStatus.COMPLETED).exclude(
        credit_amount=0, unapplied_amount=0
    )
    for payment in payments.order_by("value_date", "id"):
        held = (("payment_credit", payment.credit_amount), ("unapplied_payment", payment.unapplied_amount))
        for kind, amount in held:
            if amount > 0:
                rows.append(
                    {
                        "kind": kind,
                        "id": payment.pk,
                        "number": payment.external_id,
                        "description": payment.remittance[:100] or payment.payer_name,
                        "currency": payment.currency,
                        "date": payment.value_date,
                        "due_date": None,
                        "amount": payment.amount,
                        "open_amount": amount,
                        "days_overdue": 0,
                        "settlement_state": "",
                        "is_credit": True,
                        "object": payment,
                    }
                )
    rows.sort(key=lambda r: (r["is_credit"], r["due_date"] or r["date"] or day, r["kind"], r["id"]))
    return rows


def customer_balance(*, customer) -> dict[str, dict[str, Decimal]]:
    """Per currency: open receivables (invoices and open items), credit (credit notes' credit and
    payments kept as credit), unapplied payments, and the balance = receivables − credit −
    unapplied (positive: the customer owes). Three queries."""
    result: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"receivables": ZERO, "credit": ZERO, "unapplied": ZERO, "balance": ZERO}
    )
    documents = (
        Invoice.objects.filter(customer=customer, status=DocumentStatus.ISSUED, open_amount__gt=0)
        .values("currency", "document_type")
        .annotate(total=Sum("open_amount"))
        .order_by("currency", "document_type")
    )
    for row in documents:
        key = "credit" if row["document_type"] == DocumentType.CREDIT_NOTE else "receivables"
        result[row["currency"]][key] += row["total"]
    items = (
        OpenItem.objects.filter(customer=customer, open_amount__gt=0, cancelled_at__isnull=True)
        .values("currency")
        .annotate(total=Sum("open_amount"))
        .order_by("currency")
    )
    for row in items:
        result[row["currency"]]["receivables"] += row["total"]
    payments = (
        Payment.objects.filter(customer=customer, status=PaymentStatus.COMPLETED)
        .values("currency")
        .annotate(credit=Sum("credit_amount"), unapplied=Sum("unapplied_amount"))
        .order_by("currency")
    )
    for row in payments:
        result[row["currency"]]["credit"] += row["credit"] or ZERO
        result[row["currency"]]["unapplied"] += row["unapplied"] or ZERO
    for values in result.values():
        values["balance"] = values["receivables"] - values["credit"] - values["unapplied"]
    return dict(result)


def recent_payment_events(*, since: int | datetime | None = None, limit: int = 50) -> list[PaymentEvent]:
    """The newest payment events first (for the live feed), with payment, customer and actor in
    one query; invoice data (number, id, amount) is in each event's ``data``. ``since``: only
    events after that event id (the feed polls with the last id it saw; ids never tie) or, given
    a datetime, after that moment."""
    events = PaymentEvent.objects.select_related("payment", "payment__customer", "by")
    if isinstance(since, datetime):
        events = events.filter(at__gt=since)
    elif since is not None:
        events = events.filter(pk__gt=since)
    return list(events.order_by("-at", "-id")[: max(1, min(limit, 500))])


def _sum_per_customer(queryset, field: str):
    """A correlated sub-query: the sum of ``field`` over ``queryset``'s rows of the outer customer,
    in the customer's currency (0 for none)."""
    summed = (
        queryset.filter(customer_id=OuterRef("pk"), currency=OuterRef("currency"))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=DecimalField(max_digits=18, decimal_places=4)), Decimal("0"))


def customers_with_balance(queryset, *, as_of: date):
    """``queryset`` of customers annotated with ``balance`` (as ``customer_balance``: receivables −
    credit − unapplied) and ``overdue`` (invoices issued and not paid, due before ``as_of``), both
    in the customer's currency — a customer's documents in another currency are on the account page.
    One sub-query per sum and row, each answered from a partial index alone
    (``invoicing_customer_open``, ``invoicing_customer_credit``, ``payments_customer_unapplied``),
    so the list sorts by them."""
    open_invoices = Invoice.objects.filter(open_condition())
    receivables = _sum_per_customer(open_invoices, "open_amount")
    credit_notes = _sum_per_customer(
        Invoice.objects.filter(status=DocumentStatus.ISSUED, document_type=DocumentType.CREDIT_NOTE, open_amount__gt=0),
        "open_amount",
    )
    fees = _sum_per_customer(OpenItem.objects.filter(open_amount__gt=0, cancelled_at__isnull=True), "open_amount")
    unapplied_money = Payment.objects.filter(
        Q(credit_amount__gt=0) | Q(unapplied_amount__gt=0), status=PaymentStatus.COMPLETED
    )
    credit = _sum_per_customer(unapplied_money, "credit_amount")
    unapplied = _sum_per_customer(unapplied_money, "unapplied_amount")
    overdue = _sum_per_customer(open_invoices.filter(due_date__lt=as_of), "open_amount")
    return queryset.annotate(balance=receivables + fees - credit_notes - credit - unapplied, overdue=overdue)


# --- Where money went: an invoice's settlement, a payment's use ----------------------------------


@dataclass(frozen=True)
class MoneyRow:
    """One movement of money on an invoice's or a payment's page, newest last.

    ``kind``: ``payment`` (a payment allocated), ``credit_note`` (a credit note's credit
    allocated), ``skonto`` (the settlement discount granted with an allocation, with its VAT
    correction per rate, § 17 (1) UStG), ``write_off``, ``reversed`` (an allocation taken back —
    a return debit or a person), ``refund``; on a payment also ``credit`` (kept as the customer's
    credit), ``returned`` and ``unapplied`` (the rest still to assign)."""

    kind: str
    day: date | None
    amount: Decimal
    currency: str
    payment: Payment | None = None
    invoice: Invoice | None = None
    credit_note: Invoice | None = None
    item: OpenItem | None = None
    note: str = ""
    percent: Decimal | None = None
    vat_split: tuple = ()
    reversed: bool = False  # an allocation (and its Skonto) taken back later: shown, not counted


def _allocation_rows(allocations, *, currency: str) -> list[MoneyRow]:
    rows = []
    for allocation in allocations:
        source = allocation.payment
        kind = "payment" if allocation.payment_id else "credit_note"
        day = source.value_date if source is not None else timezone.localdate(allocation.created_at)
        common = {
            "currency": currency,
            "payment": source,
            "invoice": allocation.invoice,
            "credit_note": allocation.credit_note,
            "item": allocation.item,
            "reversed": bool(allocation.reversed_at),
        }
        rows.append(MoneyRow(kind=kind, day=day, amount=allocation.amount, note=allocation.explanation_text, **common))
        discount = getattr(allocation, "discount", None)
        if discount is not None:
            rows.append(
                MoneyRow(
                    kind="skonto",
                    day=day,
                    amount=discount.amount,
                    percent=discount.percent,
                    vat_split=tuple(discount.vat_split or ()),
                    **common,
                )
            )
        if allocation.reversed_at:
            taken_back = allocation.amount + (discount.amount if discount is not None else ZERO)
            rows.append(
                MoneyRow(
                    kind="reversed",
                    day=timezone.localdate(allocation.reversed_at),
                    amount=-taken_back,
                    note=allocation.reversal_reason,
                    **{**common, "reversed": False},
                )
            )
    return rows


def _write_off_rows(write_offs, *, currency: str) -> list[MoneyRow]:
    return [
        MoneyRow(
            kind="write_off",
            day=timezone.localdate(write_off.created_at),
            amount=write_off.amount if not write_off.reversed_at else ZERO,
            currency=currency,
            payment=write_off.payment,
            invoice=write_off.invoice,
            note=write_off.reason,
        )
        for write_off in write_offs
    ]


def invoice_money(*, invoice: Invoice) -> list[MoneyRow]:
    """What happened to an invoice's money: payments and credit notes allocated to it (with their
    Skonto), allocations reversed, write-offs. Two queries."""
    allocations = list(
        Allocation.objects.filter(invoice=invoice)
        .select_related("payment", "credit_note", "discount")
        .order_by("created_at", "id")
    )
    write_offs = list(WriteOff.objects.filter(invoice=invoice).select_related("payment").order_by("created_at", "id"))
    for row in (*allocations, *write_offs):
        row.invoice = invoice  # already loaded: no query per row
    rows = _allocation_rows(allocations, currency=invoice.currency) + _write_off_rows(
        write_offs, currency=invoice.currency
    )
    return sorted(rows, key=lambda row: row.day or date.min)


def payment_money(*, payment: Payment) -> list[MoneyRow]:
    """Where a payment went: the invoices and items it was allocated to (with Skonto), reversals,
    write-offs of small differences, refunds, and the parts kept as credit, returned or still
    unapplied (the payment's own columns; together they add up to its amount). Three queries."""
    allocations = list(
        Allocation.objects.filter(payment=payment)
        .select_related("invoice", "item", "discount")
        .order_by("created_at", "id")
    )
    for allocation in allocations:
        allocation.payment = payment  # already loaded: no query per row
    rows = _allocation_rows(allocations, currency=payment.currency)
    rows += _write_off_rows(
        WriteOff.objects.filter(payment=payment).select_related("invoice").order_by("created_at", "id"),
        currency=payment.currency,
    )
    rows += [
        MoneyRow(
            kind="refund",
            day=timezone.localdate(refund.created_at),
            amount=refund.amount,
            currency=payment.currency,
            payment=payment,
            note=refund.reference,
        )
        for refund in Refund.objects.filter(payment=payment).order_by("created_at", "id")
    ]
    rows = sorted(rows, key=lambda row: row.day or date.min)
    for kind, amount in (
        ("credit", payment.credit_amount),
        ("returned", payment.returned_amount),
        ("unapplied", payment.unapplied_amount),
    ):
        if amount:
            rows.append(MoneyRow(kind=kind, day=None, amount=amount, currency=payment.currency, payment=payment))
    return rows


def invoices_bank_line_pending(invoice_ids) -> dict[int, date | None]:
    """Those of ``invoice_ids`` a credit line of a bank statement was matched to (accepted, or the
    open suggestion of a line waiting for review) while no payment was recorded from it yet: the
    money is there but not applied, so the customer must not be reminded. Each with the line's value
    (else booking) date, the latest if several (one query)."""
    from .models import BankLineMatch, BankStatementLine

    ids = list(invoice_ids)
    found: dict[int, date | None] = {}
    if not ids:
        return found
    rows = (
        BankLineMatch.objects.filter(invoice_id__in=ids, payment__isnull=True, line__credit=True)
        .filter(line__withdrawn_by__isnull=True)
        .filter(
            Q(decision=BankLineMatch.Decision.ACCEPTED)
            | Q(decision="", rank=1, line__match_status=BankStatementLine.MatchStatus.REVIEW)
        )
        .values_list("invoice_id", "line__value_date", "line__booking_date")
    )
    for invoice_id, value_date, booking_date in rows:
        day = value_date or booking_date
        known = found.get(invoice_id)
        found[invoice_id] = day if known is None or (day is not None and day > known) else known
    return found

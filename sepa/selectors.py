"""Reads of the ``sepa`` app that other apps (the customer page, dunning) rely on, and the
selection of what a collection takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DateField, Exists, OuterRef, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from invoicing.models import Invoice
from invoicing.querysets import open_condition

from .models import HOLDS_INVOICE, Batch, BatchItem, BatchItemStatus, Mandate, MandateStatus


def invoices_collection_pending(invoice_ids: Iterable[int]) -> set[int]:
    """Those of ``invoice_ids`` in a direct-debit collection the bank has not yet booked or returned:
    the customer must not be asked to pay them another way (a double payment)."""
    ids = list(invoice_ids)
    if not ids:
        return set()
    return set(
        BatchItem.objects.filter(invoice_id__in=ids, status=BatchItemStatus.PENDING).values_list(
            "invoice_id", flat=True
        )
    )


def usable_mandates() -> QuerySet[Mandate]:
    """Active mandates that still allow a collection (not used up by a one-off or final one)."""
    return Mandate.objects.filter(status=MandateStatus.ACTIVE, used_up=False)


def mandate_active_for(customer) -> Mandate | None:
    """The customer's active mandate (the newest signed, where there are several), or None.
    A mandate used up by its one-off or final collection is no longer active for this."""
    return usable_mandates().filter(customer=customer).order_by("-signed_on", "-id").first()


@dataclass(frozen=True)
class Candidate:
    invoice: Invoice
    mandate: Mandate
    amount: Decimal


def collection_candidates(
    *, collection_date: date, scheme: str, prenotification_days: int, customers: Iterable[int] | None = None
) -> list[Candidate]:
    """What a collection on ``collection_date`` would take, in two queries.

    Issued EUR invoices with an open amount, due on or before the collection date, whose
    pre-notification lead time is kept (issued for direct debit — ``Invoice.payment_means`` code
    59 — with an announced collection date on or before this one, and invoice date +
    ``prenotification_days`` ≤ collection date), not in a pending or booked collection, of customers
    whose newest usable mandate is of ``scheme`` and not flagged for attention (a return that
    put the mandate in doubt). A one-off mandate takes one invoice only (the oldest due).
    """
    held = BatchItem.objects.filter(invoice=OuterRef("pk"), status__in=HOLDS_INVOICE)
    invoices = (
        Invoice.objects.filter(open_condition())
        .filter(
            currency="EUR",
            due_date__lte=collection_date,
            invoice_date__lte=collection_date - timedelta(days=prenotification_days),
        )
        # Only invoices issued for direct debit: they announced it (payment means 59 with the
        # collection date), the others asked for a transfer and may be paid that way.
        .alias(announced=Cast(KT("payment_means__collection_date"), DateField()))
        .filter(payment_means__code="59", announced__lte=collection_date)
        .filter(Exists(usable_mandates().filter(customer=OuterRef("customer"))))
        .exclude(Exists(held))
        .select_related("customer")
        .order_by("customer_id", "due_date", "id")
    )
    if customers is not None:
        invoices = invoices.filter(customer_id__in=list(customers))
    invoices = list(invoices)
    newest: dict[int, Mandate] = {}
    for mandate in (
        usable_mandates()
        .filter(customer_id__in={inv.customer_id for inv in invoices})
        .order_by("customer_id", "-signed_on", "-id")
    ):
        newest.setdefault(mandate.customer_id, mandate)
    chosen: list[Candidate] = []
    one_off_taken: set[int] = set()
    for invoice in invoices:
        mandate = newest.get(invoice.customer_id)
        if mandate is None or mandate.scheme != scheme or mandate.needs_attention:
            continue
        if not mandate.recurring:
            if mandate.pk in one_off_taken:
                continue
            one_off_taken.add(mandate.pk)
        chosen.append(Candidate(invoice=invoice, mandate=mandate, amount=invoice.open_amount))
    return chosen


def batch_list() -> QuerySet[Batch]:
    return Batch.objects.select_related("created_by", "submitted_by", "cancelled_by")


def batch_detail(pk: int) -> Batch:
    return Batch.objects.select_related("created_by", "submitted_by", "cancelled_by").get(pk=pk)


def batch_items(batch: Batch) -> QuerySet[BatchItem]:
    return batch.items.select_related("customer", "invoice", "mandate").order_by("id")


def mandate_list() -> QuerySet[Mandate]:
    return Mandate.objects.select_related("customer")


def mandates_pending_totals(mandate_ids: Iterable[int]) -> dict[int, Decimal]:
    """Per mandate, the amount in pending collections."""
    rows = (
        BatchItem.objects.filter(mandate_id__in=list(mandate_ids), status=BatchItemStatus.PENDING)
        .values("mandate_id")
        .annotate(total=Sum("amount"))
    )
    return {row["mandate_id"]: row["total"] for row in rows}

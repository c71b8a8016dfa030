"""What dunning (issue 19) and the pages read about promises and disputes: one query each.

- ``invoice_under_open_promise`` / ``invoices_under_open_promise``: an open promise covers the
  invoice and its deadline (promised date + grace days) is ``as_of``'s day or later. A promise
  whose deadline passed counts no more even before the daily job marked it broken.
- ``invoice_is_disputed`` / ``invoices_disputed``: an open dispute about the invoice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone

from .models import Dispute, DisputeStatus, PaymentPromise, PromiseInvoice, PromiseStatus


def _day(as_of: datetime | date) -> date:
    return timezone.localdate(as_of) if isinstance(as_of, datetime) else as_of


def _open_promise_links(as_of: datetime | date):
    return PromiseInvoice.objects.filter(
        promise_open=True, promise__status=PromiseStatus.OPEN, promise__grace_until__gte=_day(as_of)
    )


def invoices_under_open_promise(invoice_ids: Iterable[int], *, as_of: datetime | date) -> set[int]:
    """The invoices among ``invoice_ids`` under an open promise to pay on ``as_of``'s day."""
    ids = list(invoice_ids)
    if not ids:
        return set()
    return set(_open_promise_links(as_of).filter(invoice_id__in=ids).values_list("invoice_id", flat=True))


def invoice_under_open_promise(invoice_id: int, *, as_of: datetime | date) -> bool:
    return _open_promise_links(as_of).filter(invoice_id=invoice_id).exists()


def open_promise_of_invoice(invoice_id: int, *, as_of: datetime | date) -> PaymentPromise | None:
    """The open promise covering an invoice (for its page), or None."""
    link = _open_promise_links(as_of).filter(invoice_id=invoice_id).select_related("promise").first()
    return link.promise if link is not None else None


def customer_open_promises(customer_id: int) -> QuerySet[PaymentPromise]:
    """A customer's open promises, soonest deadline first, with their invoices."""
    return (
        PaymentPromise.objects.filter(customer_id=customer_id, status=PromiseStatus.OPEN)
        .prefetch_related("invoices")
        .order_by("grace_until", "pk")
    )


def invoices_disputed(invoice_ids: Iterable[int]) -> set[int]:
    """The invoices among ``invoice_ids`` with an open dispute."""
    ids = list(invoice_ids)
    if not ids:
        return set()
    return set(
        Dispute.objects.filter(invoice_id__in=ids, status=DisputeStatus.OPEN).values_list("invoice_id", flat=True)
    )


def invoice_is_disputed(invoice_id: int) -> bool:
    return Dispute.objects.filter(invoice_id=invoice_id, status=DisputeStatus.OPEN).exists()


def open_dispute_of_invoice(invoice_id: int) -> Dispute | None:
    return Dispute.objects.filter(invoice_id=invoice_id, status=DisputeStatus.OPEN).first()


def disputed_amount(*, invoice_id: int | None = None, customer_id: int | None = None) -> Decimal:
    """What is contested in open disputes: of one invoice, or of all a customer's invoices (in
    the invoices' currency; a customer's invoices in several currencies are added per call with
    ``invoice_id``)."""
    if (invoice_id is None) == (customer_id is None):
        raise ValueError("Ask about an invoice or a customer.")
    disputes = Dispute.objects.filter(status=DisputeStatus.OPEN)
    disputes = (
        disputes.filter(invoice_id=invoice_id) if invoice_id is not None else disputes.filter(customer_id=customer_id)
    )
    return disputes.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def open_promise_deadlines(invoice_ids: Iterable[int], *, as_of: datetime | date) -> dict[int, date]:
    """The invoices among ``invoice_ids`` under an open promise on ``as_of``'s day, each with the
    latest deadline (promised date + grace days) of its open promises (one query; dunning words it)."""
    ids = list(invoice_ids)
    found: dict[int, date] = {}
    if not ids:
        return found
    for invoice_id, until in (
        _open_promise_links(as_of).filter(invoice_id__in=ids).values_list("invoice_id", "promise__grace_until")
    ):
        found[invoice_id] = max(until, found.get(invoice_id, until))
    return found

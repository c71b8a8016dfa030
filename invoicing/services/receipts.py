"""The date an invoice reached the customer ("Zugang", § 130 BGB), stored on the invoice.

§ 286 (3) BGB: a debtor who does not pay within 30 days of the due date *and receipt* of an
invoice is in default without a reminder; dunning reads ``Invoice.received_on``
(``Invoice.objects.received_on_or_before``). How the date was found is kept beside it:

- ``confirmed``: the first delivery report of the invoice's e-mail (communications/
  services/tracking.py, invoicing/messaging.py). The first confirmation wins and is never overwritten.
- ``assumed``: when tracking stays silent, the daily job assumes receipt
  ``DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS`` days after the invoice mail left (the first one that did;
  else the first ``sent`` event; its issue date when it was never e-mailed). A later real
  confirmation replaces it. Only issued (not cancelled) documents are assumed received, and none
  whose invoice mails are all known not to have arrived (bounced, failed, stopped or not yet left):
  that is evidence against receipt, and the count starts once a mail has left.

Each change writes an invoice event. The two columns are among those the immutability trigger
lets change after issue.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.typed_events import record_typed_events

from ..models import DocumentStatus, Invoice, InvoiceEvent, ReceiptBasis
from .locks import invoices_lock


def receipt_assumed_after_days() -> int:
    return settings.DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS


def invoice_receipt_confirm(*, invoice_id: int, received_on: date, as_of: datetime) -> bool:
    """Store a delivery report's date as the date of receipt, unless one was confirmed before.

    Replaces an assumed date (a real report is better evidence). Returns whether it changed.
    The caller records the delivery event itself (tracking's ``delivered`` invoice event).
    """
    with transaction.atomic():
        invoice = invoices_lock(invoice_id).get(invoice_id)
        if invoice is None or invoice.status == DocumentStatus.DRAFT:
            return False
        if invoice.received_on_basis == ReceiptBasis.CONFIRMED:
            return False  # the first confirmation wins
        invoice.received_on = received_on
        invoice.received_on_basis = ReceiptBasis.CONFIRMED
        invoice.updated_at = as_of
        invoice.save(update_fields=["received_on", "received_on_basis", "updated_at"])
    return True


INVOICE_MAILS = ("invoice", "credit_note")


def invoice_received_at(invoice: Invoice) -> datetime | None:
    """When the invoice (or credit note) reached the customer by e-mail: its mails' first delivery.

    The date of receipt starts the 30 days after which a debtor is in default without a reminder
    (§ 286 (3) BGB). ``None``: no delivery is known (sent by post, or not confirmed by the provider).
    """
    from communications.selectors import messages_about
    from communications.services.tracking import first_delivered_at

    return first_delivered_at(messages_about(invoice).filter(template__in=INVOICE_MAILS))


def _assumption_candidates(*, today: date, days: int):
    """Issued documents without a date of receipt whose assumed day may have come: (id, issue date,
    when the invoice was first sent)."""
    from communications.models import MessageStatus
    from communications.selectors import messages_about

    mails = messages_about(Invoice, object_id=OuterRef("pk")).filter(template__in=INVOICE_MAILS)
    left = mails.filter(status__in=(MessageStatus.SENT, MessageStatus.DELIVERED), sent_at__isnull=False)
    first_sent = Coalesce(
        Subquery(left.order_by("sent_at").values("sent_at")[:1]),
        Min("events__at", filter=Q(events__kind=InvoiceEvent.Kind.SENT)),
    )
    return (
        Invoice.objects.filter(received_on__isnull=True, status=DocumentStatus.ISSUED)
        .filter(invoice_date__lte=today - timedelta(days=days))
        # a mail known not to have arrived (bounced, failed, stopped, not yet left) is no receipt
        .exclude(Exists(mails) & ~Exists(left))
        .annotate(first_sent=first_sent)
        .values_list("pk", "invoice_date", "first_sent")
        .order_by("pk")
    )


CHUNK = 500


def invoice_receipts_assume(*, as_of: datetime) -> int:
    """Daily job: assume receipt where no delivery report came. Returns how many were assumed.

    The assumed day is the first e-mail sending (else the issue date) plus the configured days;
    it is stored once its day has come, so a report arriving in time is never pre-empted.
    Works in chunks of locked rows (a few queries per chunk, not per invoice): the first run on
    a large ledger assumes receipt for its whole history.
    """
    today = timezone.localdate(as_of)
    days = receipt_assumed_after_days()
    due: dict[int, tuple[date, date, bool]] = {}
    for invoice_id, invoice_date, first_sent in _assumption_candidates(today=today, days=days).iterator():
        base = timezone.localdate(first_sent) if first_sent else invoice_date
        if base + timedelta(days=days) <= today:
            due[invoice_id] = (base, base + timedelta(days=days), first_sent is not None)
    assumed = 0
    ids = sorted(due)
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            # A report may have come meanwhile: only rows still without a date, locked in pk order.
            rows = list(invoices_lock(*ids[start : start + CHUNK]).values())
            rows = [row for row in rows if row.received_on is None]
            for row in rows:
                row.received_on = due[row.pk][1]
                row.received_on_basis = ReceiptBasis.ASSUMED
                row.updated_at = as_of
            Invoice.objects.bulk_update(rows, ["received_on", "received_on_basis", "updated_at"])
            events = InvoiceEvent.objects.bulk_create(
                InvoiceEvent(
                    invoice=row,
                    kind=InvoiceEvent.Kind.RECEIPT_ASSUMED,
                    at=as_of,
                    to_state=row.received_on.isoformat(),
                    data={
                        "basis": "sent" if due[row.pk][2] else "issued",
                        "days": days,
                        "from": due[row.pk][0].isoformat(),
                    },
                )
                for row in rows
            )
            record_typed_events(events)  # bulk_create sends no post_save: write through to the log
            assumed += len(rows)
    return assumed

"""A batch's life after it is made: submitted to the bank, or cancelled.

Booking by the bank (``confirmed``) and returns come from the bank-statement side
(``sepa/bank.py``, ``payments``), which changes the items' status through the same tables.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.events import event_build, event_record, events_bulk_record
from core.locks import lock_rows
from core.transitions import transition_check

from ..models import Batch, BatchItemStatus, BatchKind, BatchStatus, Mandate, SequenceType
from .common import user_or_none
from .errors import SepaConflict


def _transition(batch: Batch, *, to: str) -> None:
    transition_check(
        Batch.TRANSITIONS, current=batch.status, to=to, labels=dict(BatchStatus.choices), conflict=SepaConflict
    )
    batch.status = to


def batch_mark_submitted(*, batch: Batch, as_of: datetime, by=None) -> Batch:
    """The file was handed to the bank (uploaded by EBICS or online banking)."""
    with transaction.atomic():
        locked = lock_rows(Batch, [batch.pk])[batch.pk]
        _transition(locked, to=BatchStatus.SUBMITTED)
        locked.submitted_at = as_of
        locked.submitted_by = user_or_none(by)
        locked.save(update_fields=["status", "submitted_at", "submitted_by"])
        event_record(
            type="sepa_batch.submitted",
            obj=locked,
            data={"message_id": locked.message_id, "kind": locked.kind, "total": locked.total},
            at=as_of,
        )
    return locked


def batch_cancel(*, batch: Batch, as_of: datetime, by=None, reason: str = "") -> Batch:
    """Take a batch back: its items are cancelled and its invoices may be collected again.

    Before submission anyone may; after it (the bank has the file, the cancellation was agreed
    with it) only a person, with a reason. A cancelled collection gives its mandates back what it
    took (the sequence type, e.g. FRST, and an amendment not sent after all) unless a later
    collection used them since. Refund batches cannot be cancelled here: their refunds are booked
    against the customers' credit, which has no reversal yet (README, *SEPA direct debit*).
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = lock_rows(Batch, [batch.pk])[batch.pk]
        if locked.kind == BatchKind.CREDIT_TRANSFER:
            raise SepaConflict(
                _("A refund file cannot be cancelled: its refunds are booked against the customers' credit.")
            )
        was_submitted = locked.status == BatchStatus.SUBMITTED
        _transition(locked, to=BatchStatus.CANCELLED)
        if was_submitted:
            errors = {}
            if user_or_none(by) is None:
                errors["by"] = [_("Only a person can cancel a file the bank already has.")]
            if not reason:
                errors["reason"] = [_("Say why a file the bank already has is cancelled.")]
            if errors:
                raise ValidationError(errors)
        items = list(locked.items.filter(status=BatchItemStatus.PENDING).order_by("pk"))
        mandates = lock_rows(Mandate, {item.mandate_id for item in items if item.mandate_id})
        for item in items:
            item.status = BatchItemStatus.CANCELLED
            item.status_changed_at = as_of
        locked.items.model.objects.bulk_update(items, ["status", "status_changed_at"])
        for mandate in mandates.values():
            _restore(mandate, [item for item in items if item.mandate_id == mandate.pk], as_of=as_of)
        locked.cancelled_at = as_of
        locked.cancelled_by = user_or_none(by)
        locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        event_record(
            type="sepa_batch.cancelled",
            obj=locked,
            data={"message_id": locked.message_id, "kind": locked.kind, "total": locked.total, "reason": reason},
            at=as_of,
        )
        events_bulk_record(
            [
                event_build(
                    type="sepa_item.cancelled",
                    obj=item,
                    customer_id=item.customer_id,
                    data={"batch": locked.pk, "invoice": item.invoice_id, "amount": item.amount},
                    at=as_of,
                )
                for item in items
            ]
        )
    return locked


def _restore(mandate: Mandate, items, *, as_of: datetime) -> None:
    """Undo what the cancelled collection did to the mandate, if nothing used it since."""
    later = (
        mandate.items.exclude(pk__in=[item.pk for item in items])
        .filter(pk__gt=min(item.pk for item in items))
        .exclude(status=BatchItemStatus.CANCELLED)
        .exists()
    )
    if later:
        return
    sent = items[0].mandate_data or {}
    before = sent.get("before") or {}
    mandate.sequence_type = before.get("sequence_type") or items[0].sequence_type or SequenceType.FIRST
    mandate.used_up = bool(before.get("used_up"))
    last = before.get("last_collected_on")
    mandate.last_collected_on = date.fromisoformat(last) if last else None
    amendment = sent.get("amendment") or {}
    # Only what the mandate no longer carries: an amendment made after the file stays as it is.
    if not (mandate.original_reference or mandate.original_debtor_iban):
        if amendment.get("original_reference") and amendment["original_reference"] != mandate.reference:
            mandate.original_reference = amendment["original_reference"]
        if amendment.get("original_debtor_iban") and amendment["original_debtor_iban"] != mandate.debtor_iban:
            mandate.original_debtor_iban = amendment["original_debtor_iban"]
            mandate.original_debtor_bic = amendment.get("original_debtor_bic") or ""
            mandate.debtor_bank_changed = bool(amendment.get("new_debtor_bank"))
    mandate.updated_at = as_of
    mandate._change_reason = "collection cancelled"
    mandate.save()

"""Status changes the bank statement causes on batches, items and mandates, each checked against
its model's ``TRANSITIONS`` (``core.transitions``) and logged as one event (``sepa/bank/events.py``).

The callers hold the bank line's lock and have done the money work (payments recorded, returned)
before: batches and items are locked after it (``core.locks``: ``collection_batch``,
``collection_item``), so a status is always changed on rows read under their lock.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Q
from django.db.models.functions import Greatest

from core.events import event_record
from core.locks import lock_rows
from core.transitions import transition_check
from payments.services.errors import PaymentConflict

from ..models import Batch, BatchItem, BatchItemStatus, BatchStatus, Mandate


def _conflict(message: str) -> Exception:
    return PaymentConflict(message, field="status")


def items_locked(item_ids) -> dict[int, BatchItem]:
    """The items, locked (after their batches: one batch row per batch, in the lock order)."""
    ids = sorted(set(item_ids))
    batch_ids = BatchItem.objects.filter(pk__in=ids).values_list("batch_id", flat=True).distinct()
    lock_rows(Batch, list(batch_ids))
    return lock_rows(BatchItem, ids, select_related=("batch", "mandate", "invoice", "customer"))


def item_transition(*, item: BatchItem, to: str, as_of: datetime, data: dict) -> BatchItem:
    """Move a locked item to ``to`` and log ``sepa_item.<to>`` with ``data`` (ids and codes)."""
    transition_check(
        BatchItem.TRANSITIONS,
        current=item.status,
        to=to,
        labels=dict(BatchItemStatus.choices),
        conflict=_conflict,
    )
    from_state = item.status
    item.status = to
    item.status_changed_at = as_of
    item.save(update_fields=["status", "status_changed_at", "payment", "return_reason"])
    event_record(
        type=f"sepa_item.{to}",
        obj=item,
        customer_id=item.customer_id,
        data={
            "amount": str(item.amount),
            "currency": item.currency,
            "end_to_end_id": item.end_to_end_id,
            "batch": item.batch.message_id,
            "from_state": from_state,
            "to_state": to,
            **data,
        },
        at=as_of,
    )
    return item


def batch_confirm_if_booked(*, batch_id: int, as_of: datetime, bank_line_id: int) -> bool:
    """A submitted batch with no item left pending is booked by the bank: ``confirmed``. The batch
    is locked by the caller (``items_locked``). Returns whether it was confirmed now."""
    batch = lock_rows(Batch, [batch_id])[batch_id]
    if batch.status != BatchStatus.SUBMITTED or batch.items.filter(status=BatchItemStatus.PENDING).exists():
        return False
    transition_check(
        Batch.TRANSITIONS,
        current=batch.status,
        to=BatchStatus.CONFIRMED,
        labels=dict(BatchStatus.choices),
        conflict=_conflict,
    )
    batch.status = BatchStatus.CONFIRMED
    batch.confirmed_at = as_of
    batch.save(update_fields=["status", "confirmed_at"])
    counts = dict(batch.items.values_list("status").annotate(n=Count("id")).order_by())
    event_record(
        type="sepa_batch.confirmed",
        obj=batch,
        data={
            "total": str(batch.total),
            "currency": batch.currency,
            "message_id": batch.message_id,
            "bank_line": bank_line_id,
            "collected": counts.get(BatchItemStatus.COLLECTED, 0),
            "returned": counts.get(BatchItemStatus.RETURNED, 0),
            "from_state": BatchStatus.SUBMITTED,
            "to_state": BatchStatus.CONFIRMED,
        },
        at=as_of,
    )
    return True


def mandate_collected(*, mandate_id: int, day: date) -> None:
    """The mandate's last collection is the latest booked one (one conditional UPDATE, no lost update)."""
    Mandate.objects.filter(pk=mandate_id).filter(
        Q(last_collected_on__isnull=True) | Q(last_collected_on__lt=day)
    ).update(last_collected_on=Greatest("last_collected_on", day))


def mandate_flag(*, mandate: Mandate, reason: str, code: str, item: BatchItem, as_of: datetime) -> None:
    """Mark the mandate for a person's attention with a worded reason (kept beside earlier ones)."""
    reasons = [part for part in (mandate.attention_reason or "").split("\n") if part.strip()]
    if reason not in reasons:
        reasons.append(reason)
    # Saved, not updated in place: the mandate's history (simple_history) keeps the change too.
    mandate.needs_attention, mandate.attention_reason, mandate.updated_at = True, "\n".join(reasons), as_of
    mandate.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    event_record(
        type="mandate.flagged",
        obj=mandate,
        customer_id=mandate.customer_id,
        data={"reason_code": code, "end_to_end_id": item.end_to_end_id, "item": item.pk},
        at=as_of,
    )

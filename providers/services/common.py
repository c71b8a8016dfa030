"""Shared by the provider services: the per-payment gate, status changes with their event."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from core.events import event_record
from core.locks import lock_rows
from core.transitions import transition_check
from payments.services.errors import PaymentConflict

from ..models import ProviderPayment


def provider_payment_gate(*, provider: str, payment_id: str, as_of: datetime) -> ProviderPayment:
    """The row of one provider payment, created on first sight and locked (``core.locks``:
    place ``provider_payment``). Every webhook and refund about the payment passes here, so two
    events about it — delivered concurrently, in any order — are handled one after the other, and
    the second sees what the first did. A concurrent first insert waits on the unique index and
    then finds the committed row."""
    row = ProviderPayment.objects.filter(provider=provider, payment_intent_id=payment_id).only("pk").first()
    if row is None:
        try:
            with transaction.atomic():
                row = ProviderPayment.objects.create(
                    provider=provider, payment_intent_id=payment_id, created_at=as_of, updated_at=as_of
                )
        except IntegrityError:
            row = ProviderPayment.objects.only("pk").get(provider=provider, payment_intent_id=payment_id)
    return lock_rows(ProviderPayment, [row.pk])[row.pk]


def status_change(
    *, obj, table: dict, to: str, as_of: datetime, event_type: str, customer_id: int | None, data: dict | None = None
) -> None:
    """Move ``obj`` (locked) to ``to`` as ``table`` allows (else ``PaymentConflict``), saved with
    ``updated_at``, and log ``event_type`` naming both states."""
    labels = dict(type(obj)._meta.get_field("status").choices)
    transition_check(
        table,
        current=obj.status,
        to=to,
        labels=labels,
        conflict=lambda message: PaymentConflict(message, field="status"),
    )
    from_state, obj.status, obj.updated_at = obj.status, to, as_of
    obj.save(update_fields=["status", "updated_at"])
    event_record(
        type=event_type,
        obj=obj,
        customer_id=customer_id,
        data={"from_state": from_state, "to_state": to, **(data or {})},
        at=as_of,
    )

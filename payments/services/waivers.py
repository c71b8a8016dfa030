"""Waiving a fee or interest item: a finance manager gives up what is still open of it, with reason."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.events import event_record, scrub_free_text
from core.locks import lock_rows
from core.roles import Role, role_of

from ..models import OpenItem, ReturnFee, ReturnFeeStatus, Waiver
from .common import ZERO, lock_all, user_or_none


def open_item_waive(*, item: OpenItem, reason: str, as_of: datetime, by) -> Waiver:
    """Close what is still open of a fee or interest item (what was paid of it stays paid):
    finance managers only, with a reason; a ``Waiver`` says who, when and why, and an event is
    written. A charged return fee follows (its status becomes waived)."""
    role = role_of(by)
    if role is None or role < Role.FINANCE_MANAGER:
        raise ValidationError({"by": [_("Only finance managers may waive fees and interest.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it is waived.")]})
    with transaction.atomic():
        locked = lock_all(customers=[item.customer_id], items=[item.pk])[2][item.pk]
        if locked.cancelled_at is not None:
            raise ValidationError({"item": [_("The open item %(n)s is cancelled.") % {"n": locked.pk}]})
        if locked.open_amount <= 0:
            raise ValidationError({"item": [_("Nothing is open on this item.")]})
        waiver = Waiver.objects.create(
            item=locked,
            amount=locked.open_amount,
            reason=reason[:255],
            created_by=user_or_none(by),
            created_at=as_of,
        )
        locked.open_amount = ZERO
        locked.save(update_fields=["open_amount"])
        fee = ReturnFee.objects.filter(open_item_id=locked.pk, status=ReturnFeeStatus.CHARGED).first()
        if fee is not None:
            fee = lock_rows(ReturnFee, [fee.pk]).get(fee.pk)
            fee.status, fee.why = ReturnFeeStatus.WAIVED, reason
            fee.decided_by, fee.decided_at = user_or_none(by), as_of
            fee.save(update_fields=["status", "why", "decided_by", "decided_at"])
        event_record(
            type="open_item.waived",
            obj=locked,
            customer_id=locked.customer_id,
            data={
                "waiver": waiver.pk,
                "kind": locked.kind,
                "invoice": locked.invoice_id,
                "amount": str(waiver.amount),
                "currency": locked.currency,
                "reason": scrub_free_text(reason),
            },
            at=as_of,
        )
    return waiver

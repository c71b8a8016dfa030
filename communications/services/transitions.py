"""The one service that moves an outbox message along ``MESSAGE_TRANSITIONS``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError

from core.transitions import transition_check

from ..models import MESSAGE_TRANSITIONS, MessageStatus, OutboxMessage

# The timestamp each status records. A provider repeats events: delivery and bounce keep the first.
STAMP_OF = {
    MessageStatus.SENDING: "sending_at",
    MessageStatus.SENT: "sent_at",
    MessageStatus.FAILED: "failed_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.BOUNCED: "bounced_at",
}
KEEP_FIRST_STAMP = {MessageStatus.DELIVERED, MessageStatus.BOUNCED}


class MessageStateConflict(ValidationError):
    """The message's status does not allow this change (API: 409)."""


def message_transition_allowed(*, current: str, to: str) -> bool:
    """Whether the table allows ``current`` → ``to``: tracking asks first, a late event is ignored."""
    return to in MESSAGE_TRANSITIONS.get(current, ())


def message_transition(
    *,
    message: OutboxMessage,
    to: str,
    at: datetime,
    as_of: datetime | None = None,
    update_fields: Iterable[str] = (),
) -> None:
    """Move a locked message to ``to``: refused with ``MessageStateConflict`` unless the table
    allows it; else the status, its timestamp (``at``), ``updated_at`` (``as_of``, default ``at``)
    and the ``update_fields`` the caller changed alongside are saved in one UPDATE. The caller
    writes its own ``MessageEvent`` (each carries its own description and data)."""
    transition_check(
        MESSAGE_TRANSITIONS,
        current=message.status,
        to=to,
        labels=dict(MessageStatus.choices),
        conflict=MessageStateConflict,
    )
    fields = {"status", "updated_at", *update_fields}
    message.status = to
    stamp = STAMP_OF.get(to)
    if stamp:
        if not (to in KEEP_FIRST_STAMP and getattr(message, stamp)):
            setattr(message, stamp, at)
        fields.add(stamp)
    message.updated_at = as_of or at
    message.save(update_fields=sorted(fields))

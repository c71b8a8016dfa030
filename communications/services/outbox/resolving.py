"""A person resolves a message: mark as sent, cancel, send again."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.followups import followups_close_about
from core.privacy import processing_restrictions

from ...models import MessageEvent, MessageStatus, OutboxMessage
from ...registry import purpose_of
from ..transitions import message_transition
from .gates import send_gate_for
from .queueing import (
    RESENDABLE,
    STUCK_AFTER,
    STUCK_TASK_KIND,
    _by,
    _clean_addresses,
    _event,
    _invalid_addresses,
    _message_create,
    _no_recipient,
    message_recipients,
)


# --- A person resolves ------------------------------------------------------------------------
def _lock(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.select_for_update().get(pk=message.pk)


def _is_stuck(message: OutboxMessage, *, as_of: datetime) -> bool:
    if message.status != MessageStatus.SENDING:
        return False
    return message.sending_at <= as_of - STUCK_AFTER or message.events.filter(kind=MessageEvent.Kind.STUCK).exists()


def _close_stuck_task(message: OutboxMessage, *, as_of: datetime, by, resolution: str) -> None:
    followups_close_about(kind=STUCK_TASK_KIND, about=message, as_of=as_of, by=by, resolution=resolution)


def message_mark_sent(*, message: OutboxMessage, as_of: datetime, by, note: str) -> OutboxMessage:
    """A person found a stuck message in the provider's log: record it as sent, with their note.

    ``sent_at`` is when it was handed over (``sending_at``): that is when it left, not when it was
    checked. Only for rows stuck in ``sending``; the open "check" task is closed.
    """
    note = (note or "").strip()
    with transaction.atomic():
        message = _lock(message)
        if not _is_stuck(message, as_of=as_of):
            raise ValidationError(
                {
                    "status": _(
                        "Only a message whose hand-off stopped (sending for more than %(minutes)s minutes) "
                        "can be marked as sent; this one is %(status)s."
                    )
                    % {"minutes": int(STUCK_AFTER.total_seconds() // 60), "status": message.get_status_display()}
                }
            )
        if not note:
            raise ValidationError({"note": _("Say what the provider's log shows.")})
        # It left when it was handed over, not when a person checked.
        message_transition(message=message, to=MessageStatus.SENT, at=message.sending_at, as_of=as_of)
        _event(message, MessageEvent.Kind.SENT, at=as_of, description=note, data={**_by(by), "manual": True})
        _close_stuck_task(message, as_of=as_of, by=by, resolution=note)
    return message


def message_cancel(*, message: OutboxMessage, as_of: datetime, by, reason: str) -> OutboxMessage:
    """Stop a queued message, or close a stuck one a person found was not sent (then resend it)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        message = _lock(message)
        if message.status != MessageStatus.QUEUED and not _is_stuck(message, as_of=as_of):
            raise ValidationError(
                {
                    "status": _(
                        "Only a queued message or one whose hand-off stopped can be cancelled; this one is %(status)s."
                    )
                    % {"status": message.get_status_display()}
                }
            )
        if not reason:
            raise ValidationError({"reason": _("Give a reason.")})
        was_queued = message.status == MessageStatus.QUEUED
        message_transition(message=message, to=MessageStatus.CANCELLED, at=as_of)
        _event(message, MessageEvent.Kind.CANCELLED, at=as_of, description=reason, data=_by(by))
        _close_stuck_task(message, as_of=as_of, by=by, resolution=reason)
    gate = send_gate_for(message.template) if was_queued else None
    if gate is not None and gate.cancelled is not None:
        with transaction.atomic():
            gate.cancelled(message=message, reason=reason, as_of=as_of)
    return message


def message_resend(*, message: OutboxMessage, as_of: datetime, by, to: list[dict] | None = None) -> OutboxMessage:
    """ "Send again": a new queued row with the same content and attachments, ``resend_of`` the original.

    The original stays as it was (it is the record of what happened then). Recipients are the
    ones given, else the customer's current valid ones for this kind of mail — after a bounce and
    a corrected address the new one gets it. Allowed for sent, delivered, bounced, failed and
    cancelled messages and for stuck ones; a queued message is still going to be sent.
    """
    from core.services import job_enqueue

    original = OutboxMessage.objects.select_related("customer").get(pk=message.pk)
    if original.status not in RESENDABLE | {MessageStatus.CANCELLED} and not _is_stuck(original, as_of=as_of):
        raise ValidationError(
            {"status": _("A %(status)s message cannot be sent again yet.") % {"status": original.get_status_display()}}
        )
    customer = original.customer
    if to is not None:
        recipients = to
    elif customer is None:
        recipients = original.to  # a staff message goes to the same people again
    else:
        recipients = message_recipients(customer=customer, purpose=purpose_of(original.template).name)
    invalid = _invalid_addresses(customer)
    restrictions = processing_restrictions(customer.pk if customer is not None else None)
    errors: dict[str, list[str]] = {}
    recipients = _clean_addresses("to", recipients, invalid=invalid, restrictions=restrictions, errors=errors)
    if not recipients and "to" not in errors:
        errors["to"] = [_no_recipient(customer, restrictions)]
    if errors:
        raise ValidationError(errors)
    attachments = [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "file": a.file.name,
            "sha256": a.sha256,
            "size": a.size,
        }
        for a in original.attachments.all()
    ]
    who = by.get_username() if by is not None else ""
    return _message_create(
        customer=customer,
        subjects=list(original.subjects.values_list("content_type", "object_id")),
        template=original.template,
        language=original.language,
        subject=original.subject,
        body_text=original.body_text,
        body_html=original.body_html,
        to=recipients,
        cc=[
            r
            for r in original.cc
            if r["email"].lower() not in invalid
            and not restrictions.reason_for(contact_id=r["contact_id"], address=r["email"])
        ],
        cause=(_("sent again (#%(id)s) by %(user)s") % {"id": original.pk, "user": who or "-"})[:200],
        as_of=as_of,
        by=by,
        attachments=attachments,
        resend_of=original,
        job_enqueue=job_enqueue,
    )

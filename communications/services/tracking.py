"""Delivery tracking: what the e-mail provider tells us happened to a message we sent.

Providers post tracking events to anymail's webhooks (``communications/webhooks.py``: 401/403 for
wrong credentials or signatures, 400 for unreadable bodies); anymail normalises the event and
sends its ``tracking`` signal; ``communications.receivers`` hands it to :func:`message_track`. This module knows
nothing of HTTP.

The outbox status only moves forward, in this order::

    sending → sent → delivered → bounced

``bounced`` ranks above ``delivered`` because a receiving server may accept a message and bounce
it later (an asynchronous bounce): the mailbox never got it. A "delivered" that arrives after a
bounce (providers do not post in order) is recorded as an event and changes nothing.
``queued``, ``failed`` and ``cancelled`` rows are never moved by a provider event (they were not
accepted by the provider, so an event for them is recorded and looked at by a person).

What a delivery or a bounce means beyond the message is decided by the apps that registered a
reaction (``communications.registry``): invoicing records the first delivery of an invoice as its
date of receipt (§ 130 BGB, invoicing/messaging.py); tasks opens the follow-up task of a bounce.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.followups import followup_kind_register, followup_open

from ..models import Contact, MessageEvent, MessageRecipient, MessageStatus, OutboxMessage
from ..registry import react
from ..selectors import subjects_of
from .transitions import message_transition, message_transition_allowed

logger = logging.getLogger(__name__)

BOUNCE_TASK_KIND = followup_kind_register("email_bounced", gettext_lazy("e-mail bounced"))
TRACKING_RULE = "e-mail delivery tracking"

# anymail's normalised event types (anymail.signals.EventType) → our event kinds.
EVENT_KINDS = {
    "queued": MessageEvent.Kind.SENT,
    "sent": MessageEvent.Kind.SENT,
    "deferred": MessageEvent.Kind.DEFERRED,
    "delivered": MessageEvent.Kind.DELIVERED,
    "bounced": MessageEvent.Kind.BOUNCED,
    "rejected": MessageEvent.Kind.REJECTED,
    "complained": MessageEvent.Kind.COMPLAINED,
    "opened": MessageEvent.Kind.OPENED,
    "clicked": MessageEvent.Kind.CLICKED,
    "failed": MessageEvent.Kind.FAILED,
}
# Reject reasons (anymail.signals.RejectReason) that say the address itself is bad. "blocked" and
# "other" are policy refusals (DMARC, content, our account): the address may be fine.
BAD_ADDRESS_REJECT_REASONS = {"invalid", "bounced", "timed_out", "spam", "unsubscribed"}
RAW_LIMIT = 16_000  # characters of the provider's payload kept with an event (bounce dumps can be huge)


def _provider_key(provider: str) -> str:
    return provider.lower().replace(" ", "").replace("_", "")


def bounce_is_hard(*, provider: str, raw) -> bool:
    """A bounce that says the address does not exist (RFC 3463 class 5 status), not a full mailbox.

    anymail reports temporary failures as ``deferred`` for most providers but leaves some soft
    bounces as ``bounced``; the provider's own field decides for those.
    """
    raw = raw if isinstance(raw, dict) else {}
    key = _provider_key(provider)
    if key == "postmark":
        return raw.get("Type") == "HardBounce"
    if key == "amazonses":
        return (raw.get("bounce") or {}).get("bounceType") == "Permanent"
    if key in ("brevo", "sendinblue"):
        return raw.get("event") in ("hard_bounce", "invalid_email")
    if key == "mailgun":
        severity = (raw.get("event-data") or {}).get("severity")
        return severity in (None, "permanent")
    return True


def _jsonable(raw) -> dict:
    """The provider's payload as JSON (a Mailgun legacy form post is a QueryDict), bounded in size."""
    if hasattr(raw, "lists"):
        raw = {key: values[0] if len(values) == 1 else values for key, values in raw.lists()}
    if not isinstance(raw, dict):
        return {}
    text = json.dumps(raw, default=str)
    if len(text) > RAW_LIMIT:
        return {"truncated": True, "keys": sorted(str(key) for key in raw)[:100]}
    return json.loads(text)


def _bare(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def _outbox_row(*, provider: str, message_id: str, metadata: dict) -> OutboxMessage | None:
    """The row an event is about, locked: by our metadata, else by the provider's message id.

    A metadata id that points at a row with another provider message id is refused: a second
    installation (staging) sending through the same provider account would otherwise move our
    row 42 with its own message 42.
    """
    bare = _bare(message_id or "")
    raw_id = (metadata or {}).get("outbox_id")
    try:
        outbox_id = int(str(raw_id)) if raw_id not in (None, "") else None
    except ValueError:
        outbox_id = None
    rows = OutboxMessage.objects.select_for_update()
    if outbox_id is not None:
        row = rows.filter(pk=outbox_id).first()
        if row is not None:
            if row.provider_message_id and bare and _bare(row.provider_message_id) != bare:
                logger.warning(
                    "%s event names outbox %s but message %s (ours: %s): ignored",
                    provider,
                    outbox_id,
                    message_id,
                    row.provider_message_id,
                )
                return None
            return row
    if not bare:
        return None
    candidates = {bare, f"<{bare}>"}
    return (
        rows.filter(provider_message_id__in=candidates).order_by("pk").first()
        or rows.filter(message_id__in=candidates).order_by("pk").first()
    )


def _event_id(*, provider: str, event_type: str, message_id: str, recipient: str, timestamp, event_id: str) -> str:
    """The provider's event id, or one derived from the event itself.

    Postmark sends ids only with bounces; a delivery posted twice must still record once, so
    the fallback is a hash of what identifies the event (provider, type, message, recipient, time).
    """
    if event_id:
        return str(event_id)[:255]
    stamp = timestamp.isoformat() if timestamp else ""
    key = f"{_provider_key(provider)}|{event_type}|{_bare(message_id or '')}|{(recipient or '').lower()}|{stamp}"
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _kind_of(*, provider: str, event_type: str, raw) -> str:
    if event_type == "bounced" and not bounce_is_hard(provider=provider, raw=raw):
        return MessageEvent.Kind.DEFERRED  # a soft bounce: the provider tries again
    return EVENT_KINDS.get(event_type, MessageEvent.Kind.UNKNOWN)


def _address_is_bad(*, kind: str, reject_reason: str | None) -> bool:
    if kind in (MessageEvent.Kind.BOUNCED, MessageEvent.Kind.COMPLAINED):
        return True
    return kind == MessageEvent.Kind.REJECTED and reject_reason in BAD_ADDRESS_REJECT_REASONS


def _move(message: OutboxMessage, *, to: str, at: datetime, as_of: datetime) -> bool:
    """Move forward if MESSAGE_TRANSITIONS allows it; a backward or repeated event is a no-op
    (providers send events late and more than once), so "allowed?" is asked instead of refused."""
    if not message_transition_allowed(current=message.status, to=to):
        return False
    message_transition(message=message, to=to, at=at, as_of=as_of)
    return True


def _addressed(message: OutboxMessage, recipient: str) -> bool:
    """Whether an event concerns the customer's copy: delivery or bounce of the BCC archive does not."""
    return _is_addressed([*message.to, *message.cc], recipient)


def _is_addressed(entries: list[dict], recipient: str) -> bool:
    addressed = {entry["email"].lower() for entry in entries if entry.get("email")}
    return not recipient or not addressed or recipient.lower() in addressed


def _invalidate_contacts(*, message: OutboxMessage, recipient: str, reason: str, at: datetime) -> list[Contact]:
    """Mark the customer's contacts with this address undeliverable (first time and reason kept)."""
    same_address = Contact.objects.filter(customer_id=message.customer_id, email__iexact=recipient)
    contacts = list(same_address.select_for_update().order_by("pk"))
    for contact in contacts:
        if contact.email_invalid_since is None:
            contact.email_invalid_since = at
            contact.email_invalid_reason = reason[:255]
            contact._change_reason = reason[:100]
            contact.save(update_fields=["email_invalid_since", "email_invalid_reason"])
    return contacts


def _open_bounce_task(
    *, message: OutboxMessage, contacts: list[Contact], recipient: str, kind: str, reason: str, as_of: datetime
) -> None:
    if kind == MessageEvent.Kind.COMPLAINED:
        title = _("%(email)s marked our e-mail as spam: check the address") % {"email": recipient}
    elif contacts or kind == MessageEvent.Kind.BOUNCED:
        title = _("E-mail to %(email)s bounced: correct the address") % {"email": recipient}
    else:
        title = _("Provider refused the e-mail to %(email)s: check the provider") % {"email": recipient}
    description = _(
        'The message "%(subject)s" could not be delivered to %(email)s (%(reason)s). '
        "The address receives no more e-mail until it is corrected; then send the message again."
    ) % {"subject": message.subject, "email": recipient, "reason": reason}
    followup_open(
        kind=BOUNCE_TASK_KIND,
        title=title,
        description=description,
        # One task per contact, however many messages bounced to the address.
        about=contacts[0] if contacts else message,
        customer=message.customer,
        assignee=message.customer.account_owner if message.customer else None,
        rule=TRACKING_RULE,
        as_of=as_of,
    )


def message_track(
    *,
    provider: str,
    event_type: str,
    message_id: str,
    metadata: dict,
    timestamp: datetime | None,
    event_id: str,
    recipient: str,
    description: str,
    mta_response: str,
    raw,
    as_of: datetime,
    reject_reason: str | None = None,
) -> MessageEvent | None:
    """Record one provider tracking event on its outbox row and move the row forward.

    Returns the event (the one recorded earlier when the provider posts the same event again),
    or ``None`` when the message is not ours; the caller still answers 200, so the provider does
    not retry an event we will never know. A hard bounce, a spam complaint or a rejection for a
    bad address marks the customer's contacts with that address undeliverable and opens a
    follow-up task to correct it.
    """
    at = timestamp or as_of
    recipient = (recipient or "").strip()
    with transaction.atomic():
        message = _outbox_row(provider=provider, message_id=message_id or "", metadata=metadata or {})
        if message is None:
            logger.info("%s %s event for unknown message %r ignored", provider, event_type, message_id)
            return None
        kind = _kind_of(provider=provider, event_type=event_type, raw=raw)
        provider_event_id = _event_id(
            provider=provider,
            event_type=event_type,
            message_id=message_id,
            recipient=recipient,
            timestamp=timestamp,
            event_id=event_id,
        )
        text = " — ".join(part for part in (description, mta_response) if part)
        event = MessageEvent(
            message=message,
            kind=kind,
            at=at,
            provider_event_id=provider_event_id,
            description=text,
            data={
                "provider": provider,
                "event_type": event_type,
                "recipient": recipient,
                "reject_reason": reject_reason or "",
                "received_at": as_of.isoformat(),
                "raw": _jsonable(raw),
            },
        )
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            # The provider posted this event before (a webhook retry): it was applied then.
            return MessageEvent.objects.get(message=message, kind=kind, provider_event_id=provider_event_id)

        if kind == MessageEvent.Kind.DELIVERED and _addressed(message, recipient):
            first_delivery = message.delivered_at is None
            moved = _move(message, to=MessageStatus.DELIVERED, at=at, as_of=as_of)
            if moved and first_delivery:
                react(
                    "delivered",
                    message=message,
                    subjects=subjects_of(message),
                    at=at,
                    recipient=recipient,
                    provider=provider,
                    as_of=as_of,
                )
        elif kind in (MessageEvent.Kind.BOUNCED, MessageEvent.Kind.REJECTED) and _addressed(message, recipient):
            _move(message, to=MessageStatus.BOUNCED, at=at, as_of=as_of)
        elif kind == MessageEvent.Kind.OPENED and message.opened_at is None:
            message.opened_at = at
            message.updated_at = as_of
            message.save(update_fields=["opened_at", "updated_at"])

        if kind in (MessageEvent.Kind.BOUNCED, MessageEvent.Kind.REJECTED, MessageEvent.Kind.COMPLAINED):
            reason = text or event.get_kind_display()
            contacts = []
            if recipient and _address_is_bad(kind=kind, reject_reason=reject_reason):
                contacts = _invalidate_contacts(
                    message=message, recipient=recipient, reason=f"{provider}: {reason}", at=at
                )
            _open_bounce_task(
                message=message, contacts=contacts, recipient=recipient, kind=kind, reason=reason, as_of=as_of
            )
            react(
                "bounced",
                message=message,
                subjects=subjects_of(message),
                contacts=contacts,
                recipient=recipient,
                kind=kind,
                reason=reason,
                as_of=as_of,
            )
    return event


def first_delivered_at(messages: QuerySet[OutboxMessage]) -> datetime | None:
    """The first delivery of any of these messages to an addressed recipient whose copy did not bounce.

    A delivery report for a recipient whose copy bounced afterwards (an asynchronous bounce) does
    not count: that mailbox never got it; nor does our BCC archive's copy. ``None``: no delivery
    is known. (Invoicing reads an invoice's date of receipt with it, § 286 (3) BGB.)
    """
    # Addressed as in ``_addressed``: no recipient named, no To/Cc at all, or one of them (any case).
    to_and_cc = MessageRecipient.objects.filter(
        message=OuterRef("message_id"), kind__in=[MessageRecipient.Kind.TO, MessageRecipient.Kind.CC]
    )
    events = (
        MessageEvent.objects.filter(
            message__in=messages,
            kind__in=[MessageEvent.Kind.DELIVERED, MessageEvent.Kind.BOUNCED, MessageEvent.Kind.REJECTED],
        )
        .annotate(recipient=Coalesce(KT("data__recipient"), Value(""), output_field=TextField()))
        .annotate(
            addressed=Q(recipient="")
            | ~Exists(to_and_cc)
            | Exists(to_and_cc.filter(address__iexact=OuterRef("recipient")))
        )
        .values_list("message_id", "kind", "at", "recipient", "addressed")
    )
    deliveries, bounced = [], set()
    for message_id, kind, at, recipient, addressed in events:
        key = (message_id, (recipient or "").lower())
        if kind == MessageEvent.Kind.DELIVERED:
            if not addressed:
                continue  # our BCC archive got its copy: that is not the customer's receipt
            deliveries.append((at, key))
        else:
            bounced.add(key)
    received = [at for at, key in deliveries if key not in bounced]
    return min(received, default=None)

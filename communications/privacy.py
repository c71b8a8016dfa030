"""Personal data in messages (``core.privacy``): e-mails we sent to a contact (or to a consumer),
and e-mails we received from them. Both are business letters: kept 6 years from the end of the
year they were sent or received (§ 147 (1) no. 2, 3 AO, § 257 (1) no. 2, 3 HGB).

A message is the subject's when one of its recipients is one of the subject's contacts (or their
address), or it came from one; for a consumer every message of the customer is. Only messages of
the request's customer are looked at: nothing of another customer is exported or changed.

Notes and logged calls (``CustomerNote``) are staff's own records, neither books, vouchers nor
letters sent or received: no retention duty, their text is erased (the row, its kind, outcome and
times stay, so the timeline still says a call took place).
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import date_text
from core.privacy import (
    ERASED,
    LETTERS,
    NONE,
    DataSubject,
    ErasureContext,
    PersonalDataSource,
    PersonalRecord,
    mentions,
)
from core.privacy import privacy_source_register as register

from .models import CustomerNote, InboundMessage, MessageEvent, MessageRecipient, MessageStatus, OutboxMessage


def _recipient_is_subject(subject: DataSubject) -> Q:
    mine = Q(contact_id__in=subject.contact_ids) | Q(address_lower__in=subject.emails_lower)
    if subject.customer_itself:
        mine |= Q(kind__in=[MessageRecipient.Kind.TO, MessageRecipient.Kind.CC])
    return mine


def _subject_recipients(subject: DataSubject):
    return MessageRecipient.objects.annotate(address_lower=Lower("address")).filter(
        _recipient_is_subject(subject), message__customer_id=subject.customer_id
    )


def _outbox(subject: DataSubject):
    if subject.customer_itself:
        return OutboxMessage.objects.filter(customer_id=subject.customer_id)
    ids = _subject_recipients(subject).values("message_id")
    return OutboxMessage.objects.filter(customer_id=subject.customer_id, pk__in=ids)


def queued_messages_to(subject: DataSubject) -> list[OutboxMessage]:
    """The subject's messages still waiting in the outbox (the erasure cancels them), by id."""
    return list(_outbox(subject).filter(status=MessageStatus.QUEUED).order_by("pk"))


# --- Sent -------------------------------------------------------------------------------------------


def outbox_export(subject: DataSubject) -> list[dict]:
    messages = list(_outbox(subject).order_by("created_at", "pk").prefetch_related("events", "attachments"))
    recipients: dict[int, list[dict]] = {}
    for row in _subject_recipients(subject).filter(message__in=messages).order_by("message_id", "pk"):
        recipients.setdefault(row.message_id, []).append(
            {"role": row.kind, "name": row.name, "address": row.address, "contact_id": row.contact_id}
        )
    return [
        {
            "id": message.pk,
            "created_at": message.created_at,
            "sent_at": message.sent_at,
            "delivered_at": message.delivered_at,
            "opened_at": message.opened_at,
            "bounced_at": message.bounced_at,
            "status": message.status,
            "template": message.template,
            "from": message.from_email,
            "recipients": recipients.get(message.pk, []),
            "subject": message.subject,
            "body_text": message.body_text,
            "attachments": [a.filename for a in message.attachments.all()],
            "events": [{"kind": e.kind, "at": e.at, "description": e.description} for e in message.events.all()],
        }
        for message in messages
    ]


def outbox_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=message.pk,
            label=_("e-mail of %(date)s (#%(id)s)") % {"date": date_text(message.created_at), "id": message.pk},
            record_date=timezone.localdate(message.created_at),
            retention=LETTERS,
        )
        for message in _outbox(subject).order_by("created_at", "pk")
    ]


def outbox_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    """Subject, bodies and the subject's addresses become the marker; the row, its status, times
    and attachments stay (an attached invoice is a voucher of its own, kept by invoicing)."""
    messages = OutboxMessage.objects.filter(customer_id=subject.customer_id, pk__in=keys)
    ids = list(messages.order_by("pk").values_list("pk", flat=True))
    _subject_recipients(subject).filter(message_id__in=ids).update(name="", address=ERASED)
    MessageEvent.objects.filter(message_id__in=ids).exclude(description="").update(description=ERASED)
    MessageEvent.objects.filter(message_id__in=ids).update(data={})
    return messages.update(subject=ERASED, body_text=ERASED, body_html="", last_error="", updated_at=context.as_of)


register(
    PersonalDataSource(
        name="communications.outbox",
        label=gettext_lazy("E-mails sent"),
        holds=gettext_lazy("e-mails to the person: addresses, subject, text, delivery events"),
        export=outbox_export,
        records=outbox_records,
        erase=outbox_erase,
        order=30,
    )
)


# --- Received ----------------------------------------------------------------------------------------


def _inbound(subject: DataSubject):
    messages = InboundMessage.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return messages
    return messages.annotate(from_lower=Lower("from_email")).filter(
        Q(contact_id__in=subject.contact_ids) | Q(from_lower__in=subject.emails_lower)
    )


def inbound_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": message.pk,
            "received_at": message.received_at,
            "from": message.from_email,
            "from_name": message.from_name,
            "to": message.to,
            "subject": message.subject,
            "body_text": message.body_text,
            "attachments": [a.filename for a in message.attachments.all()],
        }
        for message in _inbound(subject).order_by("received_at", "pk").prefetch_related("attachments")
    ]


def inbound_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=message.pk,
            label=_("e-mail received on %(date)s (#%(id)s)")
            % {"date": date_text(message.received_at), "id": message.pk},
            record_date=timezone.localdate(message.received_at),
            retention=LETTERS,
        )
        for message in _inbound(subject).order_by("received_at", "pk")
    ]


def inbound_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    return InboundMessage.objects.filter(customer_id=subject.customer_id, pk__in=keys).update(
        from_email=ERASED, from_name="", to=[], subject=ERASED, body_text=ERASED, body_html="", headers={}
    )


register(
    PersonalDataSource(
        name="communications.inbound",
        label=gettext_lazy("E-mails received"),
        holds=gettext_lazy("e-mails from the person: sender, addresses, subject, text, headers"),
        export=inbound_export,
        records=inbound_records,
        erase=inbound_erase,
        order=40,
    )
)


# --- Notes and logged calls ------------------------------------------------------------------------


def _notes(subject: DataSubject):
    notes = CustomerNote.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return notes
    return notes.filter(Q(contact_id__in=subject.contact_ids) | mentions(subject, "summary"))


def notes_export(subject: DataSubject) -> list[dict]:
    return [
        {
            "id": note.pk,
            "kind": note.kind,
            "occurred_at": note.occurred_at,
            "direction": note.direction,
            "outcome": note.outcome,
            "contact_id": note.contact_id,
            "summary": note.summary,
        }
        for note in _notes(subject).order_by("occurred_at", "pk")
    ]


def notes_records(subject: DataSubject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            key=note.pk,
            label=_("%(kind)s of %(date)s (#%(id)s)")
            % {"kind": note.get_kind_display(), "date": date_text(note.occurred_at), "id": note.pk},
            record_date=None,
            retention=NONE,
        )
        for note in _notes(subject).order_by("occurred_at", "pk")
    ]


def notes_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    return CustomerNote.objects.filter(customer_id=subject.customer_id, pk__in=keys).update(summary=ERASED)


register(
    PersonalDataSource(
        name="communications.notes",
        label=gettext_lazy("Notes and logged calls"),
        holds=gettext_lazy("what staff wrote down about the person or a call with them"),
        export=notes_export,
        records=notes_records,
        erase=notes_erase,
        order=45,
    )
)

"""The event log as a personal-data source (``core.privacy``; ``core`` imports no app, so the
``privacy`` app declares it): the events about a person's contact rows, or all events of a
consumer customer, are exported; an erasure redacts the customer's events through
``core.events.event_redact`` — the one audited way to change the log — so free text and personal
keys become ``[redacted]`` while ids, amounts and statuses stay. It runs last, after the other
sources wrote their own change events."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import Actor, current_actor, event_redact
from core.models import Event
from core.privacy import NONE, DataSubject, ErasureContext, PersonalDataSource, PersonalRecord
from core.privacy import privacy_source_register as register
from customers.models import Contact


def _events(subject: DataSubject):
    events = Event.objects.filter(customer_id=subject.customer_id)
    if subject.customer_itself:
        return events
    contact_type = ContentType.objects.get_for_model(Contact)
    return events.filter(Q(content_type=contact_type, object_id__in=subject.contact_ids))


def events_export(subject: DataSubject) -> list[dict]:
    return [
        {"id": e.pk, "type": e.type, "at": e.created_at, "data": e.data, "actor": e.actor_kind}
        for e in _events(subject).order_by("created_at", "pk")
    ]


def events_records(subject: DataSubject) -> list[PersonalRecord]:
    if not Event.objects.filter(customer_id=subject.customer_id).exists():
        return []
    return [
        PersonalRecord(
            key=subject.customer_id,
            label=_("free text in the customer's events"),
            record_date=None,
            retention=NONE,
        )
    ]


def events_erase(subject: DataSubject, keys: list[int], context: ErasureContext) -> int:
    actor = Actor.for_user(context.by) if context.by is not None else current_actor()
    return event_redact(
        customer_id=subject.customer_id,
        reason=_("data-protection request #%(id)s") % {"id": context.request_id},
        actor=actor,
    )


register(
    PersonalDataSource(
        name="core.events",
        label=gettext_lazy("Event log"),
        holds=gettext_lazy("what happened and who did it; free text written by staff may name the person"),
        export=events_export,
        records=events_records,
        erase=events_erase,
        order=1000,
    )
)

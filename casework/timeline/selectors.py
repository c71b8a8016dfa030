"""A customer's timeline: everything that happened, newest first, read from the one event log.

``customer_timeline`` reads ``core.Event`` rows of one customer (index ``core_event_customer``),
filtered by category (``casework.timeline.categories``), period and actor kind, one page at a time,
and words each entry for the reader: when (in the configured time zone), what (``core.event_sentences``),
who (a person, an API key, a rule or job, a provider), a link to the object's admin page and the
details a sentence does not say. Messages carry their current delivery status.

Queries: the count, the page (with the user actors and content types joined) and, when the page
shows message events, one query for those messages' statuses — three, however long the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from communications.models import OutboxMessage
from core.event_sentences import actor_text, event_details, event_sentence
from core.formatting import datetime_text
from core.models import Event

from .categories import CATEGORIES, CATEGORY_LABELS, MESSAGES, categories_q, category_of

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
ACTOR_KINDS = tuple(Event.ActorKind.values)
# Data shown as the entry's own text rather than among the folded details.
TEXT_KEYS = ("note",)


class TimelineQueryError(ValueError):
    """A filter or page the timeline cannot read, with the parameter it names (``field``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    type: str
    category: str
    category_label: str
    at: datetime
    when: str
    sentence: str
    text: str
    actor_kind: str
    actor_name: str
    object_type: str
    object_id: int | None
    url: str
    details: list[tuple[str, str]]
    data: dict
    message_status: str = ""
    message_status_label: str = ""


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    count: int
    page: int
    page_size: int
    filters: dict = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _start_of(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_of(day: date | datetime) -> datetime:
    """Exclusive end: a day given as a date includes all of that (local) day."""
    if isinstance(day, datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def timeline_events(customer_id: int, *, kinds=None, since=None, until=None, actor=None):
    """The filtered events of a customer as a queryset (newest first, id as the tie-break)."""
    kinds = list(kinds or ())
    unknown = [kind for kind in kinds if kind not in CATEGORIES]
    if unknown:
        raise TimelineQueryError("kinds", f"Unknown categories {unknown}; use {list(CATEGORIES)}.")
    if actor and actor not in ACTOR_KINDS:
        raise TimelineQueryError("actor", f"Unknown actor kind {actor!r}; use {list(ACTOR_KINDS)}.")
    if since is not None and until is not None and _start_of(since) >= _end_of(until):
        raise TimelineQueryError("until", "The period ends before it starts.")
    events = Event.objects.filter(customer_id=customer_id)
    if kinds:
        events = events.filter(categories_q(kinds))
    if since is not None:
        events = events.filter(created_at__gte=_start_of(since))
    if until is not None:
        events = events.filter(created_at__lt=_end_of(until))
    if actor:
        events = events.filter(actor_kind=actor)
    return events.order_by("-created_at", "-id")


def customer_timeline(
    customer_id: int,
    *,
    kinds=None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    actor: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    currency: str = "",
) -> TimelinePage:
    """One page of a customer's timeline, newest first, worded in the active language.

    ``kinds``: categories to show (all when empty); ``since``/``until``: a period (dates include the
    whole local day); ``actor``: an actor kind (user, api_key, system, provider); ``page`` from 1.
    Raises :class:`TimelineQueryError` naming the parameter on a bad filter or a page past the end.
    """
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise TimelineQueryError("page_size", f"The page size must be between 1 and {MAX_PAGE_SIZE}.")
    if not isinstance(page, int) or page < 1:
        raise TimelineQueryError("page", "The page number must be at least 1.")
    events = timeline_events(customer_id, kinds=kinds, since=since, until=until, actor=actor)
    count = events.count()
    if page > 1 and (page - 1) * page_size >= count:
        raise TimelineQueryError(
            "page", f"There is no page {page}; the timeline has {max(1, ceil(count / page_size))}."
        )
    rows = list(events.select_related("actor_user", "content_type")[(page - 1) * page_size : page * page_size])
    statuses = _message_statuses(rows)
    entries = [_entry(event, statuses=statuses, currency=currency) for event in rows]
    filters = {"kinds": list(kinds or ()), "since": since, "until": until, "actor": actor or ""}
    return TimelinePage(entries=entries, count=count, page=page, page_size=page_size, filters=filters)


def _is_message(event: Event) -> bool:
    return (
        event.content_type is not None
        and event.content_type.app_label == OutboxMessage._meta.app_label
        and event.content_type.model == OutboxMessage._meta.model_name
    )


def _message_statuses(rows: list[Event]) -> dict[int, tuple[str, str]]:
    """The current status of the messages on the page: one query for all of them (none without)."""
    ids = {event.object_id for event in rows if _is_message(event)}
    if not ids:
        return {}
    labels = dict(OutboxMessage._meta.get_field("status").flatchoices)
    return {
        pk: (status, str(labels.get(status, status)))
        for pk, status in OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status")
    }


def _object_url(event: Event) -> str:
    """The admin page of the object the event happened to (no query: the content type is joined)."""
    if event.content_type is None:
        return ""
    model = event.content_type.model_class()
    if model is None or not admin.site.is_registered(model):
        return ""
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[event.object_id])
    except NoReverseMatch:
        return ""


def _entry(event: Event, *, statuses: dict, currency: str) -> TimelineEntry:
    data = event.data or {}
    try:
        sentence = event_sentence(event.type, data, currency=currency)
    except LookupError:
        sentence = event.type
    category = category_of(event.type)
    status, status_label = statuses.get(event.object_id, ("", "")) if category == MESSAGES else ("", "")
    text = next((str(data[key]) for key in TEXT_KEYS if data.get(key)), "")
    return TimelineEntry(
        id=event.pk,
        type=event.type,
        category=category,
        category_label=str(CATEGORY_LABELS[category]),
        at=event.created_at,
        when=datetime_text(event.created_at),
        sentence=sentence,
        text=text,
        actor_kind=event.actor_kind,
        actor_name=actor_text(event),
        object_type=f"{event.content_type.app_label}.{event.content_type.model}" if event.content_type else "",
        object_id=event.object_id,
        url=_object_url(event),
        details=[(key, value) for key, value in event_details(event.type, data) if key not in TEXT_KEYS],
        data=data,
        message_status=status,
        message_status_label=status_label,
    )

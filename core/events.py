"""The event log: what happened, to which object and customer, and who did it (STYLE rule 12).

- **Types** come from a registry: each app registers the types it writes
  (:func:`register_event_types`, names like ``invoice.issued``, ``payment.allocated``,
  ``customer.changed``; the webhooks will publish exactly these names). Recording an unknown
  type is a programming error (``LookupError``), as for job kinds.
- **The actor** is exactly one of a user, an API key, a named system rule or job, or a
  provider's webhook (:class:`Actor`). It comes from a context (``contextvars``): the request
  (``EventActorMiddleware``: the admin's user, or the API's user or API key, read when the
  event is written, i.e. after DRF authenticated the request inside the view), the job runner
  (``job:<kind>``), Celery tasks such as beat (``task:<name>``) and provider webhooks
  (``with actor_for_provider(provider, event_id):``). An explicit ``actor=`` overrides it.
  Outside any context (a shell, a management command, a test) the actor is
  ``system:<command>`` (``system:manage.py migrate``): never silently nobody.
- **Data** holds ids and business values (amounts as strings, dates, statuses, numbers),
  never copies of contacts' names, e-mail addresses or phone numbers: the log is kept for
  years, personal data is not. :func:`event_record` refuses keys that name personal data
  (``PERSONAL_KEYS``) and strings that are e-mail addresses; staff-written free text (a
  reason) is allowed, and is what :func:`event_redact` blanks.
- **Immutable**: a PostgreSQL trigger (core migration 0006) refuses UPDATE and DELETE, except
  an UPDATE of ``data`` made by :func:`event_redact`, the one audited way to remove personal
  values (it sets a transaction-local flag the trigger checks, and logs ``event.redacted``).
"""

from __future__ import annotations

import contextvars
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

# --- Types ------------------------------------------------------------------------------------

_TYPES: set[str] = set()
TYPE_SHAPE = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")


def register_event_types(*names: str) -> None:
    """Apps declare the event types they write (in ``AppConfig.ready``)."""
    for name in names:
        if not TYPE_SHAPE.fullmatch(name):
            raise ValueError(f"Event type {name!r} is not of the form 'noun.verb'.")
        _TYPES.add(name)


def registered_event_types() -> list[str]:
    return sorted(_TYPES)


def check_event_type(name: str) -> str:
    if name not in _TYPES:
        raise LookupError(f"Event type {name!r} is not registered (core.events.register_event_types).")
    return name


register_event_types("event.redacted")
# Decisions about background jobs (core.services): retry, cancel, the workers' ping check.
register_event_types("job.retried", "job.cancelled", "job.pinged")

# --- Actors -----------------------------------------------------------------------------------


class ActorKind:
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Actor:
    """Who did it: exactly one of user, API key, system rule/job name, provider webhook."""

    kind: str
    user: Any = None
    api_key: Any = None
    name: str = ""
    provider: str = ""
    provider_event_id: str = ""

    @classmethod
    def for_user(cls, user) -> Actor:
        if user is None or not getattr(user, "pk", None):
            raise ValueError("An event's user actor must be a saved user.")
        return cls(kind=ActorKind.USER, user=user)

    @classmethod
    def for_api_key(cls, api_key) -> Actor:
        if api_key is None or not getattr(api_key, "pk", None):
            raise ValueError("An event's API key actor must be a saved key.")
        return cls(kind=ActorKind.API_KEY, api_key=api_key)

    @classmethod
    def for_system(cls, name: str) -> Actor:
        if not name or not name.strip():
            raise ValueError("A system actor needs a name (the rule, job or command).")
        return cls(kind=ActorKind.SYSTEM, name=name.strip()[:200])

    @classmethod
    def for_provider(cls, provider: str, event_id: str = "") -> Actor:
        if not provider or not provider.strip():
            raise ValueError("A provider actor needs the provider's name.")
        return cls(kind=ActorKind.PROVIDER, provider=provider.strip()[:50], provider_event_id=(event_id or "")[:200])

    def fields(self) -> dict:
        """The Event columns that name this actor (API key name and prefix copied now: a
        revoked or renamed key is still named as it was)."""
        return {
            "actor_kind": self.kind,
            "actor_user": self.user if self.kind == ActorKind.USER else None,
            "actor_api_key": self.api_key if self.kind == ActorKind.API_KEY else None,
            "actor_api_key_prefix": self.api_key.prefix if self.kind == ActorKind.API_KEY else "",
            "actor_api_key_name": self.api_key.name[:50] if self.kind == ActorKind.API_KEY else "",
            "actor_name": self.name,
            "actor_provider": self.provider,
            "actor_provider_event_id": self.provider_event_id,
        }


class _RequestActor:
    """The actor of a request, resolved when an event is written: DRF authenticates inside
    the view (and sets ``request.user`` on the Django request), after middleware ran."""

    def __init__(self, request):
        self.request = request

    def resolve(self) -> Actor:
        from core.api.authentication import ApiKeyPrincipal  # the API layer imports models

        user = getattr(self.request, "user", None)
        if isinstance(user, ApiKeyPrincipal):
            return Actor.for_api_key(user.api_key)
        if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None):
            return Actor.for_user(user)
        # No one signed in (a webhook, a public endpoint): name the endpoint.
        match = getattr(self.request, "resolver_match", None)
        return Actor.for_system(f"http:{match.view_name if match else self.request.path}")


_current: contextvars.ContextVar[Actor | _RequestActor | None] = contextvars.ContextVar("debitor_actor", default=None)


def _command_name() -> str:
    argv = sys.argv or ["python"]
    program = os.path.basename(argv[0]) or "python"
    if program in ("manage.py", "django-admin") and len(argv) > 1:
        return f"{program} {argv[1]}"
    return program


def current_actor() -> Actor:
    """The actor of the running code; outside any context ``system:<command>``."""
    value = _current.get()
    if isinstance(value, _RequestActor):
        return value.resolve()
    if value is not None:
        return value
    return Actor.for_system(f"system:{_command_name()}")


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_for_user(user):
    return acting_as(Actor.for_user(user))


def actor_for_api_key(api_key):
    return acting_as(Actor.for_api_key(api_key))


def actor_for_system(name: str):
    return acting_as(Actor.for_system(name))


def actor_for_provider(provider: str, event_id: str = ""):
    """``with actor_for_provider("mailgun", event.event_id): message_track(...)`` in a webhook."""
    return acting_as(Actor.for_provider(provider, event_id))


class EventActorMiddleware:
    """Every HTTP request acts as its signed-in user or API key (resolved at write time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(_RequestActor(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


# Celery (beat and any task): the task's name, unless the task sets a narrower actor (the job
# runner names the job kind). Tokens by task id: prerun and postrun are separate calls.
_task_tokens: dict[str, contextvars.Token] = {}


def _on_task_prerun(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task_id is not None:
        _task_tokens[task_id] = _current.set(Actor.for_system(f"task:{getattr(task, 'name', sender)}"))


def _on_task_postrun(sender=None, task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a worker pool's thread): nothing to undo here
            pass


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_on_task_prerun, dispatch_uid="core.events.task_prerun", weak=False)
    task_postrun.connect(_on_task_postrun, dispatch_uid="core.events.task_postrun", weak=False)


# --- Data -------------------------------------------------------------------------------------

# Keys that would hold a copy of a person's contact data; event data refers to them by id.
PERSONAL_KEYS = frozenset(
    {"name", "first_name", "last_name", "email", "e_mail", "recipient", "recipients", "phone", "mobile", "address"}
)
# Staff-written free text may mention a person; these are what a redaction blanks.
FREE_TEXT_KEYS = frozenset({"reason", "description", "note", "comment"})
EMAIL = re.compile(r"[^\s@,;<>\"']+@[^\s@,;<>\"']+\.[A-Za-z]{2,}")
REDACTED = "[redacted]"


def _check_no_personal_data(value, *, path: str = "data") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in PERSONAL_KEYS:
                raise ValueError(f"Event {path} must not copy personal data ({key!r}); refer to it by id.")
            _check_no_personal_data(item, path=f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_no_personal_data(item, path=path)
    elif isinstance(value, str) and EMAIL.search(value):
        raise ValueError(f"Event {path} must not hold an e-mail address.")


def scrub_free_text(text: str) -> str:
    """Free text for event data with e-mail addresses replaced by the marker."""
    return EMAIL.sub(REDACTED, text or "")


# --- Writing ----------------------------------------------------------------------------------


def event_record(
    *,
    type: str,  # noqa: A002 - the event's type is what the webhooks call it
    obj=None,
    customer_id: int | None = None,
    data: dict | None = None,
    actor: Actor | None = None,
    at: datetime | None = None,
):
    """Write one event in the caller's transaction (so it exists exactly when the change does).

    ``obj`` is the object it happened to (any model instance, or None for a customer-wide
    event); ``customer_id`` the customer it belongs to, if any; ``at`` when it happened
    (default: now). The actor is taken from the context unless given.
    """
    event = event_build(type=type, obj=obj, customer_id=customer_id, data=data, actor=actor, at=at)
    event.save(force_insert=True)
    events_recorded([event])
    return event


def events_bulk_record(events: list) -> list:
    """Save many built events in one INSERT (:func:`event_build`) and tell the listeners."""
    from .models import Event

    saved = Event.objects.bulk_create(events)
    events_recorded(saved)
    return saved


# --- Listening ----------------------------------------------------------------------------------
#
# Work that follows from a change happens in the change's transaction (STYLE: nothing lost): an
# app above the one that wrote the event registers a listener for the event types it cares about
# (in ``AppConfig.ready``) and gets the saved events right after they are written. Apps listen by
# type name, so a lower app never imports a higher one: tasks close themselves when an invoice is
# paid, promises are kept when money arrives, webhooks are queued from the same rows.

_LISTENERS: list[tuple[tuple[str, ...], Any]] = []


def event_listener_register(types: Iterable[str], listener) -> None:
    """``listener(events)`` is called with the saved events of any of ``types`` (an exact type such
    as ``invoice.settlement_changed`` or a prefix such as ``payment.`` ending in a dot), in the
    writer's transaction. It must be cheap when it has nothing to do, and raise only when the
    change itself must fail."""
    entry = (tuple(types), listener)
    if entry not in _LISTENERS:
        _LISTENERS.append(entry)


def _matches(event_type: str, patterns: tuple[str, ...]) -> bool:
    return any(event_type == p or (p.endswith(".") and event_type.startswith(p)) for p in patterns)


def events_recorded(events: Iterable) -> None:
    """Hand freshly saved events to their listeners (each listener once, with its events in order)."""
    events = list(events)
    if not events or not _LISTENERS:
        return
    for patterns, listener in list(_LISTENERS):
        mine = [event for event in events if _matches(event.type, patterns)]
        if mine:
            listener(mine)


def event_build(
    *,
    type: str,  # noqa: A002
    obj=None,
    customer_id: int | None = None,
    data: dict | None = None,
    actor: Actor | None = None,
    at: datetime | None = None,
):
    """An unsaved, checked event (for ``bulk_create`` of many; otherwise use :func:`event_record`)."""
    import json

    from django.contrib.contenttypes.models import ContentType

    from .models import Event

    check_event_type(type)
    data = dict(data or {})
    _check_no_personal_data(data)
    # Stored as JSON: Decimal and date become strings here, not somewhere later.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    actor = actor or current_actor()
    if obj is not None and getattr(obj, "pk", None) is None:
        raise ValueError("An event's object must be saved first.")
    return Event(
        type=type,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        customer_id=customer_id,
        data=data,
        created_at=at or timezone.now(),
        **actor.fields(),
    )


def event_redact(
    *, event_ids: Iterable[int] | None = None, customer_id: int | None = None, reason: str, actor: Actor
) -> int:
    """Replace the personal values in events' data with a marker: the one change the log allows.

    For the data-protection work (Art. 17 DSGVO): free text (``FREE_TEXT_KEYS``) and anything
    under a personal key become ``[redacted]``; ids, amounts and statuses stay, so the audit
    trail still says what happened. Either ``event_ids`` or a ``customer_id`` (all its events).
    The trigger allows the UPDATE only while this function's transaction-local flag is on; the
    redaction is itself logged (``event.redacted``, with the ids and the reason). Returns the
    number of events changed.
    """
    from .models import Event

    if (event_ids is None) == (customer_id is None):
        raise ValueError("Redact either event_ids or a customer_id.")
    if not reason or not reason.strip():
        raise ValueError("A redaction needs a reason.")
    if not isinstance(actor, Actor):
        raise ValueError("A redaction names its actor explicitly.")
    with transaction.atomic():
        events = Event.objects.select_for_update().order_by("pk")
        if event_ids is not None:
            events = events.filter(pk__in=list(event_ids))
        else:
            events = events.filter(customer_id=customer_id)
        changed = []
        for event in events:
            redacted = _redacted(event.data)
            if redacted != event.data:
                event.data = redacted
                changed.append(event)
        if changed:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL debitor.event_redaction = 'on'")
            try:
                Event.objects.bulk_update(changed, ["data"])
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL debitor.event_redaction = 'off'")
        event_record(
            type="event.redacted",
            customer_id=customer_id,
            data={"events": [event.pk for event in changed], "reason": reason.strip()},
            actor=actor,
        )
    return len(changed)


def _redacted(value, *, personal: bool = False):
    if isinstance(value, dict):
        return {
            key: _redacted(item, personal=personal or str(key).lower() in PERSONAL_KEYS | FREE_TEXT_KEYS)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item, personal=personal) for item in value]
    if personal and value not in (None, ""):
        return REDACTED
    if isinstance(value, str) and EMAIL.search(value):
        return REDACTED
    return value

"""Events read as sentences: one renderer from an event (its type and data) to words.

Every registered event type (``core.events``) has a sentence, registered by the app that owns the
type next to its ``register_event_types`` (``register_event_sentences``), worded with
``gettext_noop`` so the catalogues hold it and read in the reader's language when shown. A type
may have a fuller sentence naming values from the event's data (``%(amount)s``, ``%(number)s``);
it is used when the data holds all of them, the plain one otherwise. Values are worded for the
reader: amounts with ``core.formatting.money_text``, ISO dates as ``07.12.2026``, statuses and kinds
by the label of the model choice they come from. Ids, hashes and whatever the sentence does not say
stay available as ``event_details`` for a folded "details" toggle.

``tests/test_event_sentences.py`` walks the registry and fails on a type without a sentence, in
German and in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

from core.formatting import date_text, datetime_text, money_text

# Data keys that hold amounts (worded as money in the event's currency).
AMOUNT_KEYS = frozenset(
    {"amount", "discount", "open", "open_amount", "gross", "total", "applied", "exposure", "rest", "fee", "credit"}
)
# Data keys whose values are codes of a model choice (worded by its label).
CODE_KEYS = frozenset(
    {
        "from_state",
        "to_state",
        "status",
        "outcome",
        "trigger",
        "channel",
        "source",
        "rule",
        "kind",
        "state",
        "reason_code",
    }
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class EventSentence:
    plain: str  # English msgid, marked with gettext_noop
    # English msgids with %(key)s placeholders from the data, tried in order; the first whose
    # values the data holds is used.
    detailed: tuple[str, ...] = ()

    def __post_init__(self):
        if isinstance(self.detailed, str):
            object.__setattr__(self, "detailed", (self.detailed,))


_SENTENCES: dict[str, EventSentence] = {}


def register_event_sentences(sentences: dict[str, EventSentence | str]) -> None:
    """Apps word the event types they register (in their ``events.py``)."""
    for event_type, sentence in sentences.items():
        _SENTENCES[event_type] = sentence if isinstance(sentence, EventSentence) else EventSentence(sentence)


def event_sentence_for(event_type: str) -> EventSentence | None:
    return _SENTENCES.get(event_type)


@lru_cache(maxsize=1)
def choice_labels() -> dict[str, object]:
    """Code → label over every installed model's choices (the first model that names a code wins;
    statuses share their words across apps)."""
    from django.apps import apps

    labels: dict[str, object] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value and value not in labels:
                    labels[value] = label
    return labels


def code_label(value: str) -> str:
    """A status or kind code in words (its model choice label); the code itself if none has it."""
    label = choice_labels().get(value)
    return str(label) if label is not None else value


def _worded(key: str, value, currency: str) -> str:
    if value is None or value == "":
        return ""
    if key in AMOUNT_KEYS and isinstance(value, str | int | Decimal):
        try:
            return money_text(Decimal(str(value)), currency)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and ISO_DAY.fullmatch(value):
        return date_text(date.fromisoformat(value))
    if key in CODE_KEYS and isinstance(value, str):
        return code_label(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def event_sentence(event_type: str, data: dict | None, *, currency: str = "") -> str:
    """What happened, in the reader's language: ``Zahlung 1.107,89 € der Rechnung RE-2026-000004
    zugeordnet``."""
    data = data or {}
    sentence = _SENTENCES.get(event_type)
    if sentence is None:
        raise LookupError(f"Event type {event_type!r} has no sentence (core.event_sentences.register_event_sentences).")
    currency = currency or data.get("currency") or "EUR"
    for detailed in sentence.detailed:
        worded = {key: _worded(key, data.get(key), currency) for key in PLACEHOLDER.findall(detailed)}
        if all(worded.values()):
            return gettext(detailed) % worded
    return gettext(sentence.plain)


def event_details(event_type: str, data: dict | None) -> list[tuple[str, str]]:
    """The data the sentence does not say (ids, hashes, provider references), as (key, value) pairs
    for a folded details toggle."""
    sentence = _SENTENCES.get(event_type)
    said = {key for detailed in (sentence.detailed if sentence else ()) for key in PLACEHOLDER.findall(detailed)}
    return [
        (key, str(value)) for key, value in sorted((data or {}).items()) if key not in said and value not in ("", None)
    ]


SYSTEM_PREFIXES = {
    "job": pgettext_lazy("event actor", "background job %(name)s"),
    "task": pgettext_lazy("event actor", "schedule %(name)s"),
    "system": pgettext_lazy("event actor", "system (%(name)s)"),
    "http": pgettext_lazy("event actor", "web endpoint %(name)s"),
    "rule": pgettext_lazy("event actor", "rule %(name)s"),
}


def actor_text(event) -> str:
    """Who did it, in words: a user's name, an API key's name, a rule or job, a provider."""
    kind = getattr(event, "actor_kind", "")
    if kind == "user" and getattr(event, "actor_user_id", None):
        user = event.actor_user
        return user.get_full_name() or user.get_username()
    if kind == "api_key":
        return pgettext("event actor", "API key %(name)s (%(prefix)s)") % {
            "name": event.actor_api_key_name,
            "prefix": event.actor_api_key_prefix,
        }
    if kind == "provider":
        return pgettext("event actor", "provider %(provider)s") % {"provider": event.actor_provider}
    return system_actor_text(getattr(event, "actor_name", "") or "")


def system_actor_text(name: str) -> str:
    prefix, _sep, rest = name.partition(":")
    if rest and prefix in SYSTEM_PREFIXES:
        return str(SYSTEM_PREFIXES[prefix]) % {"name": rest}
    return name or pgettext("event actor", "system")


def event_title(event) -> str:
    """An event as a title: its sentence and when it happened (``core.Event.__str__``)."""
    try:
        sentence = event_sentence(event.type, event.data)
    except LookupError:
        sentence = event.type
    return f"{sentence}, {datetime_text(event.created_at)}"


def typed_event_sentence(instance, *, currency: str = "") -> str:
    """A typed event row (``InvoiceEvent``, ``PaymentEvent`` …) worded as its ``core.Event`` is."""
    from core.typed_events import _SOURCES, typed_event_data, typed_event_type

    return event_sentence(
        typed_event_type(instance), typed_event_data(instance, _SOURCES[type(instance)]), currency=currency
    )


def event_by_text(instance) -> str:
    """Who did what a typed event row records: its user, else the system."""
    user = getattr(instance, "by", None)
    if user is not None:
        return user.get_full_name() or user.get_username()
    return pgettext("event actor", "system")


def typed_event_details(instance) -> list[tuple[str, str]]:
    from core.typed_events import _SOURCES, typed_event_data, typed_event_type

    return event_details(typed_event_type(instance), typed_event_data(instance, _SOURCES[type(instance)]))


# core's own event types (core.events).
register_event_sentences(
    {
        "event.redacted": gettext_noop("Personal data removed from the log"),
        "job.retried": gettext_noop("Background job started again"),
        "job.cancelled": gettext_noop("Background job cancelled"),
        "job.pinged": gettext_noop("Background workers checked"),
    }
)

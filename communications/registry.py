"""What other apps register with the outbox: message purposes and reactions (like job kinds in ``core.jobs``).

``communications`` knows no domain app beyond ``customers``. An app that sends mail registers its
**purposes** (which contacts receive the mail: a boolean field of ``customers.Contact``, and which
templates serve the purpose) in its ``messaging.py``, imported by its ``AppConfig.ready``. An app
that must act when something happens to a message registers a **reaction**:

- ``sent``: the provider accepted the message (``message``, ``subjects``, ``as_of``);
- ``delivered``: first delivery to an addressed recipient (``message``, ``subjects``, ``at``,
  ``recipient``, ``provider``, ``as_of``);
- ``bounced``: a hard bounce, complaint or refusal of an address (``message``, ``subjects``,
  ``contacts``, ``recipient``, ``kind``, ``reason``, ``as_of``);
- ``reply``: a received e-mail was stored (``inbound``, ``subjects``, ``as_of``).

When the outbox needs a person (a failed or stuck hand-off, a bounce, a reply) it opens a
follow-up task through ``core.followups``, the one port every app uses for that.

Reactions run in the transaction of the change, in registration order; an exception rolls the
change back (a webhook answers 500 and the provider retries), as it did when the outbox called
these services directly. ``subjects`` are the rows the message is about (its ``subjects`` links,
loaded): a reaction picks the ones of its own models.

An app whose rows messages are about may register a **subject kind** (``subject_kind_register``):
a short name (``invoice``) under which the API shows and filters the link, and how a subject
is labelled in texts (an invoice by its number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

EVENTS = ("sent", "delivered", "bounced", "reply")


@dataclass(frozen=True)
class Purpose:
    """Why we write: decides who receives a message (contacts with ``contact_flag`` set)."""

    name: str
    contact_flag: str
    templates: tuple[str, ...] = ()
    default: bool = False  # the purpose of a template no purpose names


@dataclass(frozen=True)
class SubjectKind:
    """A model messages can be about, under a short name the API uses (``?invoice=5``)."""

    name: str
    model: type[models.Model]
    label: Callable[[models.Model], str] = str


_PURPOSES: dict[str, Purpose] = {}
_SUBJECT_KINDS: dict[str, SubjectKind] = {}
_REACTIONS: dict[str, list[Callable[..., None]]] = {event: [] for event in EVENTS}


def purpose_register(*purposes: Purpose) -> None:
    for purpose in purposes:
        if purpose.name in _PURPOSES and _PURPOSES[purpose.name] != purpose:
            raise RuntimeError(f"Message purpose {purpose.name!r} is registered twice.")
        _PURPOSES[purpose.name] = purpose


def purpose_named(name: str) -> Purpose:
    try:
        return _PURPOSES[name]
    except KeyError:
        raise ValueError(f"Unknown purpose {name!r}; use one of {sorted(_PURPOSES)}.") from None


def purpose_of(template: str) -> Purpose:
    """The purpose that names the template, else the default purpose."""
    for purpose in _PURPOSES.values():
        if template in purpose.templates:
            return purpose
    for purpose in _PURPOSES.values():
        if purpose.default:
            return purpose
    raise LookupError(f"No purpose names template {template!r} and none is the default.")


def subject_kind_register(kind: SubjectKind) -> None:
    if kind.name in _SUBJECT_KINDS and _SUBJECT_KINDS[kind.name] != kind:
        raise RuntimeError(f"Subject kind {kind.name!r} is registered twice.")
    _SUBJECT_KINDS[kind.name] = kind


def subject_kinds() -> list[SubjectKind]:
    return list(_SUBJECT_KINDS.values())


def subject_kind_of(model: type[models.Model]) -> SubjectKind | None:
    for kind in _SUBJECT_KINDS.values():
        if kind.model is model:
            return kind
    return None


def subject_label(obj: models.Model) -> str:
    kind = subject_kind_of(type(obj))
    return kind.label(obj) if kind is not None else str(obj)


def reaction(event: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorator: run ``func(**facts)`` whenever ``event`` happens to a message."""
    if event not in EVENTS:
        raise ValueError(f"Unknown message event {event!r}; use one of {list(EVENTS)}.")

    def register(func: Callable[..., None]) -> Callable[..., None]:
        if func not in _REACTIONS[event]:
            _REACTIONS[event].append(func)
        return func

    return register


def react(event: str, **facts) -> None:
    for func in _REACTIONS[event]:
        func(**facts)

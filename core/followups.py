"""Follow-up tasks: the one port through which any app asks a person for attention.

A job the system gave up on, a customer whose data failed verification, a bounced or stuck
e-mail, an invalid e-invoice, a bank line nobody could match: each must put work in front of a
person, yet ``tasks`` sits beside the apps that find the causes, not below them (README,
*Architecture*: apps depend one way). So every app calls ``followup_open`` /
``followups_close_about`` here, and ``tasks`` registers its services in ``TasksConfig.ready``
(as apps register job kinds); no app imports ``tasks`` to open or close a task. Both run in the
caller's transaction, like the services behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import models

# The priority names of tasks.FollowUpTask.Priority; the port speaks names, tasks maps them.
PRIORITIES = ("low", "normal", "high", "urgent")

_backend: dict[str, Callable[..., object]] = {}


def followups_register(*, open_for_cause: Callable[..., object], close_about: Callable[..., int]) -> None:
    """Called once by the app that stores follow-up tasks."""
    if _backend and (_backend["open"], _backend["close"]) != (open_for_cause, close_about):
        raise RuntimeError("A follow-up task backend is registered already.")
    _backend.update(open=open_for_cause, close=close_about)


def _call(name: str, **kwargs):
    try:
        implementation = _backend[name]
    except KeyError:
        raise ImproperlyConfigured("No follow-up task backend is registered; is the tasks app installed?") from None
    return implementation(**kwargs)


def followup_open(
    *,
    kind: str,
    title: str,
    rule: str,
    as_of: datetime,
    about: models.Model | None = None,
    description: str = "",
    priority: str = "normal",
    customer: models.Model | None = None,
    assignee: models.Model | None = None,
    due_date: date | None = None,
):
    """Open a task for a cause found by a named rule, unless one of that kind is open about
    ``about`` already. ``customer`` defaults to ``about`` itself or the customer it belongs to;
    ``assignee`` is a staff user. Returns the backend's ``(task, created)``; the backend applies
    the kind's rule (tasks: due date, priority, assignee) and returns ``(None, False)`` when a
    finance manager switched the kind's rule off, so callers must not rely on a task."""
    if priority not in PRIORITIES:
        raise ValueError(f"Unknown follow-up priority {priority!r}; one of {', '.join(PRIORITIES)}.")
    return _call(
        "open",
        kind=kind,
        title=title,
        rule=rule,
        as_of=as_of,
        about=about,
        description=description,
        priority=priority,
        customer=customer,
        assignee=assignee,
        due_date=due_date,
    )


def followups_close_about(
    *, kind: str, about: models.Model, as_of: datetime, resolution: str | Callable[[], str], by=None
) -> int:
    """The cause is gone: close the open tasks of ``kind`` about ``about`` as done, by ``by``
    (a user, or ``None`` for the system), with the resolution (a callable is asked only when
    there is a task to close). Returns how many."""
    return _call("close", kind=kind, about=about, as_of=as_of, resolution=resolution, by=by)


# --- Kinds in words ------------------------------------------------------------------------------

_KIND_LABELS: dict[str, object] = {}


def followup_kind_register(kind: str, label) -> str:
    """Name a task kind for people (``label``: a lazy translation) where the kind is defined, so
    lists and pages show "Unzugeordneter Zahlungseingang", never ``bank_line_unmatched``."""
    _KIND_LABELS[kind] = label
    return kind


def followup_kind_label(kind: str) -> str:
    """A task kind in words; a kind nobody named (one typed by a person) as it is."""
    label = _KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def followup_kinds() -> dict[str, object]:
    return dict(_KIND_LABELS)

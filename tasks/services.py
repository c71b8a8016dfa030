"""Follow-up tasks: the one way any part of Debitor asks a person for attention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from core.events import Actor, event_record
from core.roles import Role, role_of
from core.transitions import transition_check

from .models import FollowUpTask, TaskNote


class TaskTransitionNotAllowed(ValidationError):
    """``FollowUpTask.TRANSITIONS`` forbids the change: a conflict with the task's state (API 409)."""

    def __init__(self, message: str):
        super().__init__({"status": [message]})
        self.text = message

    def __str__(self) -> str:
        return self.text


class TaskAlreadyOpen(ValidationError):
    """A task of this kind is open about the object already (API 409): work on that one."""

    def __init__(self, task: FollowUpTask):
        self.task = task
        self.text = _("Task %(id)s of this kind is open about the same object already: %(title)s") % {
            "id": task.pk,
            "title": task.title,
        }
        super().__init__({"kind": [self.text]})

    def __str__(self) -> str:
        return self.text


def _open_task_for(*, kind: str, content_type: ContentType | None, object_id: str) -> FollowUpTask | None:
    return FollowUpTask.objects.filter(
        kind=kind, content_type=content_type, object_id=object_id, status__in=FollowUpTask.OPEN_STATUSES
    ).first()


def _customer_id_of(about) -> int | None:
    """The customer a task is about: the object itself, or the customer it belongs to."""
    if about is None:
        return None
    if about._meta.label == "customers.Customer":
        return about.pk
    return getattr(about, "customer_id", None)


def _task_insert(task: FollowUpTask) -> tuple[FollowUpTask, bool]:
    """Save a new task; when a concurrent writer opened the same cause first, its task instead.
    The database constraint ``tasks_one_open_task_per_kind_and_object`` decides races."""
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        existing = _open_task_for(kind=task.kind, content_type=task.content_type, object_id=task.object_id)
        if existing is None:
            raise
        return existing, False
    return task, True


def task_open_for_cause(
    *,
    kind: str,
    title: str,
    as_of: datetime,
    about: models.Model | None = None,
    description: str = "",
    rule: str = "",
    created_by=None,
    assignee=None,
    due_date: date | None = None,
    priority: int = FollowUpTask.Priority.NORMAL,
    customer=None,
    on_existing: Callable[[FollowUpTask], object] | None = None,
) -> tuple[FollowUpTask, bool]:
    """Open a task for a cause unless one of the same kind is already open about it.

    Returns ``(task, created)``; ``on_existing(task)`` is called when the open task is returned
    instead. ``assignee`` may be a callable ``(customer_id) -> user | None``, asked only when a
    task is written (a round-robin turn is not used up by a cause that is open already). This is
    the plain write: causes reported through ``core.followups`` go through
    ``tasks.causes.open_for_cause``, which applies the kind's ``TaskRule`` first.
    """
    if bool(rule) == bool(created_by):
        raise ValueError("A task is created either by a person or by a named rule.")
    content_type = ContentType.objects.get_for_model(about) if about is not None else None
    object_id = str(about.pk) if about is not None else ""
    customer_id = _customer_id_of(about) if customer is None else customer.pk
    with transaction.atomic():
        task = _open_task_for(kind=kind, content_type=content_type, object_id=object_id)
        created = False
        if task is None:
            task, created = _task_insert(
                FollowUpTask(
                    kind=kind,
                    title=title[:255],
                    description=description,
                    content_type=content_type,
                    object_id=object_id,
                    customer_id=customer_id,
                    assignee=assignee(customer_id) if callable(assignee) else assignee,
                    due_date=due_date,
                    priority=priority,
                    created_by=created_by,
                    created_by_rule=rule,
                    created_at=as_of,
                )
            )
        if not created and on_existing is not None:
            on_existing(task)
    return task, created


def task_transition(
    *,
    task: FollowUpTask,
    to_status: str,
    as_of: datetime,
    by=None,
    resolution: str = "",
    waiting_until: date | None = None,
) -> FollowUpTask:
    """Move a task along ``FollowUpTask.TRANSITIONS`` (refused with ``TaskTransitionNotAllowed``,
    API 409); the task's history (simple-history) records the state, who and when. "Waiting" needs
    the day the task wakes up (``waiting_until``, after ``as_of``'s day)."""
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        transition_check(
            FollowUpTask.TRANSITIONS,
            current=task.status,
            to=to_status,
            labels=dict(FollowUpTask.Status.choices),
            conflict=TaskTransitionNotAllowed,
        )
        if to_status == FollowUpTask.Status.WAITING:
            if waiting_until is None:
                raise ValidationError({"waiting_until": ["A waiting task needs the day it comes back."]})
            if waiting_until <= as_of.date():
                raise ValidationError({"waiting_until": ["The day a task comes back must be after today."]})
        if to_status in FollowUpTask.OPEN_STATUSES and not task.is_open:
            if _open_task_for(kind=task.kind, content_type=task.content_type, object_id=task.object_id):
                raise ValidationError({"status": "Another open task of this kind exists for the same object."})
        task.status = to_status
        task.waiting_until = waiting_until if to_status == FollowUpTask.Status.WAITING else None
        task.closed_at = None if to_status in FollowUpTask.OPEN_STATUSES else as_of
        if resolution:
            task.resolution = resolution
        task._history_user = by
        task.save()
    return task


def tasks_close_about(
    *, kind: str, about: models.Model, as_of: datetime, by=None, resolution: str | Callable[[], str]
) -> int:
    """The cause is gone: close the open tasks of ``kind`` about ``about`` as done, with the
    resolution (a callable is asked only when there is a task to close). Returns how many were
    closed; none open costs one query. Runs in the caller's transaction."""
    tasks = list(
        FollowUpTask.objects.filter(
            kind=kind,
            content_type=ContentType.objects.get_for_model(about),
            object_id=str(about.pk),
            status__in=FollowUpTask.OPEN_STATUSES,
        ).order_by("id")
    )
    if not tasks:
        return 0
    text = resolution() if callable(resolution) else resolution
    for task in tasks:
        task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=as_of, by=by, resolution=text)
    return len(tasks)


def task_snooze(*, task: FollowUpTask, until: date, as_of: datetime, by=None, note: str = "") -> FollowUpTask:
    """Put a task aside until a day (status "waiting"); ``tasks_wake`` opens it again that day."""
    with transaction.atomic():
        task = task_transition(
            task=task, to_status=FollowUpTask.Status.WAITING, as_of=as_of, by=by, waiting_until=until
        )
        if note:
            task_note_add(task=task, text=note, as_of=as_of, by=by)
    return task


def assignee_check(assignee, *, field: str = "assignee") -> None:
    """Tasks go to active people who may work on them (accountants and finance managers)."""
    if assignee is None:
        return
    if not assignee.is_active or (role_of(assignee) or 0) < Role.ACCOUNTANT:
        raise ValidationError(
            {
                field: [
                    _("%(user)s cannot take tasks: only active accountants and finance managers can.")
                    % {"user": assignee.get_username()}
                ]
            }
        )


def task_assign(*, task: FollowUpTask, assignee, as_of: datetime, by=None) -> FollowUpTask:
    """Give an open task to a person (or to nobody: the team queue). The new assignee gets an
    e-mail at once if they asked for one (``TaskPreferences.email_on_assignment``), through the
    outbox in the same transaction."""
    from .mail import assignment_mail_send

    assignee_check(assignee)
    with transaction.atomic():
        task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
        if not task.is_open:
            raise TaskTransitionNotAllowed(_("Only an open task can be reassigned."))
        if (task.assignee_id or None) == (getattr(assignee, "pk", None)):
            return task
        task.assignee = assignee
        task._history_user = by
        task.save(update_fields=["assignee"])
        if assignee is not None:
            assignment_mail_send(task=task, as_of=as_of, by=by)
    return task


def task_create(
    *,
    kind: str,
    title: str,
    as_of: datetime,
    by,
    customer=None,
    about: models.Model | None = None,
    description: str = "",
    due_date: date | None = None,
    priority: int = FollowUpTask.Priority.NORMAL,
    assignee=None,
) -> FollowUpTask:
    """A task a person opens by hand (kinds of ``tasks.kinds.PERSONAL_KINDS`` or any registered
    kind). Refused field by field: an unknown kind, an empty title, a priority that is no level,
    an assignee who cannot take tasks, a customer that is not the one ``about`` belongs to; and
    with ``TaskAlreadyOpen`` (API 409) when a task of the kind is open about ``about`` already.
    Without ``about`` nothing limits how many tasks a person opens."""
    from core.followups import followup_kinds

    from .mail import assignment_mail_send

    errors: dict[str, list[str]] = {}
    if kind not in followup_kinds():
        errors["kind"] = [_("Unknown task kind %(kind)s.") % {"kind": kind}]
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [_("A task needs a title.")]
    if priority not in FollowUpTask.Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    about_customer_id = _customer_id_of(about)
    if customer is not None and about_customer_id is not None and about_customer_id != customer.pk:
        errors["customer"] = [_("The task's object belongs to another customer.")]
    try:
        assignee_check(assignee)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    content_type = ContentType.objects.get_for_model(about) if about is not None else None
    object_id = str(about.pk) if about is not None else ""
    with transaction.atomic():
        task = FollowUpTask(
            kind=kind,
            title=title[:255],
            description=description or "",
            content_type=content_type,
            object_id=object_id,
            customer_id=customer.pk if customer is not None else about_customer_id,
            assignee=assignee,
            due_date=due_date,
            priority=priority,
            created_by=by,
            created_at=as_of,
        )
        task._history_user = by
        if about is not None:
            task, created = _task_insert(task)
            if not created:
                raise TaskAlreadyOpen(task)
        else:
            task.save()
        if assignee is not None:
            assignment_mail_send(task=task, as_of=as_of, by=by)
    return task


def task_note_add(*, task: FollowUpTask, text: str, as_of: datetime, by=None, rule: str = "") -> TaskNote:
    """Add a line to a task's log, by a person or (``rule``) by the system."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["A note needs some text."]})
    if by is not None and rule:
        raise ValueError("A note is written either by a person or by a rule.")
    with transaction.atomic():
        note = TaskNote.objects.create(task=task, text=text, author=by, rule=rule, created_at=as_of)
        # The timeline and audit read the log; the text stays on the note (free text about people).
        event_record(
            type="task.noted",
            obj=task,
            customer_id=task.customer_id,
            data={"note_id": note.pk},
            actor=Actor.for_user(by) if by is not None else None,
            at=as_of,
        )
    return note


def tasks_wake(*, as_of: datetime) -> int:
    """Open again every waiting task whose day has come (idempotent: a woken task is no longer
    waiting). Returns how many."""
    woken = 0
    for task in FollowUpTask.objects.filter(
        status=FollowUpTask.Status.WAITING, waiting_until__lte=as_of.date()
    ).order_by("pk"):
        try:
            task_transition(task=task, to_status=FollowUpTask.Status.OPEN, as_of=as_of)
        except ValidationError:
            continue  # another open task of its kind took its place meanwhile
        woken += 1
    return woken

"""The collector's worklist: which tasks a person sees, in which order, with what beside them.

Reads only. The list is a constant number of queries however many tasks it shows (pinned in
tasks/tests/test_worklist_queries.py): the page of tasks with customer, assignee and content type
joined; the last note of each (one query for the page); the object each task is about (one query
per content type on the page). The counts beside the navigation and on the finance home are built
from :func:`tasks_to_do` and :func:`tasks_overdue`, so the numbers and the list always agree.

"To do" is open or in progress: a task put aside until a day ("waiting") leaves the list and the
counts until it comes back; the status filter still finds it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst

from core.admin_exports import word
from core.followups import followup_kind_label
from core.formatting import EMPTY, date_text
from core.history import history_actor
from core.roles import Role

from ..models import FollowUpTask, TaskNote

TO_DO = (FollowUpTask.Status.OPEN, FollowUpTask.Status.IN_PROGRESS)
PAGE_SIZE = 50

# The worklist's scopes: the user's own tasks, nobody's (the team queue), everyone's (managers).
MINE, QUEUE, TEAM = "mine", "queue", "team"
# The assignee filter of the team view: a user's id, or one of these.
ASSIGNEE_QUEUE = "queue"
# Sort orders: overdue first either way, then by due date or by priority.
SORT_DUE, SORT_PRIORITY = "due", "priority"


def tasks_to_do(*, assignee_id: int | None) -> QuerySet[FollowUpTask]:
    """Open or in-progress tasks of a person (``None``: the team queue)."""
    if assignee_id is None:
        return FollowUpTask.objects.filter(assignee__isnull=True, status__in=TO_DO)
    return FollowUpTask.objects.filter(assignee_id=assignee_id, status__in=TO_DO)


def tasks_overdue(queryset: QuerySet[FollowUpTask], *, today: date) -> QuerySet[FollowUpTask]:
    """Of ``queryset``, the tasks due before ``today`` (a task without a due date is never overdue)."""
    return queryset.filter(due_date__lt=today)


@dataclass(frozen=True)
class WorklistFilters:
    """What the reader narrowed the list to (``forms.WorklistFilterForm`` builds it)."""

    overdue: bool = False
    kind: str = ""
    customer_id: int | None = None
    status: str = ""  # one of FollowUpTask.OPEN_STATUSES; empty: to do (open or in progress)
    assignee: str = ""  # team view only: a user id or ASSIGNEE_QUEUE; empty: everyone
    sort: str = SORT_DUE


def worklist_tasks(*, scope: str, user_id: int, today: date, filters: WorklistFilters) -> QuerySet[FollowUpTask]:
    """The tasks of a worklist, filtered and sorted, overdue first; annotated with ``is_overdue``
    and ``last_note_id``. Every ordering ends on the primary key (a stable page order)."""
    tasks = FollowUpTask.objects.select_related("customer", "assignee", "content_type")
    if scope == MINE:
        tasks = tasks.filter(assignee_id=user_id)
    elif scope == QUEUE:
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee == ASSIGNEE_QUEUE:
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee:
        tasks = tasks.filter(assignee_id=int(filters.assignee))
    statuses = (filters.status,) if filters.status else TO_DO
    tasks = tasks.filter(status__in=statuses)
    if filters.overdue:
        tasks = tasks_overdue(tasks, today=today)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.customer_id is not None:
        tasks = tasks.filter(customer_id=filters.customer_id)
    last_note = TaskNote.objects.filter(task=OuterRef("pk")).order_by("-created_at", "-id").values("id")[:1]
    tasks = tasks.annotate(
        is_overdue=Case(When(due_date__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField()),
        last_note_id=Subquery(last_note),
    )
    due = F("due_date").asc(nulls_last=True)
    if filters.sort == SORT_PRIORITY:
        return tasks.order_by("-is_overdue", "-priority", due, "created_at", "id")
    return tasks.order_by("-is_overdue", due, "-priority", "created_at", "id")


@dataclass
class About:
    """The object a task is about, as a link for the reader (no link without view permission)."""

    text: str
    url: str = ""


@dataclass
class WorklistRow:
    task: FollowUpTask
    kind: str  # the task's kind in words
    about: About | None = None
    last_note: TaskNote | None = None


def _admin_url(obj, user) -> str:
    opts = obj._meta
    if obj.__class__ not in admin.site._registry or not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return ""
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def worklist_rows(tasks: list[FollowUpTask], *, user) -> list[WorklistRow]:
    """The page's tasks with their last note and the object each is about: one query for the
    notes, one per content type for the objects (never one per task)."""
    note_ids = [task.last_note_id for task in tasks if getattr(task, "last_note_id", None)]
    notes = {}
    if note_ids:
        notes = {note.pk: note for note in TaskNote.objects.filter(pk__in=note_ids).select_related("author")}
    wanted: dict[int, set[str]] = defaultdict(set)
    for task in tasks:
        if task.content_type_id is not None:
            wanted[task.content_type_id].add(task.object_id)
    found: dict[tuple[int, str], object] = {}
    types = {task.content_type_id: task.content_type for task in tasks if task.content_type_id is not None}
    for type_id, ids in sorted(wanted.items()):
        model = types[type_id].model_class()
        if model is None:
            continue  # a model that no longer exists: the task keeps its title
        pk = model._meta.pk
        keys = []
        for value in ids:
            try:
                keys.append(pk.to_python(value))
            except ValidationError:
                pass  # an id of the wrong shape finds nothing; the task keeps its title
        for obj in model._base_manager.filter(pk__in=keys):
            found[(type_id, str(obj.pk))] = obj
    rows = []
    for task in tasks:
        about = None
        obj = found.get((task.content_type_id, task.object_id))
        if obj is not None and not (task.customer_id and obj._meta.label == "customers.Customer"):
            about = About(text=f"{capfirst(obj._meta.verbose_name)}: {obj}", url=_admin_url(obj, user))
        elif task.content_type_id is not None and obj is None:
            about = About(text=f"{capfirst(task.content_type.name)} #{task.object_id}")
        rows.append(
            WorklistRow(
                task=task,
                kind=followup_kind_label(task.kind),
                about=about,
                last_note=notes.get(getattr(task, "last_note_id", None)),
            )
        )
    return rows


def assignable_users() -> list:
    """The people a task can be given to: active staff with a role that works on tasks
    (accountants and finance managers; superusers count as finance managers)."""
    roles = [Role.ACCOUNTANT.group_name, Role.FINANCE_MANAGER.group_name]
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name__in=roles) | Q(is_superuser=True))
        .distinct()
        .order_by("username", "pk")
    )


@dataclass(frozen=True)
class Load:
    """How many tasks one person (or the team queue: ``user`` None) has to do, and how many are overdue."""

    user: object
    to_do: int
    overdue: int


def team_load(*, today: date) -> list[Load]:
    """Tasks to do and overdue per assignee, the team queue first, then by name: two queries."""
    rows = (
        FollowUpTask.objects.filter(status__in=TO_DO)
        .order_by()
        .values("assignee_id")
        .annotate(to_do=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    )
    by_user = {row["assignee_id"]: row for row in rows}
    users = get_user_model().objects.filter(pk__in=[pk for pk in by_user if pk is not None]).order_by("username")
    loads = [Load(user=None, to_do=by_user[None]["to_do"], overdue=by_user[None]["overdue"])] if None in by_user else []
    loads += [Load(user=user, to_do=by_user[user.pk]["to_do"], overdue=by_user[user.pk]["overdue"]) for user in users]
    return loads


# --- One task's page: its notes and its history -----------------------------------------------

# The fields whose changes the history names, in the order a reader looks for them.
HISTORY_FIELDS = (
    "status",
    "assignee_id",
    "due_date",
    "waiting_until",
    "priority",
    "title",
    "resolution",
    "customer_id",
)


@dataclass(frozen=True)
class Change:
    field: str  # the field's name (verbose_name), for the reader
    before: str  # the values as the reader reads them
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: object  # datetime
    actor: str | None  # who: a user's name, "API key …", or None (the system: a rule or a job)
    rule: str  # the rule that opened the task (first entry only)
    created: bool
    changes: tuple[Change, ...]


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def task_notes(task: FollowUpTask) -> list[TaskNote]:
    """A task's notes, newest first, with their authors: one query."""
    return list(task.notes.select_related("author").order_by("-created_at", "-id"))


def task_history(task: FollowUpTask) -> list[HistoryEntry]:
    """Who changed what on a task, newest first, from its history records (django-simple-history):
    three queries (the records with their users, the assignees and the customers they name)."""
    from customers.models import Customer

    records = list(task.history.select_related("history_user").order_by("history_date", "history_id"))
    user_ids = {record.assignee_id for record in records if record.assignee_id}
    customer_ids = {record.customer_id for record in records if record.customer_id}
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=customer_ids)} if customer_ids else {}
    labels = {f.attname: capfirst(f.verbose_name) for f in FollowUpTask._meta.concrete_fields}

    def shown(attname: str, value) -> str:
        if value in (None, ""):
            return EMPTY
        if attname == "status":
            return word(FollowUpTask.Status, value)
        if attname == "priority":
            return word(FollowUpTask.Priority, value)
        if attname == "assignee_id":
            return _name(users.get(value)) or f"#{value}"
        if attname == "customer_id":
            customer = customers.get(value)
            return customer.legal_name if customer is not None else f"#{value}"
        if isinstance(value, date):
            return date_text(value)
        return str(value)

    entries, previous = [], None
    for record in records:
        created = record.history_type == "+"
        changes = []
        if previous is not None:
            for attname in HISTORY_FIELDS:
                before, after = getattr(previous, attname), getattr(record, attname)
                if before != after:
                    changes.append(Change(labels[attname], shown(attname, before), shown(attname, after)))
        previous = record
        if not created and not changes:
            continue  # a save that changed nothing a reader looks at
        entries.append(
            HistoryEntry(
                at=record.history_date,
                actor=_name(record.history_user) if record.history_user_id else history_actor(record),
                rule=record.created_by_rule if created else "",
                created=created,
                changes=tuple(changes),
            )
        )
    entries.reverse()
    return entries

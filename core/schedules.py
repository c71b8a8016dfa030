"""The registry of periodic schedules: every beat schedule is declared once, in code.

Each app declares its schedules in ``<app>/schedules.py`` (imported by its ``AppConfig.ready``)
with ``register(Schedule(...))``. ``schedules_apply`` writes them into django-celery-beat's
tables (``PeriodicTask`` with a ``CrontabSchedule`` or ``IntervalSchedule``), where beat's
``DatabaseScheduler`` reads them and finance managers edit them in the admin. It runs after
every ``migrate`` (and flush) through ``post_migrate``, and on demand as
``manage.py setup_schedules`` (``--dry-run`` only reports).

**Create-only, by name.** A schedule whose ``PeriodicTask`` name exists is never touched, in
any field: a finance manager may have moved its time, disabled it, or changed its arguments,
and nothing in the row says reliably whether a person did (beat itself writes
``last_run_at``/``total_run_count``, and the admin saves every field). Recording a
fingerprint of what we created and updating only untouched rows was considered; it needs a
table of its own and still guesses when a person saved without changing anything. So the
rule is simple and safe: missing → created, present → kept (a row that differs from its
declaration is reported by ``--dry-run``). A person who deletes a schedule gets it back on
the next migrate; to stop one for good, disable it. Changing a declared time for existing
databases therefore needs a data migration of its own.

Crontab times are local times in ``settings.TIME_ZONE`` (Europe/Berlin by default), stored
on the ``CrontabSchedule`` so beat fires at 06:00 local time through daylight-saving changes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Crontab:
    """A crontab in the site's local time (``settings.TIME_ZONE``)."""

    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"

    def __str__(self) -> str:
        return f"crontab {self.minute} {self.hour} {self.day_of_month} {self.month_of_year} {self.day_of_week}"


@dataclass(frozen=True)
class Every:
    """A fixed interval: ``Every(30, "seconds")``; period as in django-celery-beat."""

    every: int
    period: str

    def __post_init__(self) -> None:
        if self.every < 1 or self.period not in {"days", "hours", "minutes", "seconds", "microseconds"}:
            raise ValueError(f"Invalid interval: every {self.every} {self.period}.")

    def __str__(self) -> str:
        return f"every {self.every} {self.period}"


@dataclass(frozen=True)
class Schedule:
    """One periodic task: the name is its identity (finance managers see it in the admin)."""

    name: str
    task: str
    when: Crontab | Every
    description: str = ""
    enabled: bool = True
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or not self.task:
            raise ValueError("A schedule needs a name and a task.")
        if not isinstance(self.when, (Crontab, Every)):
            raise TypeError(f"Schedule {self.name!r}: 'when' must be a Crontab or Every, not {self.when!r}.")


_SCHEDULES: dict[str, Schedule] = {}


def register(*schedules: Schedule) -> None:
    for schedule in schedules:
        if schedule.name in _SCHEDULES and _SCHEDULES[schedule.name] != schedule:
            raise RuntimeError(f"Schedule {schedule.name!r} is declared twice.")
        _SCHEDULES[schedule.name] = schedule


def registered() -> list[Schedule]:
    return sorted(_SCHEDULES.values(), key=lambda schedule: schedule.name)


# --- The service behind each task (``manage.py run_job``) -------------------------------------
#
# A Celery task is a thin wrapper around one service that takes ``as_of``; the registry names that
# service by its dotted path (resolved when it is run, so registering imports nothing), one line
# beside the app's schedules: ``job_register("customers.reverify_due",
# "customers.services.customers_reverify_due")``. ``manage.py run_job`` runs it by hand for any
# date; a service with a ``dry_run`` keyword reports natively, any other is run in a transaction
# that is rolled back.

_JOBS: dict[str, str] = {}


def job_register(task: str, service: str) -> None:
    """The service (dotted path of a callable taking ``as_of=``) a task runs."""
    if not task or "." not in service:
        raise ValueError(f"Job {task!r}: name the service by its dotted path, not {service!r}.")
    if _JOBS.get(task, service) != service:
        raise RuntimeError(f"Job {task!r} is registered twice with different services.")
    _JOBS[task] = service


def job_service_path(task: str) -> str | None:
    return _JOBS.get(task)


def registered_jobs() -> dict[str, str]:
    """Task name -> the dotted path of its service."""
    return dict(sorted(_JOBS.items()))


@dataclass(frozen=True)
class DryRunWatch:
    """Rows a dry run of ``run_job`` reports when a job wrote them (before rolling back)."""

    model: str  # "app_label.ModelName"
    title: str  # "event(s)"
    describe: object = str  # row -> one line
    prefetch: tuple[str, ...] = ()


_DRY_RUN_WATCHES: dict[str, DryRunWatch] = {}


def dry_run_watch(model: str, *, title: str, describe=str, prefetch: tuple[str, ...] = ()) -> None:
    """An app names the rows a job's dry run should list (core knows no app's models)."""
    _DRY_RUN_WATCHES[model] = DryRunWatch(model=model, title=title, describe=describe, prefetch=prefetch)


def dry_run_watches() -> list[DryRunWatch]:
    return list(_DRY_RUN_WATCHES.values())


def job_service(task: str):
    """The callable behind ``task`` (imported now); ``LookupError`` for a task without one."""
    from django.utils.module_loading import import_string

    path = _JOBS.get(task)
    if path is None:
        raise LookupError(f"No service is registered for task {task!r} (core.schedules.job_register).")
    return import_string(path)


@dataclass(frozen=True)
class Outcome:
    schedule: Schedule
    action: str  # "created", "would create", "kept"
    differs: tuple[str, ...] = ()  # fields of an existing row that differ from the declaration

    def __str__(self) -> str:
        text = f"{self.action}: {self.schedule.name} ({self.schedule.task}, {self.schedule.when})"
        if self.differs:
            text += f"; changed in the database ({', '.join(self.differs)}), left as it is"
        return text


def schedules_apply(*, dry_run: bool = False, using: str = DEFAULT_DB_ALIAS) -> list[Outcome]:
    """Create every registered schedule that has no ``PeriodicTask`` of its name; touch no other.

    Idempotent: a second run finds every name and creates nothing.
    """
    from django_celery_beat.models import PeriodicTask

    outcomes = []
    for schedule in registered():
        with transaction.atomic(using=using):
            existing = (
                PeriodicTask.objects.using(using)
                .select_related("crontab", "interval")
                .filter(name=schedule.name)
                .first()
            )
            if existing is not None:
                outcomes.append(Outcome(schedule, "kept", _differences(schedule, existing)))
                continue
            if dry_run:
                outcomes.append(Outcome(schedule, "would create"))
                continue
            PeriodicTask.objects.using(using).create(
                name=schedule.name,
                task=schedule.task,
                kwargs=json.dumps(schedule.kwargs),
                description=schedule.description,
                enabled=schedule.enabled,
                **_schedule_row(schedule.when, using=using),
            )
            outcomes.append(Outcome(schedule, "created"))
    return outcomes


def _schedule_row(when: Crontab | Every, *, using: str) -> dict:
    """The existing CrontabSchedule/IntervalSchedule with these values, or a new one."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if isinstance(when, Every):
        values = {"every": when.every, "period": when.period}
        found = IntervalSchedule.objects.using(using).filter(**values).order_by("pk").first()
        return {"interval": found or IntervalSchedule.objects.using(using).create(**values)}
    values = {**vars(when), "timezone": settings.TIME_ZONE}
    found = CrontabSchedule.objects.using(using).filter(**values).order_by("pk").first()
    return {"crontab": found or CrontabSchedule.objects.using(using).create(**values)}


def _differences(schedule: Schedule, row) -> tuple[str, ...]:
    differs = []
    if row.task != schedule.task:
        differs.append("task")
    if row.enabled != schedule.enabled:
        differs.append("enabled")
    if _json_or_none(row.kwargs or "{}") != schedule.kwargs:
        differs.append("kwargs")
    if _when_of(row) != (schedule.when, settings.TIME_ZONE if isinstance(schedule.when, Crontab) else None):
        differs.append("schedule")
    return tuple(differs)


def _json_or_none(text: str):
    # A hand-edited row must not make migrate fail: unreadable kwargs are just "changed".
    try:
        return json.loads(text)
    except ValueError:
        return None


def _when_of(row) -> tuple[Crontab | Every | None, str | None]:
    if row.interval is not None:
        return Every(row.interval.every, row.interval.period), None
    if row.crontab is not None:
        c = row.crontab
        return Crontab(c.minute, c.hour, c.day_of_week, c.day_of_month, c.month_of_year), str(c.timezone)
    return None, None


def apply_after_migrate(sender=None, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, stdout=None, **kwargs) -> None:
    """post_migrate (also sent after a flush): create missing schedules.

    post_migrate is sent once per app; this runs for the last one, when every app's tables
    exist, and does nothing while django-celery-beat's tables are absent (migrating backwards).
    """
    from django_celery_beat.models import PeriodicTask

    with_models = [config for config in django_apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    if PeriodicTask._meta.db_table not in connections[using].introspection.table_names():
        return
    for outcome in schedules_apply(using=using):
        if outcome.action == "created" and verbosity >= 1:
            (stdout or sys.stdout).write(f"  Schedule {outcome}\n")


# --- The platform's own schedules ------------------------------------------------------------
register(
    Schedule(
        name=gettext_noop("Dispatch due background jobs"),
        task="core.sweep_jobs",
        when=Every(30, "seconds"),
        description="Re-dispatches jobs the broker or a dead worker dropped; recovers jobs whose worker died.",
    ),
    Schedule(
        name=gettext_noop("Forget old Idempotency-Key responses"),
        task="core.purge_idempotency_records",
        when=Every(1, "hours"),
        description="Idempotency-Key replays are kept for 24 hours.",
    ),
    Schedule(
        name=gettext_noop("Purge finished background jobs"),
        task="core.purge_jobs",
        when=Crontab(minute="45", hour="4"),
        description="Deletes done background jobs finished more than JOBS_RETENTION_DAYS (14) days ago; "
        "failed and cancelled ones are kept.",
    ),
)
job_register("core.sweep_jobs", "core.services.jobs_sweep")
job_register("core.purge_jobs", "core.services.jobs_purge")
job_register("core.purge_idempotency_records", "core.services.idempotency_records_purge")


def _event_line(event) -> str:
    data = json.dumps(event.data, ensure_ascii=False, sort_keys=True, default=str)
    return f"{event.type} customer={event.customer_id} object={event.object_id} {data}"


def _job_line(job) -> str:
    return f"{job.kind} {json.dumps(job.payload, ensure_ascii=False, sort_keys=True, default=str)}"


dry_run_watch("core.Event", title="event(s)", describe=_event_line)
dry_run_watch("core.Job", title="background job(s)", describe=_job_line)

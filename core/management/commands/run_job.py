"""Run a scheduled job by hand: ``manage.py run_job <schedule name or task> [--as-of DAY[THH:MM]] [--dry-run]``.

The job is the service behind the schedule's task (``core.schedules.job_register``), called with
``as_of``: now, or the given local day and time (``settings.TIME_ZONE``; a day alone means the
schedule's own time of day when it has one, else midnight). It runs as the schedule would, once
however often it is run (every job is idempotent).

``--dry-run`` changes nothing. A service that takes ``dry_run`` (the dunning run) reports what it
would do and why itself; any other runs inside a transaction that is rolled back, and the command
prints what it returned and the rows it would have written that apps asked to be shown
(``core.schedules.dry_run_watch``: events, background jobs, outbox messages). Nothing is
published: the broker is told of jobs only after a commit, and a rolled-back transaction never
commits. Files a service stores (a PDF attachment) are content-addressed and
stay unreferenced.
"""

from __future__ import annotations

import inspect
import json
import re
from datetime import date, datetime, time

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.schedules import Crontab, dry_run_watches, registered, registered_jobs

AS_OF = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?")


class DryRunRollback(Exception):
    """Raised inside the dry run's transaction so that it is rolled back."""


def _names() -> dict[str, str]:
    """Every name the command accepts -> the task: schedule names, their translations, task names."""
    names = {task: task for task in registered_jobs()}
    with translation.override(settings.LANGUAGE_CODE):
        for schedule in registered():
            names[schedule.name] = schedule.task
            names[gettext(schedule.name)] = schedule.task
    return names


def _schedule_of(task: str):
    return next((schedule for schedule in registered() if schedule.task == task), None)


def parse_as_of(value: str | None, *, task: str) -> datetime:
    """``None`` → now; ``YYYY-MM-DD`` → that local day at the schedule's time (a single hour and
    minute), else 00:00; ``YYYY-MM-DDTHH:MM`` → that local moment."""
    if value is None:
        return timezone.now()
    match = AS_OF.fullmatch(value.strip())
    if not match:
        raise CommandError(f"--as-of {value!r}: give a day YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM.")
    try:
        day = date.fromisoformat(match.group(1))
        if match.group(2) is not None:
            moment = time(int(match.group(2)), int(match.group(3)))
        else:
            moment = _scheduled_time(task)
    except ValueError as exc:
        raise CommandError(f"--as-of {value!r}: {exc}.") from None
    return timezone.make_aware(datetime.combine(day, moment))


def _scheduled_time(task: str) -> time:
    schedule = _schedule_of(task)
    when = schedule.when if schedule is not None else None
    if isinstance(when, Crontab) and when.hour.isdigit() and when.minute.isdigit():
        return time(int(when.hour), int(when.minute))
    return time(0, 0)


def _plain(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str, sort_keys=True)


class Command(BaseCommand):
    help = "Run a scheduled job by hand, for any day, or show what it would do (--dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="A schedule's name or its task (e.g. dunning.overdue_transition).")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM, local time (default: now).")
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; print what would happen and why.")
        parser.add_argument("--list", action="store_true", help="List the jobs that can be run.")

    def handle(self, *args, name=None, as_of=None, dry_run=False, **options):
        names = _names()
        if options.get("list") or not name:
            self._list()
            if not name:
                return
        task = names.get(name)
        if task is None:
            raise CommandError(f"No job named {name!r}. Known jobs:\n{self._listing()}")
        service = self._service(task)
        moment = parse_as_of(as_of, task=task)
        local = timezone.localtime(moment)
        self.stdout.write(
            f"{task} ({registered_jobs()[task]}) as of {local:%Y-%m-%d %H:%M} {settings.TIME_ZONE}"
            + (" — dry run" if dry_run else "")
        )
        # Texts a job writes for people (task titles, causes) are in the site's language, as in the worker.
        with translation.override(settings.LANGUAGE_CODE):
            if not dry_run:
                result = service(as_of=moment)
                self.stdout.write(f"Done: {_plain(result)}")
                return
            if "dry_run" in inspect.signature(service).parameters:
                report = service(as_of=moment, dry_run=True)
                self.stdout.write("Would do (the job's own dry run):")
                self.stdout.write(str(report) if not isinstance(report, (dict, list)) else _plain(report))
                return
            self._rolled_back(service, moment)

    def _service(self, task: str):
        from core.schedules import job_service

        try:
            return job_service(task)
        except (ImportError, LookupError) as exc:
            raise CommandError(f"The job {task!r} cannot be run: {exc}") from None

    def _rolled_back(self, service, moment: datetime) -> None:
        watches = [(watch, django_apps.get_model(watch.model)) for watch in dry_run_watches()]
        seen = {watch.model: _last_pk(model) for watch, model in watches}
        written: dict[str, list] = {}
        try:
            with transaction.atomic():
                result = service(as_of=moment)
                # Read everything now: after the rollback the rows (and their related rows) are gone.
                for watch, model in watches:
                    rows = model.objects.filter(pk__gt=seen[watch.model]).order_by("pk")
                    written[watch.model] = list(rows.prefetch_related(*watch.prefetch))
                    written[watch.model] = [watch.describe(row) for row in written[watch.model]]
                raise DryRunRollback
        except DryRunRollback:
            pass
        self.stdout.write(f"Would return: {_plain(result)}")
        for watch, _model in watches:
            lines = written[watch.model]
            self.stdout.write(f"Would write {len(lines)} {watch.title}:")
            for line in lines:
                self.stdout.write(f"  {line}")
        self.stdout.write("Nothing was saved or sent (the transaction was rolled back).")

    def _listing(self) -> str:
        lines = []
        schedules = {schedule.task: schedule for schedule in registered()}
        for task, path in registered_jobs().items():
            schedule = schedules.get(task)
            label = f"{schedule.name!r}, {schedule.when}" if schedule else "no schedule"
            lines.append(f"  {task}  ({label}) → {path}")
        return "\n".join(lines)

    def _list(self) -> None:
        self.stdout.write(f"Jobs (times are local, {settings.TIME_ZONE}):\n{self._listing()}")


def _last_pk(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0

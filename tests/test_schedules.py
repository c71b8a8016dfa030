"""core.schedules: one registry of beat schedules, applied after migrate, never overwriting a person's edit."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.schedules import Crontab, Every, Schedule, register, registered, schedules_apply

pytestmark = pytest.mark.django_db

BERLIN = "Europe/Berlin"
# What the data migrations created until issue 14 (core 0002, customers 0002 and 0006,
# invoicing 0005 and 0011, payments 0006): name, task, schedule, time zone, enabled.
FROM_MIGRATIONS = {
    ("Dispatch due background jobs", "core.sweep_jobs", "every 30 seconds", None, True),
    ("Forget old Idempotency-Key responses", "core.purge_idempotency_records", "every 1 hours", None, True),
    ("Re-verify customer data", "customers.reverify_due", "crontab 15 3 * * *", BERLIN, True),
    ("Check e-mails stuck in sending", "communications.check_stuck_messages", "every 5 minutes", None, True),
    ("Create recurring invoices", "invoicing.run_recurring", "crontab 0 6 * * *", BERLIN, True),
    ("Assume receipt of invoices", "invoicing.assume_receipts", "crontab 30 5 * * *", BERLIN, True),
    (
        "Open follow-up tasks for unmatched bank lines",
        "payments.open_unmatched_line_tasks",
        "crontab 30 7 * * *",
        BERLIN,
        True,
    ),
}
ADDED_SINCE = {
    ("Purge finished background jobs", "core.purge_jobs", "crontab 45 4 * * *", BERLIN, True),
    ("Expire SEPA mandates unused for 36 months", "sepa.expire_mandates", "crontab 15 6 * * *", BERLIN, True),
    ("Wake snoozed follow-up tasks", "tasks.wake_snoozed", "crontab 5 * * * *", BERLIN, True),
    ("Send the daily task digests", "tasks.send_digests", "crontab 0 7 * * 1-5", BERLIN, True),
    ("Decide promises to pay whose date passed", "casework.evaluate_promises", "crontab 15 6 * * *", BERLIN, True),
    # Dunning's scheduled notices (dunning/schedules.py).
    ("Record invoices that became overdue", "dunning.overdue_transition", "crontab 30 0 * * *", BERLIN, True),
    ("Send due-date heads-ups", "dunning.due_date_heads_up", "crontab 0 7 * * *", BERLIN, True),
    ("Send monthly account statements", "dunning.monthly_statements", "crontab 30 6 1 * *", BERLIN, True),
    ("Send payment reminders", "dunning.run", "crontab 0 8 * * 1-5", BERLIN, True),
    (
        "Open follow-up tasks for claims about to become time-barred",
        "dunning.limitation_tasks_open",
        "crontab 15 6 * * *",
        BERLIN,
        True,
    ),
}


def row_of(task: PeriodicTask) -> tuple:
    if task.interval is not None:
        when, tz = f"every {task.interval.every} {task.interval.period}", None
    else:
        c = task.crontab
        when, tz = f"crontab {c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}", str(c.timezone)
    return task.name, task.task, when, tz, task.enabled


def database_rows() -> set[tuple]:
    return {row_of(task) for task in PeriodicTask.objects.select_related("crontab", "interval")}


def test_the_registry_declares_exactly_the_schedules_the_migrations_created_and_those_added_since():
    declared = {
        (s.name, s.task, str(s.when), BERLIN if isinstance(s.when, Crontab) else None, s.enabled) for s in registered()
    }
    assert declared == FROM_MIGRATIONS | ADDED_SINCE
    assert all(json.loads(t.kwargs) == {} for t in PeriodicTask.objects.all())


def test_a_migrated_database_holds_the_declared_schedules():
    # The data migrations are no-ops now: these rows come from post_migrate.
    assert database_rows() == FROM_MIGRATIONS | ADDED_SINCE


def test_applying_again_creates_nothing():
    before = set(PeriodicTask.objects.values_list("pk", "name"))
    outcomes = schedules_apply()
    assert {o.action for o in outcomes} == {"kept"}
    assert not any(o.differs for o in outcomes)
    assert set(PeriodicTask.objects.values_list("pk", "name")) == before


def test_a_finance_managers_changed_or_disabled_schedule_is_never_overwritten_and_a_deleted_one_comes_back():
    moved = PeriodicTask.objects.get(name="Create recurring invoices")
    moved.crontab = CrontabSchedule.objects.create(minute="0", hour="8", timezone=BERLIN)
    moved.description = "Später, nach der Buchhaltungsrunde"
    moved.save()
    PeriodicTask.objects.filter(name="Re-verify customer data").update(enabled=False)
    PeriodicTask.objects.filter(name="Assume receipt of invoices").delete()

    outcomes = {o.schedule.name: o for o in schedules_apply()}

    moved = PeriodicTask.objects.select_related("crontab").get(name="Create recurring invoices")
    assert (moved.crontab.hour, moved.crontab.minute, moved.description) == (
        "8",
        "0",
        "Später, nach der Buchhaltungsrunde",
    )
    assert not PeriodicTask.objects.get(name="Re-verify customer data").enabled
    assert (outcomes["Create recurring invoices"].action, outcomes["Create recurring invoices"].differs) == (
        "kept",
        ("schedule",),
    )
    assert outcomes["Re-verify customer data"].differs == ("enabled",)
    recreated = PeriodicTask.objects.select_related("crontab").get(name="Assume receipt of invoices")
    assert outcomes["Assume receipt of invoices"].action == "created"
    assert row_of(recreated) == (
        "Assume receipt of invoices",
        "invoicing.assume_receipts",
        "crontab 30 5 * * *",
        BERLIN,
        True,
    )


def test_setup_schedules_dry_run_reports_and_changes_nothing_then_the_command_creates(capsys):
    PeriodicTask.objects.filter(name="Forget old Idempotency-Key responses").delete()
    PeriodicTask.objects.filter(name="Dispatch due background jobs").update(enabled=False)

    call_command("setup_schedules", "--dry-run")
    out = capsys.readouterr().out
    assert "would create: Forget old Idempotency-Key responses (core.purge_idempotency_records, every 1 hours)" in out
    assert (
        "kept: Dispatch due background jobs (core.sweep_jobs, every 30 seconds); changed in the database (enabled)"
        in out
    )
    assert not PeriodicTask.objects.filter(name="Forget old Idempotency-Key responses").exists()

    call_command("setup_schedules")
    assert "created: Forget old Idempotency-Key responses" in capsys.readouterr().out
    assert PeriodicTask.objects.filter(name="Forget old Idempotency-Key responses", enabled=True).exists()
    assert not PeriodicTask.objects.get(name="Dispatch due background jobs").enabled


def test_a_name_declared_twice_with_different_contents_is_refused():
    with pytest.raises(RuntimeError, match="declared twice"):
        register(Schedule(name="Create recurring invoices", task="invoicing.run_recurring", when=Crontab(hour="7")))


def test_a_schedule_without_a_valid_interval_is_refused():
    with pytest.raises(ValueError, match="Invalid interval"):
        Every(0, "minutes")
    with pytest.raises(TypeError, match="Crontab or Every"):
        Schedule(name="x", task="core.ping", when="0 6 * * *")


def test_a_schedule_with_unreadable_kwargs_is_reported_not_fatal():
    PeriodicTask.objects.filter(name="Create recurring invoices").update(kwargs="{not json")
    outcomes = {o.schedule.name: o for o in schedules_apply(dry_run=True)}
    assert outcomes["Create recurring invoices"].differs == ("kwargs",)
    assert PeriodicTask.objects.get(name="Create recurring invoices").kwargs == "{not json"

"""``manage.py run_job``: every registered schedule has a service to run by hand; --as-of and
--dry-run; a dry run saves nothing and publishes nothing (on_commit never fires on a rollback)."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from communications.models import OutboxMessage
from core.management.commands.run_job import parse_as_of
from core.models import Event, Job
from core.schedules import job_service, registered, registered_jobs
from customers.tests.factories import make_customer
from dunning.models import DueDateNotice, DunningProfile, OverdueMark
from invoicing.tests.factories import (
    BERLIN,
    T0,
    make_company_profile,
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)
from payments.tests.factories import make_invoice


def run(*args) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_every_registered_schedule_names_a_service_that_takes_as_of():
    for schedule in registered():
        assert schedule.task in registered_jobs(), f"{schedule.name!r}: job_register({schedule.task!r}, ...) missing"
        service = job_service(schedule.task)
        assert "as_of" in inspect.signature(service).parameters, schedule.task


def test_as_of_a_day_is_the_schedules_local_time_and_a_time_is_taken_as_given():
    assert parse_as_of("2026-12-01", task="dunning.monthly_statements") == datetime(2026, 12, 1, 6, 30, tzinfo=BERLIN)
    assert parse_as_of("2026-12-01", task="core.sweep_jobs") == datetime(2026, 12, 1, 0, 0, tzinfo=BERLIN)
    assert parse_as_of("2026-07-01T09:15", task="core.sweep_jobs") == datetime(2026, 7, 1, 9, 15, tzinfo=BERLIN)
    before = timezone.now()
    assert parse_as_of(None, task="core.sweep_jobs") >= before
    for wrong in ("2026-13-01", "01.12.2026", "2026-12-01T25:00"):
        with pytest.raises(CommandError):
            parse_as_of(wrong, task="core.sweep_jobs")


@pytest.mark.django_db
def test_an_unknown_name_lists_the_jobs():
    with pytest.raises(CommandError) as refused:
        run("dunning.nothing")
    assert "dunning.nothing" in str(refused.value)
    assert "dunning.overdue_transition" in str(refused.value)
    assert "casework.evaluate_promises" in str(refused.value)


@pytest.mark.django_db
def test_a_job_runs_by_its_schedule_name_or_task_for_a_given_day():
    seed_rates_and_terms()
    make_company_profile()
    invoice = make_invoice(customer=make_customer())
    day = (invoice.due_date + timedelta(days=1)).isoformat()

    out = run("Record invoices that became overdue", "--as-of", day)

    assert "Done: 1" in out and "00:30 Europe/Berlin" in out
    assert OverdueMark.objects.count() == 1
    assert "Done: 0" in run("dunning.overdue_transition", "--as-of", day)  # once only


@pytest.mark.django_db
def test_a_native_dry_run_is_used_where_the_service_has_one():
    calls = []

    def service(*, as_of, dry_run=False):
        calls.append(dry_run)
        return {"would": "remind 3 customers"}

    with mock.patch("django.utils.module_loading.import_string", return_value=service):
        out = run("dunning.overdue_transition", "--dry-run")
    assert calls == [True]
    assert "remind 3 customers" in out


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reseed_after_module")
def test_a_dry_run_saves_nothing_and_publishes_nothing():
    seed_rates_and_terms()
    make_company_profile()
    customer = make_customer(
        contacts=[{"name": "Paula Zahl", "email": "zahlung@example.com", "receives_reminders": True}]
    )
    DunningProfile.objects.create(customer=customer, due_date_notice_days=3, updated_at=T0)
    invoice = make_invoice(customer=customer)
    day = (invoice.due_date - timedelta(days=3)).isoformat()
    before = (Event.objects.count(), Job.objects.count())

    with mock.patch("core.tasks.run_job.apply_async") as publish:
        out = run("dunning.due_date_heads_up", "--as-of", day, "--dry-run")
        assert publish.call_count == 0
        assert "Would write 1 outbox message(s)" in out
        assert "[due_date_heads_up]" in out and "zahlung@example.com" in out
        assert "Would write 1 background job(s)" in out and "customers.send_message" in out
        assert (Event.objects.count(), Job.objects.count()) == before
        assert not OutboxMessage.objects.exists() and not DueDateNotice.objects.exists()

        # The same run for real: saved, and its send job published after the commit.
        out = run("dunning.due_date_heads_up", "--as-of", day)
        assert OutboxMessage.objects.count() == 1 and DueDateNotice.objects.count() == 1
        assert publish.call_count == 1


@pytest.mark.django_db
def test_the_dunning_run_by_hand_dry_and_real_for_a_given_day():
    from dunning.models import DunningRun

    seed_rates_and_terms()
    make_company_profile()

    out = run("Send payment reminders", "--as-of", "2026-12-08", "--dry-run")

    assert "dunning.run" in out and "2026-12-08" in out
    assert not DunningRun.objects.exists()
    run("Send payment reminders", "--as-of", "2026-12-08")
    (day_run,) = DunningRun.objects.all()
    assert str(day_run.as_of) == "2026-12-08" and day_run.started_at.astimezone(BERLIN).hour == 8

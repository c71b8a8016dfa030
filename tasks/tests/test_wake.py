"""Snoozed tasks come back on their day (tasks_wake, the hourly beat job), and only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.schedules import registered
from tasks.models import FollowUpTask, TaskNote
from tasks.services import task_open_for_cause, task_snooze, tasks_wake
from tasks.tasks import wake_snoozed

from .conftest import T0

pytestmark = pytest.mark.django_db

WAITING, OPEN = FollowUpTask.Status.WAITING, FollowUpTask.Status.OPEN


@pytest.fixture
def snoozed(about, accountant):
    task, _ = task_open_for_cause(kind="call_customer", title="Anrufen", rule="tests.rule", about=about, as_of=T0)
    return task_snooze(task=task, until=T0.date() + timedelta(days=3), as_of=T0, by=accountant, note="Kunde im Urlaub")


def test_a_snoozed_task_waits_with_its_day_and_the_reason_as_a_note(snoozed, accountant):
    assert (snoozed.status, snoozed.waiting_until) == (WAITING, T0.date() + timedelta(days=3))
    assert TaskNote.objects.get(task=snoozed).author == accountant


def test_snoozing_to_today_or_the_past_is_refused_naming_the_field(about):
    task, _ = task_open_for_cause(kind="call_customer", title="Anrufen", rule="tests.rule", about=about, as_of=T0)
    with pytest.raises(ValidationError) as refused:
        task_snooze(task=task, until=T0.date(), as_of=T0)
    assert "waiting_until" in refused.value.message_dict
    task.refresh_from_db()
    assert task.status == OPEN and not TaskNote.objects.exists()


def test_the_task_stays_asleep_until_its_day_then_opens_once(snoozed):
    assert tasks_wake(as_of=T0 + timedelta(days=2, hours=14)) == 0  # the day before, evening
    snoozed.refresh_from_db()
    assert snoozed.status == WAITING
    assert tasks_wake(as_of=T0 + timedelta(days=3) - timedelta(hours=8)) == 1  # 01:00 on the day
    snoozed.refresh_from_db()
    assert (snoozed.status, snoozed.waiting_until) == (OPEN, None)
    assert tasks_wake(as_of=T0 + timedelta(days=3)) == 0  # a rerun changes nothing
    assert snoozed.history.count() == 3  # opened, snoozed, woken: no extra record by the rerun


def test_the_beat_job_wakes_the_tasks_whose_day_has_come(snoozed):
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        wake_snoozed.apply()
    snoozed.refresh_from_db()
    assert snoozed.status == OPEN


def test_the_wake_up_and_digest_jobs_are_scheduled():
    tasks = {schedule.task for schedule in registered()}
    assert {"tasks.wake_snoozed", "tasks.send_digests"} <= tasks

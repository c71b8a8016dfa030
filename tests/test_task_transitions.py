"""FollowUpTask.TRANSITIONS is the truth: every allowed change passes through ``task_transition``
and lands in the task's history; every other one is refused (API: 409)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from tasks.models import FollowUpTask
from tasks.services import TaskTransitionNotAllowed, task_open_for_cause, task_transition

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
Status = FollowUpTask.Status


def _wake(status: str):
    """Waiting needs the day the task comes back."""
    return T0.date() + timedelta(days=7) if status == Status.WAITING else None


def _task_in(status: str) -> FollowUpTask:
    about = Group.objects.create(name=f"about {status}")
    task, _created = task_open_for_cause(kind="check", about=about, title="Check", rule="r", as_of=T0)
    if status != Status.OPEN:
        task = task_transition(task=task, to_status=status, as_of=T0, waiting_until=_wake(status))
    assert task.status == status
    return task


def test_every_status_has_a_row_in_the_table():
    assert set(FollowUpTask.TRANSITIONS) == set(Status.values)


@pytest.mark.parametrize(("current", "to"), list(itertools.product(Status.values, repeat=2)))
def test_a_status_change_passes_exactly_when_the_table_allows_it(current, to):
    task = _task_in(current)
    history = task.history.count()
    if to in FollowUpTask.TRANSITIONS[current]:
        task_transition(task=task, to_status=to, as_of=T0, waiting_until=_wake(to))
        assert FollowUpTask.objects.get(pk=task.pk).status == to
        assert task.history.count() == history + 1
    else:
        with pytest.raises(TaskTransitionNotAllowed) as refused:
            task_transition(task=task, to_status=to, as_of=T0)
        assert str(Status(to).label) in str(refused.value)
        assert FollowUpTask.objects.get(pk=task.pk).status == current
        assert task.history.count() == history

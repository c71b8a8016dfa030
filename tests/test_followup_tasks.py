"""tasks.services: one open task per kind and object, opened by a person or a rule."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction

from tasks.models import FollowUpTask
from tasks.services import TaskTransitionNotAllowed, task_open_for_cause, task_transition

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def about():
    return Group.objects.create(name="any object a task can be about")


def test_opening_the_same_cause_twice_returns_the_open_task(about):
    first, created = task_open_for_cause(kind="vat_id_invalid", about=about, title="Check VAT ID", rule="r", as_of=T0)
    again, created_again = task_open_for_cause(kind="vat_id_invalid", about=about, title="Other", rule="r", as_of=T0)
    assert created and not created_again and again.pk == first.pk
    other_kind, created_other = task_open_for_cause(kind="iban_invalid", about=about, title="IBAN", rule="r", as_of=T0)
    assert created_other and other_kind.pk != first.pk


def test_a_closed_task_does_not_block_a_new_one_for_the_same_cause(about, accountant):
    task, _ = task_open_for_cause(kind="k", about=about, title="t", rule="r", as_of=T0)
    task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=T0, by=accountant, resolution="fixed")
    task.refresh_from_db()
    assert task.closed_at == T0 and task.resolution == "fixed"
    assert task.history.first().history_user == accountant
    new, created = task_open_for_cause(kind="k", about=about, title="t", rule="r", as_of=T0)
    assert created and new.pk != task.pk
    with pytest.raises(Exception, match="Another open task"):
        task_transition(task=task, to_status=FollowUpTask.Status.OPEN, as_of=T0)


def test_the_database_refuses_a_second_open_task_for_the_same_cause(about):
    task_open_for_cause(kind="k", about=about, title="t", rule="r", as_of=T0)
    duplicate = FollowUpTask.objects.get()
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_task_is_opened_by_a_person_or_by_a_rule_never_both(about, accountant):
    with pytest.raises(ValueError):
        task_open_for_cause(kind="k", about=about, title="t", as_of=T0)
    with pytest.raises(ValueError):
        task_open_for_cause(kind="k", about=about, title="t", rule="r", created_by=accountant, as_of=T0)
    task, _ = task_open_for_cause(kind="k", about=about, title="t", created_by=accountant, as_of=T0)
    assert task.created_by == accountant and task.created_by_rule == ""


def test_only_allowed_transitions_happen(about):
    task, _ = task_open_for_cause(kind="k", about=about, title="t", rule="r", as_of=T0)
    task_transition(task=task, to_status=FollowUpTask.Status.CANCELLED, as_of=T0)
    with pytest.raises(TaskTransitionNotAllowed):  # the message: tests/test_task_transitions.py
        task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=T0)


@pytest.mark.django_db(transaction=True)
def test_racing_rules_open_exactly_one_task():
    about = Group.objects.create(name="raced")
    barrier = threading.Barrier(6)
    results = []

    def open_task():
        try:
            barrier.wait(5)
            results.append(task_open_for_cause(kind="race", about=about, title="t", rule="r", as_of=T0))
        finally:
            connection.close()

    threads = [threading.Thread(target=open_task) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(results) == 6
    assert FollowUpTask.objects.filter(kind="race").count() == 1
    assert len({task.pk for task, _ in results}) == 1
    assert sum(created for _, created in results) == 1

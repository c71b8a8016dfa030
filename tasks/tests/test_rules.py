"""Task rules (tasks.rules, tasks.causes): every cause reported through core.followups passes its
kind's rule — on or off, due period, priority, who gets it — and a repeated cause writes a note."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from core.followups import followup_kind_label, followup_open
from core.roles import Role
from customers.tests.factories import make_customer
from tasks.models import FollowUpTask, TaskNote, TaskRule
from tasks.rules import task_rule_label, task_rule_update, task_rules_ensure

from .conftest import T0, person

pytestmark = pytest.mark.django_db

Strategy = TaskRule.AssigneeStrategy


def report(kind="email_bounced", *, about, as_of=T0, **extra):
    return followup_open(kind=kind, title="Look at it", rule="tests.rule", about=about, as_of=as_of, **extra)


def set_rule(kind="email_bounced", **fields) -> TaskRule:
    rule, _ = TaskRule.objects.get_or_create(kind=kind)
    return task_rule_update(rule=rule, as_of=T0, **fields)


# --- On or off, due date, priority ----------------------------------------------------------------


def test_a_rule_switched_off_opens_no_task_and_says_so_with_none(about):
    set_rule(enabled=False)
    assert report(about=about) == (None, False)
    assert not FollowUpTask.objects.exists()


def test_a_rule_switched_on_again_opens_tasks_again(about):
    set_rule(enabled=False)
    set_rule(enabled=True)
    task, created = report(about=about)
    assert created and task.kind == "email_bounced"


def test_the_task_is_due_the_rules_days_after_the_day_of_the_cause(about):
    set_rule(due_in_days=3)
    task, _ = report(about=about, as_of=T0.replace(hour=23, minute=30))  # still the 27th in Berlin
    assert task.due_date == date(2026, 11, 30)


def test_a_due_date_the_cause_names_wins_over_the_rules_period(about):
    set_rule(due_in_days=3)
    task, _ = report(about=about, due_date=date(2026, 12, 24))
    assert task.due_date == date(2026, 12, 24)


def test_a_kind_without_a_rule_row_is_due_the_same_day_with_the_causes_priority(about):
    task, _ = report(about=about, priority="high")
    assert (task.due_date, task.priority) == (T0.date(), FollowUpTask.Priority.HIGH)


def test_the_rules_priority_replaces_the_one_the_cause_suggests(about):
    set_rule(priority=FollowUpTask.Priority.URGENT)
    task, _ = report(about=about, priority="low")
    assert task.priority == FollowUpTask.Priority.URGENT


def test_a_rule_without_priority_keeps_the_causes(about):
    set_rule(priority=FollowUpTask.Priority.URGENT)
    set_rule(priority=None)
    task, _ = report(about=about, priority="low")
    assert task.priority == FollowUpTask.Priority.LOW


def test_a_rule_change_is_refused_field_by_field():
    rule, _ = TaskRule.objects.get_or_create(kind="email_bounced")
    with pytest.raises(ValidationError) as refused:
        task_rule_update(rule=rule, as_of=T0, due_in_days=400, priority=99, assignee_strategy="everyone")
    assert set(refused.value.message_dict) == {"due_in_days", "priority", "assignee_strategy"}
    rule.refresh_from_db()
    assert (rule.due_in_days, rule.priority, rule.assignee_strategy) == (0, None, Strategy.ACCOUNT_OWNER)


# --- Who gets the task ------------------------------------------------------------------------------


def test_the_customers_account_owner_gets_the_task(django_user_model):
    owner = person(django_user_model, "owner")
    customer = make_customer(account_owner=owner)
    task, _ = report(about=customer)
    assert task.assignee == owner


def test_an_inactive_account_owner_is_passed_over_for_the_next_accountant(django_user_model):
    owner = person(django_user_model, "owner", is_active=False)
    colleague = person(django_user_model, "colleague")
    customer = make_customer(account_owner=owner)
    task, _ = report(about=customer)
    assert task.assignee == colleague


def test_without_account_owner_accountants_take_turns(django_user_model):
    first, second = person(django_user_model, "first"), person(django_user_model, "second")
    person(django_user_model, "viewer1", role=Role.FINANCE_VIEWER)  # viewers get no tasks
    person(django_user_model, "manager1", role=Role.FINANCE_MANAGER)  # nor managers, in the round
    assignees = [report(about=make_customer(legal_name=f"Kunde {n} GmbH"))[0].assignee for n in range(3)]
    assert assignees == [first, second, first]
    assert TaskRule.objects.get(kind="email_bounced").last_assignee == first


def test_each_kind_keeps_its_own_turn(django_user_model):
    first, second = person(django_user_model, "first"), person(django_user_model, "second")
    customer = make_customer()
    assert report("email_bounced", about=customer)[0].assignee == first
    assert report("customer_reply", about=customer)[0].assignee == first
    assert report("email_bounced", about=make_customer(legal_name="Zweite GmbH"))[0].assignee == second


def test_round_robin_ignores_the_account_owner(django_user_model):
    owner = person(django_user_model, "owner")
    colleague = person(django_user_model, "colleague")
    set_rule(assignee_strategy=Strategy.ROUND_ROBIN)
    TaskRule.objects.filter(kind="email_bounced").update(last_assignee=owner)
    task, _ = report(about=make_customer(account_owner=owner))
    assert task.assignee == colleague


def test_the_team_queue_leaves_the_task_to_nobody_even_with_an_owner(django_user_model):
    owner = person(django_user_model, "owner")
    set_rule(assignee_strategy=Strategy.TEAM_QUEUE)
    task, _ = report(about=make_customer(account_owner=owner), assignee=owner)
    assert task.assignee is None


def test_the_person_the_cause_names_comes_before_the_account_owner(django_user_model):
    owner, named = person(django_user_model, "owner"), person(django_user_model, "named")
    task, _ = report(about=make_customer(account_owner=owner), assignee=named)
    assert task.assignee == named


def test_no_accountant_and_no_owner_leaves_the_task_to_the_team(about):
    task, _ = report(about=about)
    assert task.assignee is None
    assert not TaskRule.objects.exists()  # nothing to remember: no row written


# --- A cause that happens again ----------------------------------------------------------------------


def test_a_repeated_cause_notes_the_open_task_instead_of_opening_a_second(about):
    task, created = report(about=about)
    again, created_again = report(about=about, as_of=T0 + timedelta(hours=2))
    assert created and not created_again and again == task
    assert FollowUpTask.objects.count() == 1
    note = TaskNote.objects.get(task=task)
    assert note.rule == "tests.rule" and note.author is None
    assert "27.11.2026, 11:00" in note.text and "Look at it" in note.text


def test_the_same_cause_the_same_day_writes_one_note_the_next_day_another(about):
    report(about=about)
    report(about=about, as_of=T0 + timedelta(hours=1))
    report(about=about, as_of=T0 + timedelta(hours=2))
    report(about=about, as_of=T0 + timedelta(days=1))
    assert TaskNote.objects.count() == 2


def test_a_cause_after_its_task_was_done_opens_a_new_task(about):
    from tasks.services import task_transition

    task, _ = report(about=about)
    task_transition(task=task, to_status=FollowUpTask.Status.DONE, as_of=T0)
    second, created = report(about=about)
    assert created and second != task and not TaskNote.objects.exists()


# --- Words and rows --------------------------------------------------------------------------------


def test_a_rule_is_named_in_words_never_by_its_code():
    with translation.override("de"):
        assert task_rule_label("email_bounced") == "Regel „E-Mail unzustellbar“"
        assert str(TaskRule(kind="bank_line_unmatched")) == followup_kind_label("bank_line_unmatched")
    with translation.override("en"):
        assert task_rule_label("call_customer") == "Rule “call the customer”"


def test_every_registered_kind_gets_a_rule_row_once():
    from core.followups import followup_kinds

    made = task_rules_ensure()
    assert made == len(followup_kinds()) and task_rules_ensure() == 0
    assert {"dispute", "promise_broken", "check_promise", "call_customer", "email_bounced"} <= set(
        TaskRule.objects.values_list("kind", flat=True)
    )


@pytest.mark.parametrize("kind", ["dispute", "promise_broken", "check_promise", "hand_over_to_collection"])
def test_the_casework_kinds_open_through_the_port_with_german_names(kind, about):
    task, created = report(kind, about=about)
    assert created and task.kind == kind
    with translation.override("de"):
        assert followup_kind_label(kind) != kind


def test_the_rule_applies_to_causes_reported_at_any_time(about):
    set_rule(due_in_days=1)
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        task, _ = report(about=about, as_of=T0)
    assert task.due_date == T0.date() + timedelta(days=1)  # the cause's day, not the clock's


@pytest.mark.django_db(transaction=True)
def test_two_tasks_opened_at_the_same_moment_go_to_two_people(django_user_model):
    import threading

    from django.db import connection

    first, second = person(django_user_model, "first"), person(django_user_model, "second")
    customers = [make_customer(legal_name=f"Gleichzeitig {n} GmbH") for n in range(2)]
    task_rules_ensure()  # the rows exist, so both runs queue on the same row lock
    barrier = threading.Barrier(2)
    results, errors = [], []

    def open_task(customer):
        try:
            barrier.wait(10)
            results.append(report(about=customer)[0].assignee_id)
        except Exception as exc:  # noqa: BLE001 - a thread's failure is asserted below, not lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_task, args=(customer,)) for customer in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert sorted(results) == sorted([first.pk, second.pk])

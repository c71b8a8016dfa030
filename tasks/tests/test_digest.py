"""Staff reminders: the daily digest (exactly once per person and day) and the e-mail on assignment,
both through the outbox (tasks.digest, tasks.mail)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from communications.models import MessageRecipient, OutboxMessage
from core.roles import Role
from customers.tests.factories import make_customer
from tasks import digest as digest_module
from tasks.digest import task_digests_send
from tasks.models import FollowUpTask, TaskDigest, TaskPreferences
from tasks.services import task_assign, task_create, task_open_for_cause, task_transition
from tasks.tasks import send_digests

from .conftest import T0, person

pytestmark = pytest.mark.django_db

DAY = T0.date()


def task_for(user, *, due, title="Anrufen", **extra):
    """A task about nothing in particular (so several may be open), as a rule opens it."""
    from django.contrib.auth.models import Group

    about = Group.objects.create(name=f"about {Group.objects.count()}")
    task, _ = task_open_for_cause(
        kind="call_customer",
        title=title,
        rule="tests.rule",
        assignee=user,
        due_date=due,
        as_of=T0,
        about=about,
        **extra,
    )
    return task


@pytest.fixture
def anna(django_user_model):
    return person(django_user_model, "anna", first_name="Anna", last_name="Berg")


def digests() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template="task_digest").order_by("pk"))


# --- The digest -------------------------------------------------------------------------------------


def test_the_digest_lists_overdue_and_due_tasks_and_leaves_out_later_and_closed_ones(anna):
    task_for(anna, due=DAY - timedelta(days=2), title="Mahnung prüfen")
    task_for(anna, due=DAY, title="Kunde Müller anrufen", customer=make_customer(legal_name="Müller GmbH"))
    task_for(anna, due=DAY + timedelta(days=1), title="Später")
    done = task_for(anna, due=DAY, title="Erledigt")
    task_transition(task=done, to_status=FollowUpTask.Status.DONE, as_of=T0)
    snoozed = task_for(anna, due=DAY - timedelta(days=5), title="Zurückgestellt")
    task_transition(
        task=snoozed, to_status=FollowUpTask.Status.WAITING, as_of=T0, waiting_until=DAY + timedelta(days=1)
    )

    assert task_digests_send(as_of=T0) == 1
    (message,) = digests()
    assert message.customer_id is None and message.language == "de"
    assert message.subject == "Ihre Aufgaben am 27.11.2026: 2 fällig oder überfällig"
    text = message.body_text
    assert "Hallo Anna Berg," in text
    assert text.index("Überfällig") < text.index("Mahnung prüfen") < text.index("Heute fällig")
    assert "Kunde Müller anrufen" in text and "Müller GmbH" in text and "fällig 25.11.2026" in text
    assert "Später" not in text and "Erledigt" not in text and "Zurückgestellt" not in text
    assert "/admin/tasks/followuptask/" in text
    recipient = MessageRecipient.objects.get(message=message, kind="to")
    assert (recipient.address, recipient.user_id) == ("anna@debitor.example", anna.pk)
    assert TaskDigest.objects.get(user=anna, day=DAY).message == message


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(anna):
    task_for(anna, due=DAY)
    assert task_digests_send(as_of=T0) == 1
    assert task_digests_send(as_of=T0 + timedelta(hours=3)) == 0
    assert len(digests()) == 1
    assert task_digests_send(as_of=T0 + timedelta(days=1)) == 1
    assert len(digests()) == 2


def test_the_beat_job_sends_todays_digest_once(anna):
    task_for(anna, due=DAY)
    with time_machine.travel(T0, tick=False):
        send_digests.apply()
        send_digests.apply()
    assert len(digests()) == 1


def test_people_who_switched_it_off_have_no_tasks_due_or_no_address_get_none(django_user_model, anna):
    off = person(django_user_model, "off")
    TaskPreferences.objects.create(user=off, daily_digest=False)
    task_for(off, due=DAY)
    nothing_due = person(django_user_model, "later")
    task_for(nothing_due, due=DAY + timedelta(days=3))
    no_address = person(django_user_model, "noaddress", email="")
    task_for(no_address, due=DAY)
    assert task_digests_send(as_of=T0) == 0
    assert not digests() and not TaskDigest.objects.exists()


def test_the_digest_is_written_in_the_language_the_person_chose(anna):
    TaskPreferences.objects.create(user=anna, language="en")
    task_for(anna, due=DAY - timedelta(days=1))
    task_digests_send(as_of=T0)
    (message,) = digests()
    assert message.language == "en"
    assert message.subject == "Your tasks on 27 Nov 2026: 1 due or overdue"
    assert "Overdue" in message.body_text


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_one_digest(django_user_model, monkeypatch):
    anna = person(django_user_model, "anna")
    task_for(anna, due=DAY)
    barrier = threading.Barrier(2)
    render = digest_module.digest_mail_render

    def render_then_wait(**kwargs):
        rendered = render(**kwargs)
        barrier.wait(10)  # both runs have decided to send; now both INSERT their guard row
        return rendered

    monkeypatch.setattr(digest_module, "digest_mail_render", render_then_wait)
    sent, errors = [], []

    def run():
        try:
            sent.append(task_digests_send(as_of=T0))
        except Exception as exc:  # noqa: BLE001 - a thread's failure is asserted below, not lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert sorted(sent) == [0, 1]
    assert TaskDigest.objects.count() == 1
    assert OutboxMessage.objects.filter(template="task_digest").count() == 1


# --- The e-mail on assignment ---------------------------------------------------------------------


def assigned_mails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template="task_assigned").order_by("pk"))


def test_someone_who_wants_it_gets_an_email_when_a_task_is_assigned_to_them(django_user_model, anna, manager):
    TaskPreferences.objects.create(user=anna, email_on_assignment=True)
    task = task_for(None, due=DAY, title="Zahlungszusage prüfen")
    task_assign(task=task, assignee=anna, as_of=T0, by=manager)
    (message,) = assigned_mails()
    assert message.subject == "Neue Aufgabe für Sie: Zahlungszusage prüfen"
    assert "manager hat Ihnen eine Aufgabe zugewiesen." in message.body_text
    assert MessageRecipient.objects.get(message=message, kind="to").user_id == anna.pk


def test_no_email_on_assignment_by_default_to_oneself_or_to_the_team_queue(anna):
    task = task_for(None, due=DAY)
    task_assign(task=task, assignee=anna, as_of=T0, by=None)  # no preferences: off by default
    TaskPreferences.objects.create(user=anna, email_on_assignment=True)
    task_assign(task=task, assignee=None, as_of=T0, by=anna)
    task_assign(task=task, assignee=anna, as_of=T0, by=anna)  # took it themselves
    assert assigned_mails() == []


def test_a_rule_that_assigns_a_task_sends_the_email_too(django_user_model):
    from core.followups import followup_open

    owner = person(django_user_model, "owner")
    TaskPreferences.objects.create(user=owner, email_on_assignment=True)
    task, _ = followup_open(
        kind="customer_reply",
        title="Antwort lesen",
        rule="tests.rule",
        about=make_customer(account_owner=owner),
        as_of=T0,
    )
    assert task.assignee == owner
    (message,) = assigned_mails()
    assert "Eine Regel hat Ihnen eine Aufgabe zugewiesen." in message.body_text


def test_a_person_opening_a_task_for_a_colleague_tells_them(django_user_model, anna, manager):
    TaskPreferences.objects.create(user=anna, email_on_assignment=True)
    task_create(kind="call_customer", title="Rückruf", as_of=T0, by=manager, assignee=anna)
    assert len(assigned_mails()) == 1


def test_viewers_cannot_be_given_tasks(django_user_model):
    from django.core.exceptions import ValidationError

    viewer = person(django_user_model, "viewer2", role=Role.FINANCE_VIEWER)
    task = task_for(None, due=DAY)
    with pytest.raises(ValidationError) as refused:
        task_assign(task=task, assignee=viewer, as_of=T0)
    assert "assignee" in refused.value.message_dict


def test_an_address_the_outbox_refuses_does_not_undo_the_assignment(django_user_model):
    from core.followups import followup_open

    owner = person(django_user_model, "owner", email="not an address")
    TaskPreferences.objects.create(user=owner, email_on_assignment=True)
    task, created = followup_open(
        kind="customer_reply",
        title="Antwort lesen",
        rule="tests.rule",
        about=make_customer(account_owner=owner),
        as_of=T0,
    )
    assert created and task.assignee == owner
    assert FollowUpTask.objects.filter(pk=task.pk).exists() and assigned_mails() == []

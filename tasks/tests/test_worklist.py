"""The collector's worklist (tasks/worklist/): who sees what, the filters and the order, the quick
actions (done, reassign, put aside, note) and a task's own page with its notes and history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import translation

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice
from tasks.models import FollowUpTask, TaskNote
from tasks.services import task_note_add, task_snooze, task_transition
from tests.conftest import make_user

from .worklist_builders import NEXT_WEEK, TODAY, YESTERDAY, browser, make_task

pytestmark = pytest.mark.django_db

MINE = "/admin/tasks/followuptask/mine/"
TEAM = "/admin/tasks/followuptask/team/"


def act_url(task) -> str:
    return f"/admin/tasks/followuptask/{task.pk}/act/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


def shown(response) -> list[int]:
    return [row.task.pk for row in response.context["rows"]]


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who sees what ------------------------------------------------------------------------------


def test_my_tasks_lists_my_tasks_to_do_overdue_first_then_by_due_date_and_priority(accountant, manager):
    later_urgent = make_task(assignee=accountant, due=NEXT_WEEK, priority=FollowUpTask.Priority.URGENT)
    soon_low = make_task(assignee=accountant, due=TODAY + timedelta(days=1), priority=FollowUpTask.Priority.LOW)
    soon_high = make_task(assignee=accountant, due=TODAY + timedelta(days=1), priority=FollowUpTask.Priority.HIGH)
    overdue = make_task(assignee=accountant, due=YESTERDAY, priority=FollowUpTask.Priority.LOW)
    undated = make_task(assignee=accountant)
    make_task(assignee=manager, due=YESTERDAY)  # someone else's
    make_task(due=YESTERDAY)  # the team queue's
    snoozed = make_task(assignee=accountant, due=YESTERDAY)
    task_snooze(task=snoozed, until=NEXT_WEEK, as_of=T0)
    done = make_task(assignee=accountant, due=YESTERDAY)
    task_transition(task=done, to_status=FollowUpTask.Status.DONE, as_of=T0)

    response = browser(accountant).get(MINE)

    assert response.status_code == 200
    assert shown(response) == [overdue.pk, soon_high.pk, soon_low.pk, later_urgent.pk, undated.pk]


def test_sorted_by_priority_overdue_tasks_still_come_first(accountant):
    low_overdue = make_task(assignee=accountant, due=YESTERDAY, priority=FollowUpTask.Priority.LOW)
    urgent_later = make_task(assignee=accountant, due=NEXT_WEEK, priority=FollowUpTask.Priority.URGENT)
    normal_soon = make_task(assignee=accountant, due=TODAY, priority=FollowUpTask.Priority.NORMAL)

    response = browser(accountant).get(MINE, {"sort": "priority"})

    assert shown(response) == [low_overdue.pk, urgent_later.pk, normal_soon.pk]


def test_the_team_queue_lists_the_tasks_nobody_has_yet(accountant, manager):
    nobodys = make_task(due=TODAY)
    make_task(assignee=manager)
    response = browser(accountant).get(MINE, {"queue": "1"})
    assert shown(response) == [nobodys.pk]
    assert response.context["title"] == "Team-Warteschlange"


def test_only_finance_managers_see_the_team_view_with_everyones_tasks(viewer, accountant, manager):
    mine = make_task(assignee=manager, due=YESTERDAY)
    theirs = make_task(assignee=accountant, due=TODAY)
    nobodys = make_task(due=NEXT_WEEK)

    assert browser(viewer).get(TEAM).status_code == 403
    assert browser(accountant).get(TEAM).status_code == 403
    response = browser(manager).get(TEAM)

    assert response.status_code == 200
    assert shown(response) == [mine.pk, theirs.pk, nobodys.pk]
    load = {
        (entry.user.username if entry.user else None): (entry.to_do, entry.overdue)
        for entry in response.context["load"]
    }
    assert load == {None: (1, 0), "accountant": (1, 0), "manager": (1, 1)}
    assert shown(browser(manager).get(TEAM, {"assignee": "queue"})) == [nobodys.pk]
    assert shown(browser(manager).get(TEAM, {"assignee": str(accountant.pk)})) == [theirs.pk]


def test_the_filters_narrow_the_list_to_overdue_kind_customer_and_status(accountant, invoicing_setup):  # noqa: F811
    nordlicht, other = make_customer(legal_name="Nordlicht Software AG"), make_customer(legal_name="Other GmbH")
    overdue = make_task(assignee=accountant, due=YESTERDAY, kind="customer_reply", customer=nordlicht)
    later = make_task(assignee=accountant, due=NEXT_WEEK, kind="email_bounced", customer=other)
    waiting = make_task(assignee=accountant, due=NEXT_WEEK, kind="check_promise", customer=nordlicht)
    task_snooze(task=waiting, until=NEXT_WEEK, as_of=T0)
    client = browser(accountant)

    assert shown(client.get(MINE, {"overdue": "on"})) == [overdue.pk]
    assert shown(client.get(MINE, {"kind": "email_bounced"})) == [later.pk]
    assert shown(client.get(MINE, {"customer": str(nordlicht.pk)})) == [overdue.pk]
    assert shown(client.get(MINE, {"status": "waiting"})) == [waiting.pk]
    assert shown(client.get(MINE, {"status": "waiting", "customer": str(other.pk)})) == []
    # The kind filter offers kinds in words, never their codes.
    page = client.get(MINE).content.decode()
    assert '<option value="email_bounced">E-Mail unzustellbar</option>' in page


def test_bad_filter_input_is_named_and_the_rest_of_the_filters_still_apply(accountant):
    overdue = make_task(assignee=accountant, due=YESTERDAY)
    make_task(assignee=accountant, due=NEXT_WEEK)

    response = browser(accountant).get(MINE, {"customer": "not-a-number", "overdue": "on", "status": "lost"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"customer", "status"}
    assert shown(response) == [overdue.pk]
    page = response.content.decode()
    assert "Kunde: " in page and "Status: " in page


def test_each_row_reads_as_finance_staff_read_it(accountant, invoicing_setup):  # noqa: F811
    customer = make_customer(legal_name="Nordlicht Software AG")
    invoice = make_invoice(customer=customer)
    task = make_task(
        assignee=accountant,
        due=YESTERDAY,
        kind="customer_reply",
        title="Answer the reply",
        about=invoice,
        priority=FollowUpTask.Priority.HIGH,
    )
    task_note_add(task=task, text="First try, nobody answered.", as_of=T0 - timedelta(hours=2), by=accountant)
    task_note_add(task=task, text="Left a message on the mailbox.", as_of=T0 - timedelta(hours=1), by=accountant)

    page = browser(accountant).get(MINE).content.decode()

    assert "Antwort des Kunden" in page  # the kind in words
    assert "26.11.2026" in page  # the due date for a German reader
    assert "hoch" in page and "offen" in page  # priority and status as words
    assert f'href="/admin/customers/customer/{customer.pk}/change/"' in page
    assert f'href="/admin/invoicing/invoice/{invoice.pk}/change/"' in page and invoice.number in page
    assert "Left a message on the mailbox." in page and "First try" not in page  # the last note only
    assert f'id="task-{task.pk}"' in page


def test_english_readers_read_english(accountant):
    make_task(assignee=accountant, due=YESTERDAY, priority=FollowUpTask.Priority.URGENT)
    with translation.override("en"):
        page = browser(accountant).get(MINE, headers={"accept-language": "en"}).content.decode()
    assert "My tasks" in page and "urgent" in page and "26 Nov 2026" in page


# --- Viewers read only ------------------------------------------------------------------------


def test_a_viewer_sees_the_list_without_actions_and_every_action_post_is_refused(viewer, accountant):
    task = make_task(assignee=viewer, due=YESTERDAY)
    client = browser(viewer)

    response = client.get(MINE)
    assert shown(response) == [task.pk]
    assert not response.context["may_act"]
    page = response.content.decode()
    assert act_url(task) not in page and 'name="action"' not in page
    assert act_url(task) not in client.get(f"/admin/tasks/followuptask/{task.pk}/change/").content.decode()

    for data in (
        {"action": "done"},
        {"action": "assign", "assignee": str(accountant.pk)},
        {"action": "snooze", "until": NEXT_WEEK.isoformat()},
        {"action": "note", "text": "Viewer was here"},
    ):
        assert client.post(act_url(task), data).status_code == 403, data
    task.refresh_from_db()
    assert (task.status, task.assignee_id, task.notes.count()) == (FollowUpTask.Status.OPEN, viewer.pk, 0)


def test_the_worklists_never_take_a_write(accountant):
    client = browser(accountant)
    assert client.post(MINE).status_code == 405
    assert client.get(act_url(make_task(assignee=accountant))).status_code == 405


# --- Quick actions ------------------------------------------------------------------------------


def test_done_with_a_resolution_closes_the_task_and_comes_back_to_the_filtered_list(accountant):
    task = make_task(assignee=accountant, due=YESTERDAY)
    here = f"{MINE}?overdue=on&sort=priority"

    response = browser(accountant).post(
        act_url(task), {"action": "done", "resolution": "Customer paid by phone.", "next": here}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{here}#task-{task.pk}"
    task.refresh_from_db()
    assert (task.status, task.resolution, task.closed_at) == (FollowUpTask.Status.DONE, "Customer paid by phone.", T0)
    assert task.history.latest().history_user == accountant
    assert said(response) == [f"„{task.title}“ ist erledigt."]


def test_done_twice_says_why_not(accountant):
    task = make_task(assignee=accountant)
    client = browser(accountant)
    client.post(act_url(task), {"action": "done"})
    response = client.post(act_url(task), {"action": "done"})
    assert any("bereits erledigt" in text for text in said(response)), said(response)


def test_reassign_to_a_colleague_and_to_the_team_queue(accountant, manager):
    task = make_task(assignee=accountant)
    client = browser(accountant)

    response = client.post(act_url(task), {"action": "assign", "assignee": str(manager.pk)})
    task.refresh_from_db()
    assert task.assignee == manager
    assert said(response) == [f"„{task.title}“ ist jetzt manager zugewiesen."]

    response = client.post(act_url(task), {"action": "assign", "assignee": ""})
    task.refresh_from_db()
    assert task.assignee is None
    assert task.history.latest().history_user == accountant


def test_a_task_cannot_be_given_to_someone_without_a_finance_role_that_works_on_tasks(
    accountant, viewer, django_user_model
):
    stranger = make_user(django_user_model, "stranger", None)
    task = make_task(assignee=accountant)
    client = browser(accountant)
    for who in (viewer, stranger):
        response = client.post(act_url(task), {"action": "assign", "assignee": str(who.pk)})
        assert response.status_code == 302
        assert any(text.startswith(f"{task.title}: Übergeben an: ") for text in said(response)), said(response)
    task.refresh_from_db()
    assert task.assignee == accountant


def test_take_a_task_from_the_team_queue(accountant):
    task = make_task(due=TODAY)
    client = browser(accountant)
    page = client.get(MINE, {"queue": "1"}).content.decode()
    assert 'data-action="take"' in page
    client.post(act_url(task), {"action": "assign", "assignee": str(accountant.pk), "next": f"{MINE}?queue=1"})
    task.refresh_from_db()
    assert task.assignee == accountant


def test_snooze_puts_the_task_aside_until_a_later_day_with_a_note(accountant):
    task = make_task(assignee=accountant, due=YESTERDAY)
    client = browser(accountant)

    response = client.post(
        act_url(task), {"action": "snooze", "until": NEXT_WEEK.isoformat(), "note": "Customer on holiday"}
    )

    task.refresh_from_db()
    assert (task.status, task.waiting_until) == (FollowUpTask.Status.WAITING, NEXT_WEEK)
    assert list(task.notes.values_list("text", "author")) == [("Customer on holiday", accountant.pk)]
    assert said(response) == [f"„{task.title}“ ist zurückgestellt bis 04.12.2026."]
    assert shown(client.get(MINE)) == []  # out of the way until then


@pytest.mark.parametrize("until", [TODAY.isoformat(), YESTERDAY.isoformat(), "", "next tuesday"])
def test_snooze_needs_a_day_after_today_and_says_so(accountant, until):
    task = make_task(assignee=accountant)
    response = browser(accountant).post(act_url(task), {"action": "snooze", "until": until})
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.OPEN
    messages = said(response)
    assert len(messages) == 1 and messages[0].startswith(f"{task.title}: Zurückstellen bis: "), messages


def test_a_note_is_added_and_shown_as_the_last_note(accountant):
    task = make_task(assignee=accountant)
    client = browser(accountant)
    response = client.post(act_url(task), {"action": "note", "text": "  Promised to pay on Monday.  "})
    assert said(response) == [f"Hinweis zu „{task.title}“ hinzugefügt."]
    note = TaskNote.objects.get(task=task)
    assert (note.text, note.author, note.created_at) == ("Promised to pay on Monday.", accountant, T0)
    assert "Promised to pay on Monday." in client.get(MINE).content.decode()


def test_an_empty_note_or_an_unknown_action_saves_nothing(accountant):
    task = make_task(assignee=accountant)
    client = browser(accountant)
    response = client.post(act_url(task), {"action": "note", "text": "   "})
    assert said(response) == [f"{task.title}: Hinweis: Dieses Feld ist zwingend erforderlich."]
    response = browser(accountant).post(act_url(task), {"action": "delete"})
    assert said(response) == ["Unbekannte Aktion."]
    assert not TaskNote.objects.exists()


def test_a_foreign_next_address_is_ignored(accountant):
    task = make_task(assignee=accountant)
    response = browser(accountant).post(act_url(task), {"action": "note", "text": "x", "next": "https://evil.example/"})
    assert response["Location"] == f"{MINE}#task-{task.pk}"


# --- A task's own page ----------------------------------------------------------------------------


def test_the_task_page_shows_notes_history_and_the_quick_actions(accountant, manager):
    task = make_task(assignee=accountant, due=YESTERDAY, kind="customer_reply")
    client = browser(accountant)
    client.post(act_url(task), {"action": "note", "text": "Called, no answer."})
    client.post(act_url(task), {"action": "assign", "assignee": str(manager.pk)})
    client.post(act_url(task), {"action": "snooze", "until": NEXT_WEEK.isoformat()})

    response = client.get(f"/admin/tasks/followuptask/{task.pk}/change/")

    assert response.status_code == 200
    assert [note.text for note in response.context["task_notes"]] == ["Called, no answer."]
    history = response.context["task_history"]
    assert [entry.actor for entry in history] == ["accountant", "accountant", None]
    assert [(str(c.field), str(c.before), str(c.after)) for c in history[0].changes] == [
        ("Status", "offen", "wartet"),
        ("Wartet bis", "—", "04.12.2026"),
    ]
    assert [(str(c.field), str(c.before), str(c.after)) for c in history[1].changes] == [
        ("Zuständig", "accountant", "manager")
    ]
    assert history[-1].created and history[-1].rule == "test"
    page = response.content.decode()
    assert "Called, no answer." in page and "Regel „test“" in page and "manager" in page
    assert act_url(task) in page and 'data-action="note"' in page


def test_the_worklists_and_the_task_page_read_as_german(accountant, manager, invoicing_setup):  # noqa: F811
    from tests.support.page_reading import page_text_problems, visible_text

    customer = make_customer(legal_name="Nordlicht Software AG")
    task = make_task(assignee=accountant, due=YESTERDAY, kind="customer_reply", about=make_invoice(customer=customer))
    make_task(due=NEXT_WEEK, customer=customer)
    client = browser(accountant)
    client.post(act_url(task), {"action": "note", "text": "Kunde ruft zurück."})
    client.post(act_url(task), {"action": "snooze", "until": NEXT_WEEK.isoformat()})
    pages = {
        "mine": client.get(MINE, {"status": "waiting"}),
        "queue": client.get(MINE, {"queue": "1"}),
        "task": client.get(f"/admin/tasks/followuptask/{task.pk}/change/"),
        "team": browser(manager).get(TEAM, {"status": "waiting"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert page_text_problems(visible_text(response.content.decode())) == [], name
    assert "überfällig" in visible_text(pages["mine"].content.decode())


def test_the_team_view_filters_by_anyone_holding_tasks_also_without_a_working_role(manager, viewer):
    held = make_task(assignee=viewer, due=TODAY)
    response = browser(manager).get(TEAM, {"assignee": str(viewer.pk)})
    assert not response.context["form"].errors
    assert shown(response) == [held.pk]

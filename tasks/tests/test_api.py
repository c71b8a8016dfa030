"""The tasks API: open by hand, assign, snooze, notes, transitions, filters, rules; viewers read only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.followups import followup_open
from customers.tests.factories import make_customer
from tasks.models import FollowUpTask, TaskNote, TaskRule
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def customer():
    return make_customer()


def create(client, **body):
    return client.post("/api/v1/tasks/", body, format="json")


def problem_fields(response) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


# --- Opening a task by hand ---------------------------------------------------------------------------


def test_an_accountant_opens_a_task_for_a_colleague_about_a_customer(accountant, manager, customer):
    response = create(
        client_for(accountant),
        kind="call_customer",
        title="  Zahlungsziel besprechen ",
        customer=customer.pk,
        about_type="customers.customer",
        about_id=str(customer.pk),
        due_date=str(today() + timedelta(days=2)),
        priority=FollowUpTask.Priority.HIGH,
        assignee="manager",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/tasks/{body['id']}/")
    assert body["title"] == "Zahlungsziel besprechen"
    assert (body["kind"], body["kind_label"], body["status_label"]) == ("call_customer", "Kunden anrufen", "offen")
    assert (body["assignee"], body["created_by"], body["created_by_rule"]) == ("manager", "accountant", "")
    assert (body["about_type"], body["customer"], body["priority_label"]) == ("customers.customer", customer.pk, "hoch")


def test_bad_input_is_refused_naming_each_field_and_saves_nothing(accountant, viewer, customer):
    response = create(
        client_for(accountant),
        kind="dance",
        title=" ",
        priority=99,
        assignee="nobody-here",
        customer=customer.pk,
    )
    assert response.status_code == 400
    assert {"title", "priority", "assignee"} <= problem_fields(response)
    response = create(client_for(accountant), kind="dance", title="x")
    assert response.status_code == 400 and problem_fields(response) == {"kind"}
    response = create(client_for(accountant), kind="other", title="x", assignee="viewer")
    assert response.status_code == 400 and problem_fields(response) == {"assignee"}
    response = create(client_for(accountant), kind="other", title="x", about_type="auth.group", about_id="1")
    assert response.status_code == 400 and problem_fields(response) == {"about_type"}
    response = create(client_for(accountant), kind="other", title="x", about_type="customers.customer", about_id="0")
    assert response.status_code == 400 and problem_fields(response) == {"about_id"}
    assert not FollowUpTask.objects.exists()


def test_a_second_open_task_of_a_kind_about_the_same_object_is_a_conflict(accountant, customer):
    body = {"kind": "dispute", "title": "Reklamation", "about_type": "customers.customer", "about_id": str(customer.pk)}
    assert create(client_for(accountant), **body).status_code == 201
    response = create(client_for(accountant), **body)
    assert response.status_code == 409
    assert response.json()["type"].endswith("task-already-open")
    assert FollowUpTask.objects.count() == 1


def test_tasks_about_nothing_in_particular_may_be_many(accountant):
    for _ in range(2):
        assert create(client_for(accountant), kind="other", title="Ablage").status_code == 201
    assert FollowUpTask.objects.count() == 2


# --- Working on a task ----------------------------------------------------------------------------------


@pytest.fixture
def task(accountant, customer):
    task, _ = followup_open(
        kind="customer_reply", title="Antwort lesen", rule="tests.rule", about=customer, as_of=timezone.now()
    )
    return task


def test_assign_snooze_note_and_wake_through_the_api(accountant, manager, task):
    client = client_for(accountant)
    response = client.post(f"/api/v1/tasks/{task.pk}/assign/", {"assignee": "manager"}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == "manager"
    until = today() + timedelta(days=5)
    response = client.post(
        f"/api/v1/tasks/{task.pk}/snooze/", {"waiting_until": str(until), "note": "Kunde im Urlaub"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["waiting_until"]) == ("waiting", str(until))
    response = client.post(f"/api/v1/tasks/{task.pk}/notes/", {"text": "Rückruf vereinbart"}, format="json")
    assert response.status_code == 201 and response.json()["author"] == "accountant"
    notes = client.get(f"/api/v1/tasks/{task.pk}/notes/").json()["results"]
    assert [note["text"] for note in notes] == ["Kunde im Urlaub", "Rückruf vereinbart"]
    response = client.post(f"/api/v1/tasks/{task.pk}/assign/", {"assignee": ""}, format="json")
    assert response.json()["assignee"] is None


def test_a_transition_to_waiting_needs_its_day_and_a_closed_task_cannot_be_reassigned(accountant, task):
    client = client_for(accountant)
    response = client.post(f"/api/v1/tasks/{task.pk}/transition/", {"status": "waiting"}, format="json")
    assert response.status_code == 400 and problem_fields(response) == {"waiting_until"}
    until = str(today() + timedelta(days=1))
    response = client.post(
        f"/api/v1/tasks/{task.pk}/transition/", {"status": "waiting", "waiting_until": until}, format="json"
    )
    assert response.status_code == 200 and response.json()["waiting_until"] == until
    client.post(f"/api/v1/tasks/{task.pk}/transition/", {"status": "done", "resolution": "erledigt"}, format="json")
    response = client.post(f"/api/v1/tasks/{task.pk}/assign/", {"assignee": "accountant"}, format="json")
    assert response.status_code == 409
    response = client.post(f"/api/v1/tasks/{task.pk}/snooze/", {"waiting_until": until}, format="json")
    assert response.status_code == 409


def test_an_empty_note_is_refused(accountant, task):
    response = client_for(accountant).post(f"/api/v1/tasks/{task.pk}/notes/", {"text": "  "}, format="json")
    assert response.status_code == 400 and problem_fields(response) == {"text"}
    assert not TaskNote.objects.exists()


def test_a_viewer_reads_tasks_and_notes_but_changes_nothing(viewer, task):
    client = client_for(viewer)
    assert client.get("/api/v1/tasks/").status_code == 200
    assert client.get(f"/api/v1/tasks/{task.pk}/notes/").status_code == 200
    until = str(today() + timedelta(days=2))
    for path, body in [
        ("/api/v1/tasks/", {"kind": "other", "title": "x"}),
        (f"/api/v1/tasks/{task.pk}/assign/", {"assignee": ""}),
        (f"/api/v1/tasks/{task.pk}/snooze/", {"waiting_until": until}),
        (f"/api/v1/tasks/{task.pk}/notes/", {"text": "x"}),
    ]:
        assert client.post(path, body, format="json").status_code == 403, path
    assert FollowUpTask.objects.count() == 1 and not TaskNote.objects.exists()


# --- Lists and filters ----------------------------------------------------------------------------------


@pytest.fixture
def worklist(accountant, manager, customer):
    """Tasks of two people and the team queue, overdue and not."""
    from tasks.services import task_create

    other = make_customer(legal_name="Andere GmbH")

    def make(kind, title, days, assignee=None, on=None):
        due = today() + timedelta(days=days)
        return task_create(
            kind=kind, title=title, customer=on, due_date=due, assignee=assignee, as_of=timezone.now(), by=manager
        )

    made = {
        "mine_overdue": make("call_customer", "a", -1, accountant, customer),
        "mine_later": make("other", "b", 1, accountant, other),
        "theirs_overdue": make("other", "c", -3, manager, customer),
        "nobodys": make("dispute", "d", 0),
    }
    return made


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_filters_overdue_kind_customer_and_assignee(accountant, customer, worklist):
    client = client_for(accountant)
    w = {name: task.pk for name, task in worklist.items()}
    assert ids(client.get("/api/v1/tasks/?assignee=me")) == {w["mine_overdue"], w["mine_later"]}
    assert ids(client.get("/api/v1/tasks/?assignee=nobody")) == {w["nobodys"]}
    assert ids(client.get("/api/v1/tasks/?overdue=true")) == {w["mine_overdue"], w["theirs_overdue"]}
    assert ids(client.get("/api/v1/tasks/?overdue=true&assignee=me")) == {w["mine_overdue"]}
    assert ids(client.get("/api/v1/tasks/?kind=other")) == {w["mine_later"], w["theirs_overdue"]}
    assert ids(client.get(f"/api/v1/tasks/?customer={customer.pk}")) == {w["mine_overdue"], w["theirs_overdue"]}
    response = client.get("/api/v1/tasks/?assignee=someone")
    assert response.status_code == 400 and problem_fields(response) == {"assignee"}


def test_the_list_costs_the_same_queries_however_many_tasks(accountant, worklist, django_assert_num_queries):
    from tasks.services import task_create

    client = client_for(accountant)
    client.get("/api/v1/tasks/")  # warm caches (content types, the user's role)
    with django_assert_num_queries(2):  # the count, the page (with assignee, creator, content type)
        client.get("/api/v1/tasks/")
    for n in range(10):
        task_create(kind="other", title=f"more {n}", as_of=timezone.now(), by=accountant, assignee=accountant)
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/tasks/").json()["results"]) == 14


# --- Rules ----------------------------------------------------------------------------------------------


def test_everyone_reads_the_rules_in_words(viewer):
    response = client_for(viewer).get("/api/v1/task-rules/?page_size=200")
    assert response.status_code == 200
    rows = {row["kind"]: row for row in response.json()["results"]}
    assert rows["email_bounced"]["name"] == "Regel „E-Mail unzustellbar“"
    assert rows["dispute"]["assignee_strategy"] == "account_owner"
    assert rows["dispute"]["assignee_strategy_label"] not in ("", "account_owner")


def test_only_a_finance_manager_changes_a_rule(accountant, manager):
    TaskRule.objects.create(kind="email_bounced")
    body = {"enabled": False, "due_in_days": 2, "priority": None, "assignee_strategy": "team_queue"}
    assert client_for(accountant).patch("/api/v1/task-rules/email_bounced/", body, format="json").status_code == 403
    response = client_for(manager).patch("/api/v1/task-rules/email_bounced/", body, format="json")
    assert response.status_code == 200, response.json()
    rule = TaskRule.objects.get(kind="email_bounced")
    assert (rule.enabled, rule.due_in_days, rule.priority, rule.assignee_strategy) == (False, 2, None, "team_queue")
    assert rule.history.latest().history_user == manager
    response = client_for(manager).patch("/api/v1/task-rules/email_bounced/", {"due_in_days": 999}, format="json")
    assert response.status_code == 400 and problem_fields(response) == {"due_in_days"}

"""The worklist reads a constant number of queries however many tasks it shows: the linked objects
(invoice, payment, bank line, e-mail) are read once per content type, the last notes once per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics.tests.test_home import message as outbox_message
from communications.models import MessageStatus
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, make_payment
from payments.tests.test_bank_review import bank_line
from tasks.services import task_note_add
from tasks.worklist.selectors import MINE, TEAM, WorklistFilters, worklist_rows, worklist_tasks

from .worklist_builders import TODAY, browser, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(invoicing_setup):  # noqa: F811
    """One object of each kind a task links to, and their customer."""
    customer = make_customer(legal_name="Nordlicht Software AG")
    message = outbox_message(customer, to=MessageStatus.SENDING, at=T0)
    objects = [
        make_invoice(customer=customer),
        make_payment(customer=customer, amount="50.00"),
        bank_line(amount="12.00"),
        message,
    ]
    return customer, objects


def tasks_for(user, customer, objects, *, count: int) -> None:
    """``count`` tasks of ``user``, each about one of ``objects`` in turn, each with two notes."""
    with transaction.atomic():
        for n in range(count):
            task = make_task(
                assignee=user, customer=customer, about=objects[n % len(objects)], due=TODAY - timedelta(days=n % 3)
            )
            task_note_add(task=task, text=f"first note {n}", as_of=T0, by=user)
            task_note_add(task=task, text=f"last note {n}", as_of=T0 + timedelta(minutes=1), by=user)


def page_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


@pytest.mark.parametrize("scope, role, url", [(MINE, "accountant", "mine/"), (TEAM, "manager", "team/")])
def test_the_worklist_page_reads_as_many_queries_for_50_tasks_as_for_10(scope, role, url, linked, request):
    user = request.getfixturevalue(role)
    customer, objects = linked
    client = browser(user)
    url = f"/admin/tasks/followuptask/{url}"
    with time_machine.travel(T0, tick=False):
        tasks_for(user, customer, objects, count=10)
        client.get(url)  # caches warmed (content types, permissions), as on every later page
        ten, rows = page_queries(client, url)
        assert rows == 10
        tasks_for(user, customer, objects, count=40)
        fifty, rows = page_queries(client, url)
        assert rows == 50
    assert fifty == ten


def test_the_rows_read_the_notes_once_and_each_content_type_once(accountant, linked, django_assert_num_queries):
    customer, objects = linked
    tasks_for(accountant, customer, objects, count=12)
    tasks = worklist_tasks(scope=MINE, user_id=accountant.pk, today=TODAY, filters=WorklistFilters())
    accountant.has_perm("tasks.view_followuptask")  # the user's permissions, read once per request
    # The tasks with customer, assignee and content type; the last notes; one per content type (4).
    with django_assert_num_queries(1 + 1 + 4):
        rows = worklist_rows(list(tasks), user=accountant)
    assert len(rows) == 12
    assert {row.last_note.text for row in rows} == {f"last note {n}" for n in range(12)}
    assert {row.about.url.split("/")[3] for row in rows} == {"invoice", "payment", "bankstatementline", "outboxmessage"}
    assert all(row.last_note.author == accountant for row in rows)

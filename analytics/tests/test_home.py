"""The finance home: the numbers of what the logged-in user has to do today, each a link to the
list filtered to exactly those rows, read in a fixed number of queries whatever the data's size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import translation

from analytics.home import finance_home
from communications.models import MessageStatus
from communications.services.outbox import message_queue
from communications.services.transitions import message_transition
from customers.tests.factories import make_customer
from invoicing.tests.factories import BERLIN, T0, invoicing_setup, make_terms  # noqa: F401
from payments.bank.matching import line_match
from payments.tests.factories import make_invoice, make_payment
from payments.tests.test_bank_review import bank_line
from tasks.models import FollowUpTask
from tasks.services import task_open_for_cause, task_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

_numbers = count(1)
TODAY = T0.date()  # Friday, 27.11.2026
MONDAY = TODAY - timedelta(days=4)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def task(n: int, *, assignee, due, customer=None):
    made, _ = task_open_for_cause(
        kind=f"call_{n}",
        title=f"Call back {n}",
        as_of=T0,
        rule="test",
        assignee=assignee,
        due_date=due,
        customer=customer,
    )
    return made


def message(customer, *, to: str, at: datetime):
    queued = message_queue(
        customer=customer,
        template="invoice",
        language="de",
        subject="Ihre Rechnung",
        body_text="Guten Tag",
        to=[{"name": "Anna", "email": "anna@example.com"}],
        cause="test",
        as_of=at,
    )
    with transaction.atomic():
        message_transition(message=queued, to=MessageStatus.SENDING, at=at, update_fields=["sending_at"])
        if to == MessageStatus.FAILED:
            message_transition(message=queued, to=MessageStatus.FAILED, at=at)
    return queued


def to_review(customer, *, terms):
    """A line naming an invoice's number without its dashes: matching leaves it to a person."""
    invoice = make_invoice(customer=customer, gross="119.00", terms=terms, as_of=T0 - timedelta(days=40))
    line = bank_line(amount="119.00", remittance=f"Zahlung {invoice.number.replace('-', '')}")
    line_match(line=line, as_of=T0)
    line.refresh_from_db()
    assert line.match_status == "review"


def world(accountant, manager, *, size: int = 1):
    """``size`` of everything the home counts, and as much that it must not count."""
    customer = make_customer(legal_name="Nordlicht Software AG")
    thirty, sixty = make_terms(days=30), make_terms(days=60)
    for _ in range(size):
        n = next(_numbers)
        task(n, assignee=accountant, due=TODAY - timedelta(days=1))  # mine, overdue
        task(100 + n, assignee=accountant, due=TODAY + timedelta(days=3))  # mine, open
        task(200 + n, assignee=manager, due=TODAY - timedelta(days=1))  # someone else's
        make_invoice(customer=customer, gross="119.00", terms=thirty, as_of=T0 - timedelta(days=40))  # overdue
        make_invoice(customer=customer, gross="238.00", terms=sixty, as_of=T0 - timedelta(days=40))  # not due yet
        make_payment(customer=customer, amount="50.00", value_date=TODAY)
        make_payment(customer=customer, amount="20.00", value_date=MONDAY)
        make_payment(customer=customer, amount="7.00", value_date=MONDAY - timedelta(days=1))  # last week
        to_review(customer, terms=sixty)
        message(customer, to=MessageStatus.FAILED, at=T0)
        message(customer, to=MessageStatus.SENDING, at=T0 - timedelta(hours=1))  # stuck
        message(customer, to=MessageStatus.SENDING, at=T0 - timedelta(minutes=1))  # still sending
    return customer


def test_the_home_counts_what_the_user_has_to_look_at_today(accountant, manager):
    world(accountant, manager, size=2)

    home = finance_home(user_id=accountant.pk, as_of=T0)

    assert (home.today, home.week_start) == (TODAY, MONDAY)
    assert home.my_tasks_open.count == 4
    assert home.my_tasks_overdue.count == 2
    assert home.lines_to_review.count == 2
    assert (home.messages_failed.count, home.messages_stuck.count) == (2, 2)
    assert [(f.currency, f.count, f.amount) for f in home.overdue] == [("EUR", 2, Decimal("238.00"))]
    assert [(f.currency, f.count, f.amount) for f in home.paid_today] == [("EUR", 2, Decimal("100.00"))]
    assert [(f.currency, f.count, f.amount) for f in home.paid_this_week] == [("EUR", 4, Decimal("140.00"))]
    # Issued today, documents not rendered yet (no worker in this test): being created.
    assert home.documents_pending.count >= 4
    assert home.e_invoices_invalid.count == 0


def test_each_number_links_to_a_list_showing_exactly_those_rows(accountant, manager):
    world(accountant, manager, size=2)
    home = finance_home(user_id=accountant.pk, as_of=T0)
    client = browser(accountant)

    figures = [
        home.my_tasks_open,
        home.my_tasks_overdue,
        home.messages_failed,
        home.messages_stuck,
        home.documents_pending,
        home.e_invoices_invalid,
        *home.overdue,
        *home.paid_today,
        *home.paid_this_week,
    ]
    with time_machine.travel(T0, tick=False):
        for figure in figures:
            response = client.get(figure.url)
            assert response.status_code == 200, figure
            # The user's tasks link to the worklist "My tasks", everything else to a change list.
            found = response.context["page"].paginator.count if "rows" in response.context else None
            assert (found if found is not None else response.context["cl"].result_count) == figure.count, figure
        queue = client.get(home.lines_to_review.url)
    assert queue.status_code == 200
    assert len(queue.context["entries"]) == home.lines_to_review.count


def test_the_home_reads_three_queries_for_any_amount_of_data(accountant, manager, django_assert_num_queries):
    world(accountant, manager, size=1)
    with django_assert_num_queries(3):
        small = finance_home(user_id=accountant.pk, as_of=T0)
    world(accountant, manager, size=4)
    with django_assert_num_queries(3):
        large = finance_home(user_id=accountant.pk, as_of=T0)
    assert (small.my_tasks_open.count, large.my_tasks_open.count) == (2, 10)


def test_today_and_this_week_are_the_dates_in_berlin_not_in_utc(accountant):
    customer = make_customer()
    make_payment(customer=customer, amount="10.00", value_date=TODAY + timedelta(days=1))
    # 23:30 UTC on Friday is already Saturday, 00:30, in Berlin.
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)

    home = finance_home(user_id=accountant.pk, as_of=late)

    assert home.today == TODAY + timedelta(days=1)
    assert [f.amount for f in home.paid_today] == [Decimal("10.00")]
    # The next Monday starts a new week.
    next_week = finance_home(user_id=accountant.pk, as_of=T0 + timedelta(days=3))
    assert next_week.week_start == TODAY + timedelta(days=3)
    assert next_week.paid_this_week == []


def test_the_home_page_shows_the_numbers_worded_in_german_with_links(accountant, manager):
    world(accountant, manager, size=1)

    with time_machine.travel(T0, tick=False):
        page = browser(accountant).get("/admin/").content.decode()

    assert "Meine Aufgaben" in page
    assert "119,00\xa0€" in page  # the overdue amount through the one money formatter
    assert "27.11.2026" in page
    assert 'href="/admin/tasks/followuptask/mine/?overdue=on"' in page
    assert 'href="/admin/invoicing/invoice/?overdue=yes&amp;currency__exact=EUR"' in page


def test_the_home_page_speaks_english_for_english_readers(viewer):
    client = browser(viewer)
    with translation.override("en"), time_machine.travel(T0, tick=False):
        page = client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "My tasks" in page and "Payments received" in page


def test_tasks_marked_done_leave_the_home(accountant):
    open_task = task(1, assignee=accountant, due=TODAY - timedelta(days=2))
    assert finance_home(user_id=accountant.pk, as_of=T0).my_tasks_overdue.count == 1
    task_transition(task=open_task, to_status=FollowUpTask.Status.DONE, as_of=T0, by=accountant)
    assert finance_home(user_id=accountant.pk, as_of=T0).my_tasks_overdue.count == 0

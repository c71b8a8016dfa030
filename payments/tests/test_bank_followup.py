"""Unmatched bank credit lines become follow-up tasks after some days; deciding the line closes
the task (payments.bank.followup). The clock is moved with time-machine."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.utils import timezone, translation
from django_celery_beat.models import PeriodicTask

from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.bank.followup import (
    UNMATCHED_LINE_TASK_KIND,
    UNMATCHED_LINE_TASK_RULE,
    line_task_close,
    line_task_priority,
    unmatched_line_tasks_open,
)
from payments.bank.matching import line_accept, line_ignore, line_match
from payments.models import BankStatement, BankStatementImport, BankStatementLine
from tasks.models import FollowUpTask
from tasks.services import task_transition

from .factories import make_invoice

pytestmark = pytest.mark.usefixtures("invoicing_setup")

BOOKED = date(2026, 3, 2)  # a Monday
IBAN = "DE02120300000000202051"
_seq = count(1)


def morning(days_after_booking: int) -> datetime:
    """07:30 in Berlin, the given number of days after the booking date."""
    day = BOOKED + timedelta(days=days_after_booking)
    return datetime(day.year, day.month, day.day, 7, 30, tzinfo=timezone.get_current_timezone())


def make_statement(kind: str = "statement") -> BankStatement:
    n = next(_seq)
    statement_import = BankStatementImport.objects.create(
        file=f"statements/{n}.xml",
        sha256=hashlib.sha256(f"file {n}".encode()).hexdigest(),
        size=1,
        filename=f"{n}.xml",
        created_at=morning(0),
    )
    return BankStatement.objects.create(
        statement_import=statement_import,
        account_iban="DE89370400440532013000",
        statement_id=f"S{n}",
        kind=kind,
        format="camt.053.001.08",
        currency="EUR",
    )


def bank_line(amount: str = "119.00", *, statement=None, **fields) -> BankStatementLine:
    n = next(_seq)
    data = {
        "currency": "EUR",
        "credit": True,
        "booking_date": BOOKED,
        "value_date": BOOKED,
        "match_status": "review",
        "counterparty_name": "Müller Maschinenbau GmbH",
        "counterparty_iban": IBAN,
        "remittance": "Zahlung",
        **fields,
    }
    return BankStatementLine.objects.create(
        statement=statement or make_statement(),
        position=n,
        content_hash=hashlib.sha256(f"line {n}".encode()).hexdigest(),
        amount=Decimal(amount),
        **data,
    )


def tasks():
    return FollowUpTask.objects.filter(kind=UNMATCHED_LINE_TASK_KIND)


def open_tasks(days_after_booking: int) -> int:
    with time_machine.travel(morning(days_after_booking), tick=False):
        return unmatched_line_tasks_open(as_of=timezone.now())


@pytest.fixture
def customer():
    return make_customer(legal_name="Müller Maschinenbau GmbH", bank_accounts=[{"iban": IBAN}])


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(username="anna")


# --- When a task is opened ----------------------------------------------------------------------------
def test_a_line_two_days_old_gets_no_task_and_three_days_old_gets_one():
    line = bank_line()

    assert open_tasks(2) == 0
    assert not tasks().exists()

    assert open_tasks(3) == 1
    task = tasks().get()
    assert (task.about, task.created_by_rule, task.status) == (line, UNMATCHED_LINE_TASK_RULE, "open")
    assert task.created_at == morning(3) and task.due_date == BOOKED + timedelta(days=3)


def test_running_the_rule_twice_opens_one_task():
    bank_line()

    assert (open_tasks(3), open_tasks(3), open_tasks(4)) == (1, 0, 0)
    assert tasks().count() == 1


def test_the_number_of_days_is_a_setting(settings):
    settings.DEBITOR_UNMATCHED_LINE_TASK_DAYS = 5
    bank_line()

    assert open_tasks(4) == 0
    assert open_tasks(5) == 1


def test_a_line_without_booking_date_is_aged_by_its_value_date():
    bank_line(booking_date=None, value_date=BOOKED + timedelta(days=1))

    assert open_tasks(3) == 0
    assert open_tasks(4) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"credit": False, "match_status": "new"},  # a debit (return, charge …) is debits.py's business
        {"match_status": "ignored"},
        {"match_status": "matched"},
        {"status": "PDNG"},  # not booked yet
        {"booking_date": None, "value_date": None},  # no date to age by
    ],
    ids=["debit", "ignored", "matched", "pending", "undated"],
)
def test_lines_that_are_not_waiting_credits_never_get_a_task(fields):
    bank_line(**fields)

    assert open_tasks(30) == 0


def test_a_new_line_the_matcher_has_not_reached_gets_a_task_too():
    bank_line(match_status="new")

    assert open_tasks(3) == 1


def test_an_intraday_line_confirmed_by_the_statement_gets_no_task_its_successor_does():
    successor = bank_line(statement=make_statement())
    intraday = bank_line(statement=make_statement("report"))
    BankStatementLine.objects.filter(pk=intraday.pk).update(superseded_by=successor)

    assert open_tasks(3) == 1
    assert tasks().get().object_id == str(successor.pk)


def test_a_task_a_person_closed_without_deciding_the_line_is_not_opened_again(person):
    bank_line()
    open_tasks(3)
    task_transition(task=tasks().get(), to_status="cancelled", as_of=morning(3), by=person, resolution="customer asked")

    assert open_tasks(4) == 0
    assert tasks().count() == 1


# --- What the task says ---------------------------------------------------------------------------------
def test_the_task_names_amount_date_payer_and_the_best_suggestions_and_their_customer(customer):
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="119.00")
    line = bank_line("119.00", match_status="new")
    line_match(line=line, as_of=morning(0))  # the amount fits two invoices: review, never applied
    line.refresh_from_db()
    assert line.match_status == "review"

    open_tasks(3)

    task = tasks().get()
    assert task.title == "Unmatched payment of €119.00 on 2 Mar 2026 from Müller Maschinenbau GmbH"
    assert task.customer == customer
    assert task.priority == FollowUpTask.Priority.NORMAL
    assert "Payer: Müller Maschinenbau GmbH, IBAN DE02120300000000202051." in task.description
    assert "Remittance: Zahlung" in task.description
    assert f"1. {first.number} (customer {customer.number} Müller Maschinenbau GmbH)" in task.description
    assert f"2. {second.number} (customer {customer.number}" in task.description
    assert "amount fits 2 open invoices" in task.description


def test_a_line_without_suggestions_says_so_and_names_no_customer():
    bank_line(counterparty_name="", counterparty_iban="")

    open_tasks(3)

    task = tasks().get()
    assert task.title.endswith("from unknown payer") and task.customer is None
    assert "No suggestions" in task.description


@pytest.mark.parametrize(
    ("amount", "priority"),
    [("99.99", "LOW"), ("100.00", "NORMAL"), ("999.99", "NORMAL"), ("1000.00", "HIGH"), ("10000.00", "URGENT")],
)
def test_bigger_amounts_get_a_higher_priority(amount, priority):
    assert line_task_priority(Decimal(amount)) == FollowUpTask.Priority[priority]


def test_the_rule_takes_a_fixed_number_of_queries_per_line(django_assert_num_queries):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(BankStatementLine)  # cached for the process, as in a worker
    bank_line()
    with time_machine.travel(morning(3), tick=False):
        with django_assert_num_queries(1):  # nothing due: the lines
            assert unmatched_line_tasks_open(as_of=timezone.now(), days=30) == 0
        # The lines, their suggestions; per line 10: the kind's task rule and the accountants in
        # turn (tasks.rules), the task, its history and event.
        with django_assert_num_queries(2 + 10):
            assert unmatched_line_tasks_open(as_of=timezone.now()) == 1
        FollowUpTask.objects.all().delete()
        for _ in range(3):
            bank_line()
        with django_assert_num_queries(2 + 4 * 10):
            assert unmatched_line_tasks_open(as_of=timezone.now()) == 4


# --- Deciding the line closes the task ---------------------------------------------------------------
def test_closing_names_the_invoice_the_line_was_matched_to_and_who_decided(customer, person):
    invoice = make_invoice(customer=customer, gross="119.00")
    line = bank_line("119.00", match_status="new")
    line_match(line=line, as_of=morning(0), threshold=101)  # never automatic: stays for review
    open_tasks(3)
    match = line.matches.get(invoice=invoice)

    line_accept(match=match, as_of=morning(4), by=person)
    line_task_close(line=line, as_of=morning(4), by=person)  # what every decision calls

    task = tasks().get()
    assert (task.status, task.closed_at) == ("done", morning(4))
    assert task.resolution == (
        f"Matched: {invoice.number} (customer {customer.number} Müller Maschinenbau GmbH). Decided by anna."
    )
    assert task.history.first().history_user == person


def test_closing_an_ignored_line_gives_the_reason():
    line = bank_line()
    open_tasks(3)

    line_ignore(line=line, as_of=morning(4), by=None, reason="transfer between our own accounts")
    line_task_close(line=line, as_of=morning(4))

    task = tasks().get()
    assert task.status == "done"
    assert task.resolution == "ignored: transfer between our own accounts Decided automatically."


def test_closing_a_line_without_a_task_does_nothing(django_assert_num_queries):
    line = bank_line()

    with django_assert_num_queries(1):
        line_task_close(line=line, as_of=morning(1))
    assert not tasks().exists()


def test_a_decision_through_the_matching_services_closes_the_task(customer, person):
    """The matching services call line_task_close in the decision's transaction."""
    invoice = make_invoice(customer=customer, gross="50.00")
    accepted, ignored = bank_line("50.00", match_status="new"), bank_line("7.00")
    line_match(line=accepted, as_of=morning(0), threshold=101)
    assert open_tasks(3) == 2

    line_accept(match=accepted.matches.get(invoice=invoice), as_of=morning(4), by=person)
    line_ignore(line=ignored, as_of=morning(4), by=person, reason="refund from a supplier")

    assert set(tasks().values_list("status", flat=True)) == {"done"}
    assert tasks().get(object_id=str(ignored.pk)).resolution.startswith("ignored: refund from a supplier")


# --- Beat -----------------------------------------------------------------------------------------------
def test_beat_runs_the_rule_every_morning():
    periodic = PeriodicTask.objects.get(task="payments.open_unmatched_line_tasks")

    assert periodic.enabled
    assert (periodic.crontab.hour, periodic.crontab.minute, str(periodic.crontab.timezone)) == (
        "7",
        "30",
        "Europe/Berlin",
    )


def test_the_celery_task_runs_the_rule_now_in_the_site_language(settings, monkeypatch):
    import payments.tasks as payment_tasks

    seen = []

    def rule(*, as_of):
        seen.append((translation.get_language(), as_of))
        return 2

    monkeypatch.setattr(payment_tasks, "unmatched_line_tasks_open", rule)
    settings.LANGUAGE_CODE = "de"

    with time_machine.travel(morning(3), tick=False):
        assert payment_tasks.open_unmatched_line_tasks.run() == 2
    assert seen == [("de", morning(3))]


def test_the_celery_task_opens_the_tasks():
    from payments.tasks import open_unmatched_line_tasks

    bank_line()

    with time_machine.travel(morning(3), tick=False):
        assert open_unmatched_line_tasks.run() == 1
    assert tasks().count() == 1

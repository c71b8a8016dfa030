"""Each notice job run twice at the same time (PostgreSQL, committed data, one connection per thread
like two workers): every event, e-mail and mark exists once, and the runs together did all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from communications.models import OutboxMessage
from core.models import Event
from customers.tests.factories import make_customer
from dunning.models import DueDateNotice, DunningProfile, OverdueMark, StatementDispatch
from dunning.notices import due_date_heads_up_send, overdue_transition_run, statements_monthly_send
from invoicing.tests.factories import (
    T0,
    at,
    make_company_profile,
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)
from payments.tests.factories import make_invoice
from payments.tests.test_allocation_concurrency import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]

PAYER = {"name": "Paula Zahl", "email": "zahlung@example.com", "receives_reminders": True}


@pytest.fixture
def setup():
    seed_rates_and_terms()
    make_company_profile()


def test_two_overdue_transitions_at_once_record_each_invoice_once(setup):
    customer = make_customer()
    invoices = [make_invoice(customer=customer) for _ in range(12)]
    day = at(invoices[0].due_date + timedelta(days=1))

    results, failures = run_concurrently(lambda i: overdue_transition_run(as_of=day, batch_size=3), 2)

    assert failures == []
    assert sum(results) == 12
    assert Event.objects.filter(type="invoice.overdue").count() == 12
    assert OverdueMark.objects.count() == 12
    assert overdue_transition_run(as_of=day) == 0


def test_two_heads_up_runs_at_once_send_one_mail_per_customer(setup):
    customers = [make_customer(contacts=[PAYER]) for _ in range(5)]
    for customer in customers:
        DunningProfile.objects.create(customer=customer, due_date_notice_days=3, updated_at=T0)
    invoices = [make_invoice(customer=customer) for customer in customers for _ in range(2)]
    day = at(invoices[0].due_date - timedelta(days=3))

    results, failures = run_concurrently(lambda i: due_date_heads_up_send(as_of=day, batch_size=2), 2)

    assert failures == []
    assert sum(r["messages"] for r in results) == 5
    assert OutboxMessage.objects.filter(template="due_date_heads_up").count() == 5
    assert sorted(OutboxMessage.objects.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
    assert DueDateNotice.objects.filter(message__isnull=False).count() == 10
    assert due_date_heads_up_send(as_of=day)["messages"] == 0


def test_two_monthly_statement_runs_at_once_send_each_statement_once(setup):
    customers = [make_customer(contacts=[PAYER]) for _ in range(3)]
    for customer in customers:
        make_invoice(customer=customer)
    day = at(date(2026, 12, 1), 6)

    results, failures = run_concurrently(lambda i: statements_monthly_send(as_of=day, batch_size=1), 2)

    assert failures == []
    assert sum(r["messages"] for r in results) == 3
    assert OutboxMessage.objects.filter(template="account_statement").count() == 3
    assert StatementDispatch.objects.filter(message__isnull=False).count() == 3

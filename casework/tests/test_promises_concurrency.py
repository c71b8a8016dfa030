"""The daily promise job run twice at the same time (PostgreSQL, committed data, one connection per
thread like two workers): each promise is decided once — one event, one task — and the two runs
together decide them all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.models import PaymentPromise, PromiseStatus
from casework.services import promises_evaluate_due
from casework.services.promises import PROMISE_BROKEN_TASK
from core.models import Event
from customers.tests.factories import make_customer
from invoicing.tests.factories import (
    at,
    make_company_profile,
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)
from payments.tests.factories import make_invoice
from payments.tests.test_allocation_concurrency import run_concurrently
from tasks.models import FollowUpTask

from .factories import PROMISED, make_promise

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]


def test_two_runs_at_once_decide_each_promise_exactly_once():
    seed_rates_and_terms()
    make_company_profile()
    customer = make_customer()
    promises = [
        make_promise(customer=customer, invoices=[make_invoice(customer=customer)], amount="10.00") for _ in range(12)
    ]
    after_deadline = at(PROMISED + timedelta(days=4))

    results, failures = run_concurrently(lambda i: promises_evaluate_due(as_of=after_deadline, batch_size=3), 2)

    assert failures == []
    assert sum(results) == len(promises)
    assert set(PaymentPromise.objects.values_list("status", flat=True)) == {PromiseStatus.BROKEN}
    assert Event.objects.filter(type="promise.broken").count() == len(promises)
    assert FollowUpTask.objects.filter(kind=PROMISE_BROKEN_TASK).count() == len(promises)
    assert promises_evaluate_due(as_of=after_deadline) == 0

"""Invariants of a promise over any sequence of payments, reversals and days (Hypothesis):

- what is received towards a promise never exceeds what was allocated to its invoices;
- it counts only allocations made after the promise was taken, valued by the deadline;
- a promise is kept exactly when that reaches the amount (or the invoices are settled), and broken
  only after its deadline; a decided promise never changes again.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import PromiseStatus
from casework.services import promises_evaluate_due
from customers.tests.factories import make_customer
from invoicing.tests.factories import at, invoicing_setup  # noqa: F401
from payments.models import Allocation
from payments.services import allocation_reverse, payment_allocate
from payments.tests.factories import make_invoice, make_payment

from .factories import PROMISED, TAKEN, make_promise

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal

# One step: pay <cents> into invoice <index>, valued <days> after the promise was taken (the
# deadline is day 13: promised on day 9 after taking, plus 3 grace days), or reverse the last one.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 8000), st.integers(0, 16)),
        st.tuples(st.just("reverse"), st.just(0), st.just(0), st.just(0)),
    ),
    max_size=5,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, promised_cents=st.integers(1, 23800))
def test_received_never_exceeds_allocations_and_the_decision_follows_the_money(db, steps, promised_cents):
    customer = make_customer()
    invoices = [make_invoice(customer=customer, gross="119.00"), make_invoice(customer=customer, gross="119.00")]
    promise = make_promise(customer=customer, invoices=invoices, amount=str(D(promised_cents) / 100))
    decided_as = None
    for index, (kind, which, cents, days) in enumerate(steps):
        as_of = TAKEN + timedelta(hours=index + 1)
        if kind == "pay":
            invoice = invoices[which]
            invoice.refresh_from_db()
            amount = min(D(cents) / 100, invoice.open_amount)
            if amount <= 0:
                continue
            payment = make_payment(
                customer=customer, amount=amount, value_date=TAKEN.date() + timedelta(days=days), as_of=as_of
            )
            payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": amount}], as_of=as_of)
        else:
            last = Allocation.objects.filter(reversed_at__isnull=True).order_by("-pk").first()
            if last is None:
                continue
            allocation_reverse(allocation=last, as_of=as_of, reason="test")
        promise.refresh_from_db()
        allocated = Allocation.objects.filter(invoice__in=invoices, reversed_at__isnull=True).aggregate(
            total=Sum("amount")
        )["total"] or D("0")
        assert D("0") <= promise.amount_received <= allocated
        if decided_as is not None:
            assert promise.status == decided_as  # final
        elif promise.status != PromiseStatus.OPEN:
            decided_as = promise.status
            assert promise.status == PromiseStatus.KEPT  # money never breaks a promise
    promises_evaluate_due(as_of=at(PROMISED + timedelta(days=4)))
    promise.refresh_from_db()
    counted = Allocation.objects.filter(
        invoice__in=invoices,
        reversed_at__isnull=True,
        payment__value_date__lte=promise.grace_until,
        created_at__gte=promise.taken_at,
    ).aggregate(total=Sum("amount"))["total"] or D("0")
    for invoice in invoices:
        invoice.refresh_from_db()
    settled = all(invoice.open_amount == 0 for invoice in invoices)
    if decided_as is None:
        expected = PromiseStatus.KEPT if counted >= promise.amount or settled else PromiseStatus.BROKEN
        assert promise.status == expected
        assert promise.amount_received == counted
    else:
        assert promise.status == decided_as

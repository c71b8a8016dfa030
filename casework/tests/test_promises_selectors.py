"""The selectors dunning reads: under an open promise (until date + grace), disputed; one query each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from casework.selectors import (
    customer_open_promises,
    disputed_amount,
    invoice_is_disputed,
    invoice_under_open_promise,
    invoices_disputed,
    invoices_under_open_promise,
)
from casework.services import dispute_resolve, promise_cancel
from invoicing.tests.factories import at, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice

from .factories import PROMISED, TAKEN, make_dispute, make_promise

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal


def test_an_invoice_is_under_an_open_promise_until_the_last_day_of_grace(customer, django_assert_num_queries):
    covered, other = make_invoice(customer=customer), make_invoice(customer=customer)
    make_promise(customer=customer, invoices=[covered], amount="50.00", grace_days=2)
    last_day = PROMISED + timedelta(days=2)
    ids = [covered.pk, other.pk]

    with django_assert_num_queries(1):
        assert invoices_under_open_promise(ids, as_of=last_day) == {covered.pk}
    with django_assert_num_queries(1):
        assert invoice_under_open_promise(covered.pk, as_of=at(last_day, 23))
    # The day after grace it no longer protects the invoice, even before the job marked it broken.
    assert invoices_under_open_promise(ids, as_of=last_day + timedelta(days=1)) == set()
    assert not invoice_under_open_promise(covered.pk, as_of=at(last_day + timedelta(days=1), 0))
    assert not invoice_under_open_promise(other.pk, as_of=TAKEN)
    with django_assert_num_queries(0):
        assert invoices_under_open_promise([], as_of=TAKEN) == set()


def test_a_cancelled_promise_protects_nothing(customer):
    invoice = make_invoice(customer=customer)
    promise = make_promise(customer=customer, invoices=[invoice], amount="50.00")
    promise_cancel(promise=promise, as_of=TAKEN, reason="customer disputes instead")
    assert not invoice_under_open_promise(invoice.pk, as_of=TAKEN)


def test_the_selector_costs_one_query_for_many_invoices(customer, django_assert_num_queries):
    invoices = [make_invoice(customer=customer) for _ in range(6)]
    for invoice in invoices[:3]:
        make_promise(customer=customer, invoices=[invoice], amount="10.00")
    with django_assert_num_queries(1):
        assert invoices_under_open_promise([i.pk for i in invoices], as_of=TAKEN) == {i.pk for i in invoices[:3]}
    with django_assert_num_queries(2):  # the promises, their invoices
        promises = list(customer_open_promises(customer.pk))
        assert [list(p.invoices.all()) for p in promises] == [[i] for i in invoices[:3]]


def test_disputed_invoices_are_found_in_one_query_and_a_resolved_dispute_counts_no_more(
    customer, django_assert_num_queries
):
    disputed, resolved, plain = (make_invoice(customer=customer) for _ in range(3))
    make_dispute(invoice=disputed, amount=D("20.00"), reason="price")
    dispute_resolve(dispute=make_dispute(invoice=resolved), outcome="resolved", as_of=TAKEN)
    with django_assert_num_queries(1):
        assert invoices_disputed([disputed.pk, resolved.pk, plain.pk]) == {disputed.pk}
    with django_assert_num_queries(1):
        assert invoice_is_disputed(disputed.pk)
    assert not invoice_is_disputed(resolved.pk) and not invoice_is_disputed(plain.pk)
    with django_assert_num_queries(1):
        assert disputed_amount(customer_id=customer.pk) == D("20.00")
    assert disputed_amount(invoice_id=plain.pk) == D("0")
    with pytest.raises(ValueError):
        disputed_amount()

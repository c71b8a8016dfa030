"""core.locks: one lock order, taken in pk order, a wrong order refused before it can deadlock."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.locks import (
    LOCK_ORDER,
    LockOrderError,
    lock_for_money_work,
    lock_order_unchecked,
    lock_place_register,
    lock_rows,
    note_locked,
    rank_of,
)
from customers.models import Customer
from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.tests.factories import make_draft

pytestmark = pytest.mark.django_db


def test_the_money_work_order_is_customer_payment_invoice_open_item():
    money = ["customer", "payment", "invoice", "open_item"]
    assert [place for place in LOCK_ORDER if place in money] == money
    assert LOCK_ORDER.index("number_series") > LOCK_ORDER.index("open_item")
    assert [rank_of(label) for label in ("customers.Customer", "payments.Payment", "invoicing.Invoice")] == [
        LOCK_ORDER.index(place) for place in ("customer", "payment", "invoice")
    ]


def test_each_place_is_taken_by_one_model_and_a_clash_is_refused():
    with pytest.raises(ValueError, match="clashes"):
        lock_place_register(Invoice, "customer")
    with pytest.raises(ValueError, match="no table place"):
        lock_place_register(Invoice, "advisory.statement_file")


def test_rows_are_locked_and_returned_by_primary_key():
    customers = [make_customer() for _ in range(3)]
    with transaction.atomic():
        locked = lock_rows(Customer, [c.pk for c in reversed(customers)] + [None])
    assert list(locked) == sorted(c.pk for c in customers)


def test_a_table_earlier_in_the_order_after_a_later_one_is_refused():
    draft = make_draft()
    with pytest.raises(LockOrderError, match="customers.Customer requested after invoicing.Invoice"):
        with transaction.atomic():
            lock_rows(Invoice, [draft.pk])
            lock_rows(Customer, [draft.customer_id])


def test_rows_already_held_may_be_locked_again_and_a_new_transaction_starts_afresh():
    draft = make_draft()
    with transaction.atomic():
        locked = lock_for_money_work(customers=[draft.customer_id], invoices=[draft.pk])
        assert set(locked["invoices"]) == {draft.pk} and locked["payments"] == {}
        lock_rows(Customer, [draft.customer_id])  # held already: never waits
    with transaction.atomic():
        lock_rows(Customer, [draft.customer_id])


def test_an_unknown_table_has_to_be_given_a_place_first():
    with pytest.raises(LockOrderError, match="no place"), transaction.atomic():
        note_locked("shop.Basket", [1])


def test_a_single_process_batch_may_opt_out():
    draft = make_draft()
    with transaction.atomic(), lock_order_unchecked():
        lock_rows(Invoice, [draft.pk])
        lock_rows(Customer, [draft.customer_id])


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        lock_rows(Customer, [1])

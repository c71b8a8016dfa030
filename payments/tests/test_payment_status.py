"""Pending payments arrive or fail; money from an unknown payer is assigned to its customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.tests.factories import make_customer
from invoicing.tests.factories import D0, T0, invoicing_setup  # noqa: F401
from payments.models import PaymentEvent
from payments.selectors import customer_balance
from payments.services import payment_assign_customer, payment_complete, payment_fail, payment_record

from .factories import make_invoice, make_payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


def test_a_pending_payment_that_arrives_is_applied_like_a_new_one():
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00", status="pending", allocate=True)
    assert payment.unapplied_amount == Decimal("119.00")  # announced, not applied

    payment = payment_complete(payment=payment, as_of=T0)

    invoice.refresh_from_db()
    assert (payment.status, payment.allocated_amount, payment.unapplied_amount) == ("completed", 119, 0)
    assert (invoice.open_amount, invoice.settlement_state) == (0, "paid")
    event = payment.events.get(kind=PaymentEvent.Kind.STATUS_CHANGED)
    assert (event.from_state, event.to_state) == ("pending", "completed")


def test_a_pending_payment_that_fails_leaves_every_balance_alone():
    customer = make_customer()
    make_invoice(customer=customer)
    payment = make_payment(customer=customer, amount="119.00", status="pending")

    with pytest.raises(ValidationError) as refused:
        payment_fail(payment=payment, as_of=T0, reason=" ")
    assert "reason" in refused.value.message_dict
    payment = payment_fail(payment=payment, as_of=T0, reason="card declined")

    assert payment.status == "failed"
    assert customer_balance(customer=customer)["EUR"]["unapplied"] == 0
    with pytest.raises(ValidationError) as refused:
        payment_complete(payment=payment, as_of=T0)
    assert "status" in refused.value.message_dict


def test_only_pending_payments_change_status_this_way():
    customer = make_customer()
    payment = make_payment(customer=customer, amount="10.00")

    for change in (
        lambda: payment_complete(payment=payment, as_of=T0),
        lambda: payment_fail(payment=payment, as_of=T0, reason="x"),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert "status" in refused.value.message_dict
    payment.refresh_from_db()
    assert payment.status == "completed"


def test_money_from_an_unknown_payer_is_assigned_and_applied_to_the_named_invoice():
    customer = make_customer()
    older = make_invoice(customer=customer)
    named = make_invoice(customer=customer)
    payment = payment_record(
        customer=None, channel="bank_transfer", amount=Decimal("119.00"), currency="EUR", value_date=D0, as_of=T0,
        payer_name="A. Unbekannt", remittance=f"Rechnung {named.number}",
    )  # fmt: skip
    assert payment.unapplied_amount == Decimal("119.00")

    payment = payment_assign_customer(payment=payment, customer=customer, as_of=T0)

    named.refresh_from_db()
    older.refresh_from_db()
    assert payment.customer == customer
    assert (named.settlement_state, older.settlement_state) == ("paid", "open")
    with pytest.raises(ValidationError) as refused:
        payment_assign_customer(payment=payment, customer=make_customer(), as_of=T0)
    assert "customer" in refused.value.message_dict

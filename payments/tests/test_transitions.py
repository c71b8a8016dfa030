"""PAYMENT_TRANSITIONS is the truth: every allowed status change passes through
``payment_transition`` with its event, every other one is refused before anything is written."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.models import PAYMENT_TRANSITIONS, Payment, PaymentEvent, PaymentStatus
from payments.services import payment_fail, payment_keep_as_credit, payment_refund, payment_return
from payments.services.common import payment_transition
from payments.services.errors import PaymentConflict

from .factories import make_payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


def _payment_in(status: str) -> Payment:
    pending = status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
    payment = make_payment(customer=make_customer(), amount="10.00", status="pending" if pending else "completed")
    if status == PaymentStatus.FAILED:
        payment_fail(payment=payment, as_of=T0, reason="declined")
    elif status == PaymentStatus.RETURNED:
        payment_return(payment=payment, as_of=T0, reason="returned")
    elif status == PaymentStatus.REFUNDED:
        payment_keep_as_credit(payment=payment, as_of=T0)
        payment_refund(payment=payment, amount=Decimal("10.00"), channel="bank_transfer", as_of=T0)
    payment.refresh_from_db()
    assert payment.status == status
    return payment


def test_every_status_has_a_row_in_the_table():
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus.values)


@pytest.mark.parametrize(("current", "to"), list(itertools.product(PaymentStatus.values, repeat=2)))
def test_a_status_change_passes_exactly_when_the_table_allows_it(current, to):
    payment = _payment_in(current)
    events = PaymentEvent.objects.filter(payment=payment).count()
    if to in PAYMENT_TRANSITIONS[current]:
        event = payment_transition(payment=payment, to=to, as_of=T0, by=None)
        assert Payment.objects.get(pk=payment.pk).status == to
        assert (event.from_state, event.to_state) == (current, to)
    else:
        with pytest.raises(PaymentConflict) as refused:
            payment_transition(payment=payment, to=to, as_of=T0, by=None)
        assert str(PaymentStatus(to).label) in str(refused.value)
        assert Payment.objects.get(pk=payment.pk).status == current
        assert PaymentEvent.objects.filter(payment=payment).count() == events

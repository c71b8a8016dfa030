"""Whatever amounts are refunded, in whatever steps: the invoices are open by exactly what the
payment no longer covers, and the refunds add up to what left through Stripe."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.models import Invoice
from payments.models import Payment
from providers.models import ProviderPayment, ProviderRefund
from providers.services import provider_refund_create

from .conftest import T0, deliver, make_invoice, start_checkout
from .fake_stripe import session_object, stripe_event

pytestmark = pytest.mark.django_db
GROSS = ("119.00", "59.50", "238.00")
cents = st.integers(min_value=1, max_value=41650).map(lambda c: Decimal(c) / 100)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(cents, min_size=1, max_size=4))
def test_refunds_keep_invoices_and_payment_in_step(fake_stripe, customer, steps):
    # Each example builds its own invoices and payment (committed in the test's transaction:
    # services take their locks each in their own order, so no wrapping transaction here).
    invoices = [make_invoice(customer=customer, gross=gross) for gross in GROSS]
    checkout = start_checkout(customer, invoices)
    pi = f"pi_test_inv_{checkout.pk}"
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent=pi)))
    payment = ProviderPayment.objects.get(payment_intent_id=pi).payment
    refunded = Decimal("0")
    for amount in steps:
        try:
            provider_refund_create(payment=payment, amount=amount, as_of=T0)
        except ValidationError as exc:
            assert amount > payment.amount - refunded, exc  # refused only beyond what is left
            continue
        refunded += amount
    payment = Payment.objects.get(pk=payment.pk)
    opened = sum(invoice.open_amount for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
    assert payment.refunded_amount == refunded
    assert sum(r.amount for r in ProviderRefund.objects.filter(provider_payment__payment=payment)) == refunded
    assert payment.allocated_amount == Decimal("416.50") - refunded
    assert opened == refunded

"""Two deliveries about one payment at the same time, each in its own real transaction (threads,
committed data): Stripe's ``checkout.session.completed`` and ``payment_intent.succeeded`` often
arrive within milliseconds. One Payment, one allocation per invoice, no deadlock."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.tests.factories import make_customer
from invoicing.tests.factories import make_company_profile, reseed_after_module, seed_rates_and_terms  # noqa: F401
from payments.models import Allocation, Payment
from payments.tests.factories import make_invoice
from payments.tests.test_allocation_concurrency import run_concurrently
from providers.models import ProviderEvent, ProviderPayment
from providers.services import provider_event_receive

from .conftest import WEBHOOK_SECRET, start_checkout
from .fake_stripe import intent_object, session_object, signature, stripe_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]


@pytest.mark.parametrize("same_event", [False, True], ids=["session and intent", "one event twice"])
def test_concurrent_deliveries_record_one_payment(fake_stripe, same_event):
    seed_rates_and_terms()
    make_company_profile()
    customer = make_customer()
    invoices = [make_invoice(customer=customer, gross="119.00"), make_invoice(customer=customer, gross="59.50")]
    checkout = start_checkout(customer, invoices)
    pi = "pi_test_concurrent"
    completed = stripe_event("checkout.session.completed", session_object(checkout, payment_intent=pi))
    succeeded = stripe_event("payment_intent.succeeded", intent_object(checkout, payment_intent=pi))
    events = [completed, completed] if same_event else [completed, succeeded]
    bodies = [json.dumps(event) for event in events]

    def deliver(index: int):
        body = bodies[index]
        return provider_event_receive(
            provider="stripe",
            body=body.encode(),
            headers={"Stripe-Signature": signature(body, WEBHOOK_SECRET)},
            as_of=timezone.now(),
        )

    results, failures = run_concurrently(deliver, 2)
    assert not failures, failures
    assert Payment.objects.count() == 1
    assert ProviderPayment.objects.count() == 1
    assert ProviderEvent.objects.count() == (1 if same_event else 2)
    if same_event:
        assert sorted(result is None for result in results) == [False, True]
    allocations = Allocation.objects.filter(reversed_at__isnull=True)
    assert allocations.count() == 2
    assert sum(a.amount for a in allocations) == Decimal("178.50")

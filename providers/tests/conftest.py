"""Fixtures of the providers tests: Stripe configured with test keys, its HTTP replaced by a fake,
webhook deliveries signed with the endpoint's secret."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice
from providers.adapters import stripe as stripe_adapter
from providers.services import checkout_session_start

from .fake_stripe import FakeStripe, FakeStripeHTTPClient, signature

WEBHOOK_SECRET = "whsec_test_debitor"  # noqa: S105 - a test secret
WEBHOOK = "/webhooks/stripe/"


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_debitor"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE = 300
    settings.STRIPE_API_BASE = ""
    return settings


@pytest.fixture
def fake_stripe(stripe_settings, monkeypatch) -> FakeStripe:
    fake = FakeStripe()
    monkeypatch.setattr(stripe_adapter, "HTTP_CLIENT", FakeStripeHTTPClient(fake))
    return fake


@pytest.fixture
def customer(invoicing_setup):  # noqa: F811
    return make_customer()


def start_checkout(customer, invoices, *, as_of=T0):
    return checkout_session_start(
        customer=customer,
        invoices=invoices,
        success_url="https://debitor.example/paid",
        cancel_url="https://debitor.example/cancelled",
        as_of=as_of,
    )


def deliver(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None, header: str | None = None):
    """POST a webhook delivery as Stripe does: the raw JSON body, signed."""
    body = json.dumps(event)
    return Client().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": header if header is not None else signature(body, secret, timestamp)},
    )


__all__ = ["T0", "deliver", "make_invoice", "start_checkout"]

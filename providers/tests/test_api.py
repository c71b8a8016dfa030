"""The providers API: payment links (bad input → 400 problem naming the field, nothing created at
Stripe; invoices of another customer refused; 409 without a provider) and card payments (list with
a pinned query count, detail, scopes) — and the contract the customer page calls."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from core.api.problems import PROBLEM_CONTENT_TYPE
from core.services import api_key_create
from customers.tests.factories import make_customer
from invoicing.tests.factories import make_draft
from providers.checkout import checkout_session_create, provider_available
from providers.models import CheckoutSession, CheckoutStatus
from tests.conftest import client_for

from .conftest import T0, deliver, make_invoice, start_checkout
from .fake_stripe import FakeStripeServer, charge_object, session_object, stripe_event

pytestmark = pytest.mark.django_db
LINKS = "/api/v1/payment-links/"
PAYMENTS = "/api/v1/provider-payments/"
URLS = {"success_url": "https://debitor.example/ok", "cancel_url": "https://debitor.example/back"}


def problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


def pointers(body: dict) -> set[str]:
    return {error["pointer"] for error in body.get("errors", [])}


def test_a_payment_link_asks_stripe_for_the_open_amount_and_returns_its_url(fake_stripe, customer, accountant):
    first = make_invoice(customer=customer, gross="119.00")
    second = make_invoice(customer=customer, gross="59.50")
    response = client_for(accountant).post(LINKS, {"invoices": [first.pk, second.pk], **URLS}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    session = CheckoutSession.objects.get()
    assert body["url"] == session.url and body["url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert (body["amount"], body["currency"], body["invoices"]) == ("178.50", "EUR", [first.number, second.number])
    assert body["expires_at"]
    posted = fake_stripe.posts("/v1/checkout/sessions")[0]
    assert posted["params"]["success_url"] == URLS["success_url"]
    assert posted["headers"]["Idempotency-Key"] == f"checkout-{session.reference}"
    assert posted["headers"]["Stripe-Version"]  # pinned


def test_an_invoice_of_another_customer_is_refused_naming_the_invoices(fake_stripe, customer, accountant):
    mine = make_invoice(customer=customer, gross="119.00")
    theirs = make_invoice(customer=make_customer(legal_name="Andere GmbH"), gross="119.00")
    response = client_for(accountant).post(
        LINKS, {"invoices": [mine.pk, theirs.pk], "customer": customer.pk, **URLS}, format="json"
    )
    assert pointers(problem(response)) == {"#/invoices"}
    assert not fake_stripe.requests
    assert not CheckoutSession.objects.exists()


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        ({}, "#/invoices"),
        ({"invoices": []}, "#/invoices"),
        ({"invoices": ["x"]}, "#/invoices/0"),
        ({"invoices": [999999]}, "#/invoices"),
        ({"invoices": "__first__", "success_url": "not a url"}, "#/success_url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(fake_stripe, customer, accountant, payload, pointer):
    if payload.get("invoices") == "__first__":
        payload["invoices"] = [make_invoice(customer=customer, gross="119.00").pk]
    response = client_for(accountant).post(LINKS, {**URLS, **payload}, format="json")
    assert pointer in pointers(problem(response))
    assert not fake_stripe.requests


def test_a_draft_a_paid_invoice_and_mixed_currencies_are_refused(fake_stripe, customer, accountant):
    draft = make_draft(customer=customer)
    response = client_for(accountant).post(LINKS, {"invoices": [draft.pk], **URLS}, format="json")
    assert pointers(problem(response)) == {"#/invoices"}
    invoice = make_invoice(customer=customer, gross="119.00")
    checkout = start_checkout(customer, [invoice])
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent="pi_test_7")))
    with pytest.raises(ValidationError) as refused:
        start_checkout(customer, [invoice])
    assert "invoices" in refused.value.message_dict


def test_without_a_configured_provider_the_link_is_a_409(settings, customer, accountant):
    settings.STRIPE_SECRET_KEY = ""
    invoice = make_invoice(customer=customer, gross="119.00")
    problem(client_for(accountant).post(LINKS, {"invoices": [invoice.pk], **URLS}, format="json"), status=409)


def test_an_api_key_needs_the_payments_write_scope(fake_stripe, customer, manager):
    invoice = make_invoice(customer=customer, gross="119.00")
    _key, read_only = api_key_create(name="reader", scopes=["payments:read"], created_by=manager)
    client = APIClient(headers={"Authorization": f"Api-Key {read_only}"})
    assert client.post(LINKS, {"invoices": [invoice.pk], **URLS}, format="json").status_code == 403
    _key, writer = api_key_create(name="writer", scopes=["payments:write"], created_by=manager)
    client = APIClient(headers={"Authorization": f"Api-Key {writer}"})
    assert client.post(LINKS, {"invoices": [invoice.pk], **URLS}, format="json").status_code == 201


def _pay(customer, pi: str):
    invoice = make_invoice(customer=customer, gross="119.00")
    checkout = start_checkout(customer, [invoice])
    deliver(stripe_event("checkout.session.completed", session_object(checkout, payment_intent=pi)))
    deliver(stripe_event("charge.succeeded", charge_object(pi, amount="119.00")))


def test_provider_payments_list_in_a_fixed_number_of_queries_and_never_more_than_last4(
    fake_stripe, customer, viewer, django_assert_num_queries
):
    client = client_for(viewer)
    _pay(customer, "pi_test_list_1")
    client.get(PAYMENTS)  # the user's role is read once, then known
    # The count and one page with the customers joined, however many rows.
    with django_assert_num_queries(2):
        assert client.get(PAYMENTS).status_code == 200
    for index in range(2, 5):
        _pay(customer, f"pi_test_list_{index}")
    with django_assert_num_queries(2):
        response = client.get(PAYMENTS)
    rows = response.json()["results"]
    assert len(rows) == 4
    assert {(row["card_brand"], row["card_last4"], row["amount"]) for row in rows} == {("visa", "4242", "119.00")}
    detail = client.get(f"{PAYMENTS}{rows[0]['id']}/").json()
    assert detail["refunds"] == [] and detail["disputes"] == []
    assert detail["status"] == "succeeded"


# --- The contract the customer page calls --------------------------------------------------------


def test_provider_available_follows_the_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert provider_available() is False
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert provider_available() is True


def test_checkout_session_create_returns_the_url_and_refuses_what_cannot_be_paid(fake_stripe, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    url = checkout_session_create(customer=customer, invoices=[invoice], as_of=T0, **URLS)
    assert url == CheckoutSession.objects.get().url
    assert CheckoutSession.objects.get().status == CheckoutStatus.OPEN
    other = make_customer(legal_name="Fremd AG")
    with pytest.raises(ValidationError) as refused:
        checkout_session_create(customer=other, invoices=[invoice], as_of=T0, **URLS)
    assert "invoices" in refused.value.message_dict


def test_the_library_can_be_pointed_at_a_local_fake_stripe_over_http(stripe_settings, customer):
    """What the portal's browser test does: STRIPE_API_BASE at a local server; the checkout URL
    then points at that server's stub page."""
    import urllib.request

    invoice = make_invoice(customer=customer, gross="119.00")
    with FakeStripeServer() as server:
        stripe_settings.STRIPE_API_BASE = server.url
        url = checkout_session_create(customer=customer, invoices=[invoice], as_of=T0, **URLS)
        assert url.startswith(f"{server.url}/c/pay/cs_test_")
        with urllib.request.urlopen(url, timeout=5) as page:  # noqa: S310 - our local test server
            assert b"<h1>Pay</h1>" in page.read()
        assert server.fake.posts("/v1/checkout/sessions")[0]["params"]["line_items[0][price_data][unit_amount]"] == str(
            int(Decimal("119.00") * 100)
        )


def test_a_second_pay_now_for_the_same_invoices_sends_the_payer_to_the_same_page(fake_stripe, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    first = checkout_session_create(customer=customer, invoices=[invoice], as_of=T0, **URLS)
    again = checkout_session_create(customer=customer, invoices=[invoice], as_of=T0, **URLS)
    assert again == first
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1
    other = make_invoice(customer=customer, gross="59.50")
    both = checkout_session_create(customer=customer, invoices=[invoice, other], as_of=T0, **URLS)
    assert both != first
    # Near its expiry (24 h) the page is not handed out again: a new one is made.
    from datetime import timedelta

    later = checkout_session_create(
        customer=customer, invoices=[invoice], as_of=T0 + timedelta(hours=23, minutes=45), **URLS
    )
    assert later != first

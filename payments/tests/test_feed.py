"""The live payment feed: the API (``/api/v1/payments/feed/?since=``) and the HTML fragment the
dashboard places (``/payments/feed/``), which polls itself. New events only, newest first, with
payment, customer and invoice states, at the same small number of queries for 1 and 20 events.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup  # noqa: F401
from payments.models import PaymentEvent
from payments.services import payment_allocate
from tests.conftest import client_for

from .factories import make_invoice, make_payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

FEED = "/api/v1/payments/feed/"
PARTIAL = "/payments/feed/"


@pytest.fixture
def customer():
    return make_customer(legal_name="Nordlicht Software AG")


def test_the_feed_shows_new_events_with_payment_customer_and_invoice_states(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    payment = make_payment(customer=customer, amount="50.00", remittance=invoice.number, allocate=True)
    client = client_for(viewer)

    data = client.get(FEED).json()

    events = data["events"]
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert data["last_id"] == events[0]["id"] == PaymentEvent.objects.latest("id").pk
    kinds = {e["kind"] for e in events}
    assert {"recorded", "allocated"} <= kinds
    newest = events[0]
    assert newest["payment"] == {
        "id": payment.pk,
        "amount": "50.00",
        "currency": "EUR",
        "status": "completed",
        "channel": "bank_transfer",
        "value_date": payment.value_date.isoformat(),
        "unapplied_amount": "0.00",
        "credit_amount": "0.00",
        "payer_name": "",
    }
    assert newest["customer"] == {"id": customer.pk, "number": customer.number, "legal_name": customer.legal_name}
    assert newest["invoices"] == [
        {"id": invoice.pk, "number": invoice.number, "settlement_state": "partially_paid", "open_amount": "69.00"}
    ]


def test_polling_with_since_returns_only_what_is_new(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    make_payment(customer=customer, amount="10.00")
    client = client_for(viewer)
    last_id = client.get(FEED).json()["last_id"]

    assert client.get(f"{FEED}?since={last_id}").json() == {"events": [], "last_id": last_id}
    second = make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    data = client.get(f"{FEED}?since={last_id}").json()

    assert data["events"] and all(e["id"] > last_id for e in data["events"])
    assert {e["payment"]["id"] for e in data["events"]} == {second.pk}
    assert data["events"][0]["invoices"][0]["settlement_state"] == "paid"


@pytest.mark.parametrize("since", ["x", "-1", "1.5", "99999999999999999999999"])
def test_a_bad_since_is_a_400_problem(viewer, since):
    response = client_for(viewer).get(f"{FEED}?since={since}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/since"


def test_the_feed_needs_a_finance_role(api_client, django_user_model):
    assert api_client.get(FEED).status_code in (401, 403)
    nobody = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    assert client_for(nobody).get(FEED).status_code == 403


def make_events(customer, count: int) -> None:
    """``count`` payments, each recorded and allocated to its own invoice (two events each)."""
    for _ in range(count):
        invoice = make_invoice(customer=customer, gross="11.90")
        payment = make_payment(customer=customer, amount="11.90")
        payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": Decimal("11.90")}], as_of=T0)


def queries_for(client, url: str) -> int:
    client.get(url)  # the user's role and session are looked up once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_poll_costs_the_same_queries_for_one_event_and_for_twenty(viewer, customer):
    client = client_for(viewer)
    make_events(customer, 1)
    one = queries_for(client, FEED)
    make_events(customer, 10)

    assert PaymentEvent.objects.count() >= 20
    assert queries_for(client, FEED) == one == 2  # events with payment, customer, user; active allocations


def test_the_html_fragment_lists_events_and_polls_for_more(viewer, customer):
    invoice = make_invoice(customer=customer, gross="119.00")
    make_payment(customer=customer, amount="119.00", remittance=invoice.number, allocate=True)
    browser = Client()
    browser.force_login(viewer)

    response = browser.get(PARTIAL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for the dashboard
    assert 'class="payment-feed"' in html and "fetch(" in html
    assert invoice.number in html and customer.legal_name in html
    last_id = PaymentEvent.objects.latest("id").pk
    assert f'data-since="{last_id}"' in html
    assert browser.get(f"{PARTIAL}?since={last_id}").content.decode().strip() == ""
    make_payment(customer=customer, amount="3.00", payer_name="Nachzügler")
    rows = browser.get(f"{PARTIAL}?since={last_id}").content.decode()
    assert rows.count('class="payment-feed-row"') == 1 and "3,00\xa0€" in rows  # worded (core.formatting)
    assert browser.get(f"{PARTIAL}?since=abc").status_code == 400


def test_the_html_fragment_costs_the_same_queries_for_one_event_and_for_twenty(viewer, customer):
    browser = Client()
    browser.force_login(viewer)
    make_events(customer, 1)
    one = queries_for(browser, PARTIAL)
    make_events(customer, 10)

    assert queries_for(browser, PARTIAL) == one == 6  # session, user, permissions (2), events, allocations


def test_the_html_fragment_is_for_finance_staff_only(django_user_model):
    assert Client().get(PARTIAL).status_code == 302  # to the login page
    outsider = Client()
    outsider.force_login(django_user_model.objects.create_user("nobody", password="x", is_staff=True))
    assert outsider.get(PARTIAL).status_code == 403
    assert Client().post(PARTIAL).status_code == 405

"""The promises and disputes API: create, filter, decide; 400 naming the field, 409 for conflicts,
viewers read only, API keys act as themselves; list query counts pinned."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import Dispute, DisputeStatus, PaymentPromise, PromiseStatus
from core.api.problems import PROBLEM_CONTENT_TYPE
from core.models import Event
from core.services import api_key_create
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup, line  # noqa: F401
from payments.tests.factories import make_invoice
from tests.conftest import client_for

from .factories import make_dispute, make_promise, soon

pytestmark = pytest.mark.usefixtures("invoicing_setup")
PROMISES = "/api/v1/payment-promises/"
DISPUTES = "/api/v1/disputes/"
D = Decimal


def problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return json.loads(response.content)


def fields(body: dict) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


def promise_body(owner, invoice, **overrides):
    return {
        "customer": owner.pk,
        "invoices": [invoice.pk],
        "amount": "100.00",
        "promised_date": soon().isoformat(),
        "channel": "call",
        **overrides,
    }


# --- Promises -----------------------------------------------------------------------------------


def test_an_accountant_takes_a_promise_and_reads_it_back(accountant, customer, invoice):
    response = client_for(accountant).post(
        PROMISES, promise_body(customer, invoice, note="Zusage am Telefon"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoices"] == [invoice.pk] and body["amount"] == "100.00" and body["status"] == "open"
    assert body["taken_by"] == "accountant" and body["grace_until"] == (soon() + timedelta(days=3)).isoformat()
    detail = client_for(accountant).get(f"{PROMISES}{body['id']}/").json()
    assert detail == body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "119.01"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"promised_date": "2020-01-01"}, "promised_date"),
        ({"promised_date": "soon"}, "promised_date"),
        ({"channel": "pigeon"}, "channel"),
        ({"invoices": []}, "invoices"),
        ({"invoices": [999999]}, "invoices"),
        ({"grace_days": 100}, "grace_days"),
        ({"customer": 999999}, "customer"),
    ],
)
def test_bad_input_answers_400_naming_the_field(accountant, customer, invoice, overrides, field):
    body = problem(client_for(accountant).post(PROMISES, promise_body(customer, invoice, **overrides), format="json"))
    assert field in fields(body)
    assert not PaymentPromise.objects.exists()


def test_cancelling_answers_409_once_decided(accountant, customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], promised_date=soon(), as_of=timezone.now())
    client = client_for(accountant)
    assert "reason" in fields(problem(client.post(f"{PROMISES}{promise.pk}/cancel/", {}, format="json")))
    response = client.post(f"{PROMISES}{promise.pk}/cancel/", {"reason": "mistake"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = problem(client.post(f"{PROMISES}{promise.pk}/cancel/", {"reason": "again"}, format="json"), 409)
    assert again["type"].endswith("promise-conflict")


def test_promises_filter_by_customer_invoice_and_status_in_a_constant_number_of_queries(
    accountant, customer, django_assert_max_num_queries
):
    invoices = [make_invoice(customer=customer) for _ in range(4)]
    promises = [
        make_promise(customer=customer, invoices=[i], amount="10.00", promised_date=soon(), as_of=timezone.now())
        for i in invoices
    ]
    other = make_customer(legal_name="Andere GmbH")
    make_promise(
        customer=other,
        invoices=[make_invoice(customer=other)],
        amount="5.00",
        promised_date=soon(),
        as_of=timezone.now(),
    )
    client = client_for(accountant)
    client.get(PROMISES)  # warm the session and content types
    # auth + session, count, page, the covered invoices (prefetch)
    with django_assert_max_num_queries(6):
        body = client.get(PROMISES, {"customer": customer.pk, "status": "open"}).json()
    assert body["count"] == 4 and {row["id"] for row in body["results"]} == {p.pk for p in promises}
    body = client.get(PROMISES, {"invoice": invoices[1].pk}).json()
    assert [row["id"] for row in body["results"]] == [promises[1].pk]
    assert "invoice" in fields(problem(client.get(PROMISES, {"invoice": 999999})))
    assert "status" in fields(problem(client.get(PROMISES, {"status": "lost"})))


def test_a_viewer_reads_promises_but_cannot_take_or_cancel_one(viewer, customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], promised_date=soon(), as_of=timezone.now())
    client = client_for(viewer)
    assert client.get(PROMISES).status_code == 200
    assert (
        client.post(PROMISES, promise_body(customer, make_invoice(customer=customer)), format="json").status_code == 403
    )
    assert client.post(f"{PROMISES}{promise.pk}/cancel/", {"reason": "x"}, format="json").status_code == 403
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN


def test_an_api_key_takes_a_promise_as_itself(manager, customer, invoice):
    key, plaintext = api_key_create(name="CRM", scopes=["tasks:write"], created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    response = client.post(PROMISES, promise_body(customer, invoice), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["taken_by"] is None
    event = Event.objects.get(type="promise.taken")
    assert event.actor_api_key_id == key.pk


# --- Disputes -----------------------------------------------------------------------------------


def test_an_accountant_opens_a_dispute_on_some_lines_and_a_second_one_answers_409(accountant, customer):
    invoice = make_invoice(
        customer=customer,
        lines=[
            line(description="A", quantity="1", unit_price="100.00"),
            line(description="B", quantity="1", unit_price="50.00"),
        ],
    )
    second_line = invoice.lines.get(position=2)
    client = client_for(accountant)
    response = client.post(
        DISPUTES, {"invoice": invoice.pk, "reason": "quantity", "lines": [second_line.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lines"] == [second_line.pk] and body["amount"] == "59.50" and body["opened_by"] == "accountant"
    conflict = problem(client.post(DISPUTES, {"invoice": invoice.pk, "reason": "price"}, format="json"), 409)
    assert conflict["type"].endswith("dispute-conflict")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "mood"}, "reason"),
        ({"reason": "other"}, "description"),
        ({"amount": "500.00"}, "amount"),
        ({"invoice": 999999}, "invoice"),
        ({"lines": [999999]}, "lines"),
    ],
)
def test_bad_dispute_input_answers_400_naming_the_field(accountant, invoice, overrides, field):
    body = problem(
        client_for(accountant).post(DISPUTES, {"invoice": invoice.pk, "reason": "price", **overrides}, format="json")
    )
    assert field in fields(body)
    assert not Dispute.objects.exists()


def test_resolving_and_crediting_through_the_api(accountant, customer):
    first, second = make_invoice(customer=customer), make_invoice(customer=customer)
    resolved = make_dispute(invoice=first, as_of=timezone.now())
    credited = make_dispute(invoice=second, as_of=timezone.now(), reason="price", amount=D("23.80"))
    client = client_for(accountant)
    assert "outcome" in fields(
        problem(client.post(f"{DISPUTES}{resolved.pk}/resolve/", {"outcome": "credited"}, format="json"))
    )
    response = client.post(f"{DISPUTES}{resolved.pk}/resolve/", {"outcome": "resolved", "note": "ok"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == DisputeStatus.RESOLVED
    assert problem(client.post(f"{DISPUTES}{resolved.pk}/resolve/", {"outcome": "withdrawn"}, format="json"), 409)
    response = client.post(f"{DISPUTES}{credited.pk}/resolve-with-credit-note/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == DisputeStatus.CREDITED and body["credit_note"]
    listed = client.get(DISPUTES, {"customer": customer.pk, "status": "credited"}).json()
    assert [row["id"] for row in listed["results"]] == [credited.pk]


def test_a_viewer_cannot_open_or_resolve_a_dispute(viewer, invoice):
    dispute = make_dispute(invoice=invoice, as_of=timezone.now())
    client = client_for(viewer)
    assert client.get(DISPUTES).status_code == 200
    assert client.post(DISPUTES, {"invoice": invoice.pk, "reason": "price"}, format="json").status_code == 403
    assert client.post(f"{DISPUTES}{dispute.pk}/resolve/", {"outcome": "resolved"}, format="json").status_code == 403
    assert client.post(f"{DISPUTES}{dispute.pk}/resolve-with-credit-note/", {}, format="json").status_code == 403
    dispute.refresh_from_db()
    assert dispute.is_open

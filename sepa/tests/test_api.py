"""The sepa API: mandates and batches, problem details for bad input, pinned query counts."""

from datetime import date

import pytest
import time_machine
from django.utils import translation

from core.models import Event
from customers.tests.factories import make_customer
from sepa.models import Batch
from sepa.services import collection_batch_create
from tests.conftest import client_for

from .factories import DUE, IBANS, MAKE, due_invoice, make_mandate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sepa_setup")]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def at_make():
    with time_machine.travel(MAKE, tick=False):
        yield


def test_a_mandate_is_created_read_amended_and_revoked(accountant, at_make):
    client = client_for(accountant)
    customer = make_customer()
    response = client.post(
        "/api/v1/sepa-mandates/",
        {
            "customer": customer.pk,
            "reference": "KD-4711",
            "signed_on": "2026-11-02",
            "debtor_name": "Beispiel Handel GmbH",
            "debtor_iban": "DE02 1203 0000 0000 2020 51",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["sequence_type"], body["status"], body["debtor_iban"]) == (
        "KD-4711",
        "FRST",
        "active",
        IBANS[0],
    )
    url = f"/api/v1/sepa-mandates/{body['id']}/"
    assert client.get(url).json()["customer_number"] == customer.number
    amended = client.post(url + "amend/", {"reference": "KD-4711-A"}, format="json")
    assert amended.status_code == 200 and amended.json()["reference"] == "KD-4711-A"
    revoked = client.post(url + "revoke/", {"reason": "per Brief widerrufen"}, format="json")
    assert revoked.json()["status"] == "revoked"
    again = client.post(url + "revoke/", {}, format="json")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"


def test_a_bad_mandate_answers_400_naming_each_field(accountant, at_make):
    response = client_for(accountant).post(
        "/api/v1/sepa-mandates/",
        {
            "customer": make_customer().pk,
            "reference": "KD_1",
            "signed_on": "2030-01-01",
            "debtor_name": "X",
            "debtor_iban": "DE00123",
        },
        format="json",
    )
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"reference", "signed_on", "debtor_iban"}


def test_a_viewer_may_read_but_not_create(viewer):
    client = client_for(viewer)
    assert client.get("/api/v1/sepa-mandates/").status_code == 200
    assert client.post("/api/v1/sepa-mandates/", {}, format="json").status_code == 403


def test_a_collection_is_created_downloaded_submitted_through_the_api(accountant, at_make):
    mandate = make_mandate()
    invoice = due_invoice(customer=mandate.customer, gross="119.00")
    client = client_for(accountant)
    response = client.post("/api/v1/sepa-batches/", {"collection_date": DUE.isoformat()}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["total"], body["item_count"]) == ("direct_debit", "119.00", 1)
    assert body["items"][0]["invoice"] == invoice.pk and body["items"][0]["sequence_type"] == "FRST"
    download = client.get(f"/api/v1/sepa-batches/{body['id']}/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/xml")
    assert download.content.decode() == Batch.objects.get().xml
    assert body["message_id"] in download["Content-Disposition"]
    submitted = client.post(f"/api/v1/sepa-batches/{body['id']}/mark-submitted/", format="json")
    assert submitted.json()["status"] == "submitted"
    refused = client.post(f"/api/v1/sepa-batches/{body['id']}/cancel/", {}, format="json")
    assert refused.status_code == 400 and {e["field"] for e in refused.json()["errors"]} == {"reason"}


def test_a_collection_date_on_a_holiday_answers_400_on_the_field(accountant, at_make):
    response = client_for(accountant).post(
        "/api/v1/sepa-batches/", {"collection_date": "2026-12-25", "scheme": "CORE"}, format="json"
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "collection_date" and "TARGET2" in error["message"]


def test_a_refund_batch_through_the_api_names_the_item_in_its_errors(accountant, at_make):
    from payments.services import payment_keep_as_credit
    from payments.tests.factories import make_payment

    customer = make_customer()
    payment = make_payment(customer=customer, amount="20.00")
    payment_keep_as_credit(payment=payment, as_of=MAKE)
    response = client_for(accountant).post(
        "/api/v1/sepa-batches/refunds/",
        {"execution_date": "2026-12-10", "items": [{"payment": payment.pk, "amount": "5.00"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "items.0.payment"


@pytest.mark.parametrize("rows", [1, 4])
def test_the_lists_take_the_same_queries_for_any_number_of_rows(viewer, django_assert_num_queries, rows):
    for index in range(rows):
        mandate = make_mandate(debtor_iban=IBANS[index % 4])
        due_invoice(customer=mandate.customer)
    collection_batch_create(collection_date=DUE, as_of=MAKE)
    client = client_for(viewer)
    with django_assert_num_queries(3):  # the role, the count, the rows with their customers
        assert len(client.get("/api/v1/sepa-mandates/").json()["results"]) == rows
    with django_assert_num_queries(2):  # the role is known by now: the count, the rows
        assert len(client.get("/api/v1/sepa-batches/").json()["results"]) == 1


def test_a_write_through_an_api_key_names_the_key(manager, at_make):
    from rest_framework.test import APIClient

    from core.api.scopes import ALL_SCOPES
    from core.services import api_key_create

    key, raw = api_key_create(name="ERP", scopes=list(ALL_SCOPES), created_by=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = client.post(
        "/api/v1/sepa-mandates/",
        {
            "customer": make_customer().pk,
            "reference": "KD-1",
            "signed_on": date(2026, 11, 2).isoformat(),
            "debtor_name": "X GmbH",
            "debtor_iban": IBANS[0],
        },
        format="json",
    )
    assert response.status_code == 201
    assert Event.objects.get(type="mandate.created").actor_api_key_id == key.pk

"""``/api/v1/page-links/``: create (answers the URL once), revoke, list — with the platform's conventions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.services import api_key_create
from portal.models import PageLink, PageLinkStatus
from tests.conftest import client_for

from .conftest import customer_with_invoice, link_for

pytestmark = pytest.mark.django_db


def test_an_accountant_creates_an_invoice_link_and_gets_its_url_once(setup, accountant):
    _customer, invoice = customer_with_invoice()
    client = client_for(accountant)

    response = client.post("/api/v1/page-links/", {"invoice": invoice.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith("http://testserver/p/") and body["invoice"] == invoice.pk
    assert body["customer"] == invoice.customer_id and body["status"] == "active"
    assert response["Location"].endswith(f"/api/v1/page-links/{body['id']}/")
    assert client.get(response["Location"]).json().get("url") is None  # never shown again
    assert client.get(body["url"]).status_code == 200


def test_a_customer_link_with_its_own_end(setup, accountant):
    customer, _invoice = customer_with_invoice()
    ends = (timezone.now() + timedelta(days=7)).replace(microsecond=0)

    response = client_for(accountant).post(
        "/api/v1/page-links/", {"customer": customer.pk, "expires_at": ends.isoformat()}, format="json"
    )

    assert response.status_code == 201, response.content
    assert PageLink.objects.get().expires_at == ends


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "invoice"), ({"invoice": 999999}, "invoice"), ({"customer": None, "invoice": None}, "invoice")],
)
def test_bad_input_answers_a_problem_naming_the_field(setup, accountant, body, field):
    response = client_for(accountant).post("/api/v1/page-links/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in {error["field"].split("/")[-1].split(".")[0] for error in response.json()["errors"]}, (
        response.json()
    )
    assert not PageLink.objects.exists()


def test_a_link_in_the_past_is_refused_by_the_service_with_its_field(setup, accountant):
    _customer, invoice = customer_with_invoice()
    response = client_for(accountant).post(
        "/api/v1/page-links/",
        {"invoice": invoice.pk, "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert "expires_at" in str(response.json()["errors"])


def test_revoking_ends_the_link_and_a_second_revocation_is_a_conflict(setup, accountant):
    _customer, invoice = customer_with_invoice()
    new = link_for(invoice, as_of=timezone.now())
    client = client_for(accountant)

    response = client.post(f"/api/v1/page-links/{new.link.pk}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == PageLinkStatus.REVOKED
    assert client.get(new.path).status_code == 410

    again = client.post(f"/api/v1/page-links/{new.link.pk}/revoke/")
    assert again.status_code == 409 and again.json()["type"].endswith("page-link-conflict")


def test_a_viewer_reads_links_but_makes_none(setup, viewer):
    _customer, invoice = customer_with_invoice()
    client = client_for(viewer)

    assert client.post("/api/v1/page-links/", {"invoice": invoice.pk}, format="json").status_code == 403
    assert client.get("/api/v1/page-links/").status_code == 200


def test_an_api_key_needs_the_invoicing_write_scope(setup, manager):
    _customer, invoice = customer_with_invoice()
    _key, raw = api_key_create(name="ERP", scopes=["invoicing:read"], created_by=manager)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = client.post("/api/v1/page-links/", {"invoice": invoice.pk}, format="json")

    assert response.status_code == 403 and "invoicing:write" in response.json()["detail"]


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_takes_the_same_number_of_queries_for_any_number_of_links(
    setup, viewer, django_assert_num_queries, rows
):
    customer, invoice = customer_with_invoice()
    for _ in range(rows):
        link_for(invoice)
    client = client_for(viewer)

    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/page-links/?customer={customer.pk}")
    assert response.json()["count"] == rows

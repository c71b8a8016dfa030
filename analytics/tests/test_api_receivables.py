"""The receivables, aging, DSO and CEI API on the book: the hand-computed numbers, bad parameters
as 400 problems naming them, who may read, and the queries each endpoint makes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.services import api_key_create
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from tests.conftest import client_for

from .book import build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

API = "/api/v1/analytics/"
NOVEMBER = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def book():
    return build_book()


def test_receivables(book, viewer, django_assert_max_num_queries):
    client = client_for(viewer)
    with django_assert_max_num_queries(4):  # the user's session and role, then one KPI query
        data = client.get(f"{API}receivables/?as_of=2026-11-30").json()
    assert data["open"] == {"by_currency": {"EUR": "711.50", "USD": "1000.00"}, "eur": "1511.50", "eur_missing": False}
    assert (data["open_count"], data["overdue"]["eur"], data["overdue_count"]) == (4, "652.00", 2)
    assert (data["not_due"]["eur"], data["credits"]["eur"], data["net"]["eur"]) == ("859.50", "0.00", "1511.50")


def test_aging_and_its_buckets(book, viewer):
    data = client_for(viewer).get(f"{API}aging/?as_of=2026-11-30").json()
    assert [(b["key"], b["amounts"]["eur"], b["count"]) for b in data["buckets"]] == [
        ("not_due", "859.50", 2), ("1-30", "0.00", 0), ("31-60", "295.00", 1),
        ("61-90", "0.00", 0), ("91-180", "357.00", 1), ("over_180", "0.00", 0),
    ]  # fmt: skip
    other = client_for(viewer).get(f"{API}aging/?as_of=2026-11-30&buckets=45,90").json()
    assert [(b["key"], b["amounts"]["eur"]) for b in other["buckets"]] == [
        ("not_due", "859.50"), ("1-45", "0.00"), ("46-90", "295.00"), ("over_90", "357.00"),
    ]  # fmt: skip


def test_aging_per_customer_sorted_and_paged(book, viewer):
    client = client_for(viewer)
    data = client.get(f"{API}aging/customers/?as_of=2026-11-30&page_size=2").json()
    assert (data["count"], data["currency"]) == (3, "EUR")
    assert [(r["name"], r["total"], r["overdue"]) for r in data["results"]] == [
        ("Gamma Inc.", "800.00", "0.00"),
        ("Beta Verbraucherin", "357.00", "357.00"),
    ]
    assert data["previous"] is None and "page=2" in data["next"]
    second = client.get(data["next"]).json()
    assert ([r["name"] for r in second["results"]], second["next"]) == (["Alpha GmbH"], None)
    assert second["results"][0]["buckets"] == ["59.50", "0.00", "295.00", "0.00", "0.00", "0.00"]
    by_name = client.get(f"{API}aging/customers/?as_of=2026-11-30&ordering=name").json()
    assert [r["name"] for r in by_name["results"]] == ["Alpha GmbH", "Beta Verbraucherin", "Gamma Inc."]
    assert client.get(f"{API}aging/customers/?as_of=2026-11-30&page=5").status_code == 404


def test_a_customers_open_items(book, viewer):
    client = client_for(viewer)
    data = client.get(f"{API}aging/customers/{book.alpha.pk}/?as_of=2026-11-30").json()
    assert [(i["number"], i["open"], i["days_past_due"]) for i in data] == [
        (book.a2.number, "295.00", 46),
        (book.a4.number, "59.50", -5),
    ]
    assert client.get(f"{API}aging/customers/999999/").status_code == 404
    assert client.get(f"{API}aging/customers/99999999999999999999/").status_code == 404


def test_top_debtors(book, viewer):
    data = client_for(viewer).get(f"{API}top-debtors/?as_of=2026-11-30&n=2").json()
    assert [(r["name"], r["total"]) for r in data] == [("Gamma Inc.", "800.00"), ("Beta Verbraucherin", "357.00")]


def test_dso_and_cei_of_november(book, viewer):
    client = client_for(viewer)
    data = client.get(f"{API}dso/?{NOVEMBER}").json()
    assert {k: data[k] for k in ("standard", "countback", "best_possible", "average_days_delinquent")} == {
        "standard": "52.8",
        "countback": "58.3",
        "best_possible": "30.0",
        "average_days_delinquent": "22.8",
    }
    assert (data["start"], data["end"], data["days"], data["currency"]) == ("2026-11-01", "2026-11-30", 30, "EUR")
    assert client.get(f"{API}cei/?{NOVEMBER}").json()["percent"] == "42.2"
    usd = client.get(f"{API}dso/?{NOVEMBER}&currency=usd").json()
    assert (usd["currency"], usd["standard"]) == ("USD", "30.0")


def test_monthly(book, viewer):
    data = client_for(viewer).get(f"{API}monthly/?as_of=2026-11-30&months=3").json()
    assert [(m["month"], m["receivables"], m["dso"], m["cei"]) for m in data] == [
        ("2026-09-01", "952.00", "16.0", "76.9"),
        ("2026-10-01", "1128.00", "49.0", "45.2"),
        ("2026-11-01", "1511.50", "52.8", "42.2"),
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("receivables/?as_of=30.11.2026", "as_of"),
        ("receivables/?period=week", "period"),
        ("dso/?from=2026-11-01", "to"),
        ("dso/?from=2026-11-30&to=2026-11-01", "to"),
        ("cei/?currency=EURO", "currency"),
        ("aging/?country=DEU", "country"),
        ("aging/?customer=abc", "customer"),
        ("aging/?owner=-1", "owner"),
        ("aging/?customer_kind=robot", "customer_kind"),
        ("aging/?buckets=60,30", "buckets"),
        ("aging/?buckets=a,b", "buckets"),
        ("aging/customers/?ordering=balance", "ordering"),
        ("aging/customers/?page_size=0", "page_size"),
        ("monthly/?months=0", "months"),
        ("monthly/?months=37", "months"),
        ("top-debtors/?n=1000", "n"),
    ],
)
def test_bad_parameters_are_400_problems_naming_them(viewer, query, parameter):
    response = client_for(viewer).get(f"{API}{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["pointer"] for error in problem["errors"]] == [f"#/{parameter}"], problem


def test_who_may_read(book, viewer, manager):
    assert APIClient().get(f"{API}receivables/").status_code in (401, 403)
    _key, plaintext = api_key_create(name="BI", scopes=["analytics:read"], created_by=manager)
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert keyed.get(f"{API}aging/").status_code == 200
    _key, other = api_key_create(name="ERP", scopes=["invoicing:read"], created_by=manager)
    refused = APIClient()
    refused.credentials(HTTP_AUTHORIZATION=f"Api-Key {other}")
    assert refused.get(f"{API}aging/").status_code == 403

"""The payment behaviour and collection API on the book (the numbers of test_behaviour.py, computed
by hand there), bad parameters as 400 problems naming them, who may read, and the queries made."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.services import api_key_create
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from tests.conftest import client_for

from .book import build_book
from .collections_book import build_collections_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

API = "/api/v1/analytics/"
AUTUMN = "from=2026-09-01&to=2026-11-30"  # as_of defaults to the period's end: 30.11.
QUERIES = 2  # the viewer's roles (then cached on the user) and the one KPI query
AGAIN = 1  # the same viewer again: the KPI query alone

ENDPOINTS = [
    "payment-behaviour/",
    "payment-behaviour/customers/",
    "payment-behaviour/monthly/",
    "invoiced-vs-collected/",
    "channel-mix/",
    "transaction-values/",
    "countries/",
    "dunning-effectiveness/",
    "disputes/",
    "write-offs/",
    "fees-and-interest/",
]


def eur(value: str) -> dict:
    return {"by_currency": {"EUR": value}, "eur": value, "eur_missing": False}


@pytest.fixture
def viewer_client(viewer):
    return client_for(viewer)


def test_payment_behaviour(viewer_client, django_assert_num_queries):
    build_book()
    with django_assert_num_queries(QUERIES):
        data = viewer_client.get(f"{API}payment-behaviour/?{AUTUMN}").json()
    # 50,212.68 / 2,199.24 = 22.83; −15,764.52 / 2,199.24 = −7.17; 300 / 2,199.24 = 13.64 %
    assert data == {
        "days_to_pay": "22.8",
        "days_beyond_terms": "-7.2",
        "paid_late_share": "13.6",
        "collected": eur("2199.24"),
        "allocation_count": 4,
    }
    austria = viewer_client.get(f"{API}payment-behaviour/?{AUTUMN}&country=at").json()  # B-1: 20 days, 10 early
    assert (austria["days_to_pay"], austria["days_beyond_terms"]) == ("20.0", "-10.0")
    dollars = viewer_client.get(f"{API}payment-behaviour/?{AUTUMN}&currency=USD").json()
    assert (dollars["days_to_pay"], dollars["collected"]["by_currency"]) == (None, {})


def test_payment_behaviour_per_customer_sorted_and_paged(viewer_client, django_assert_num_queries):
    book = build_book()
    with django_assert_num_queries(QUERIES):
        data = viewer_client.get(f"{API}payment-behaviour/customers/?{AUTUMN}&page_size=1").json()
    assert (data["count"], data["currency"], data["previous"]) == (2, "EUR", None)
    (alpha,) = data["results"]  # −6.4 days beyond terms before Beta's −10.0
    assert alpha == {
        "customer": book.alpha.pk,
        "number": book.alpha.number,
        "name": "Alpha GmbH",
        "days_to_pay": "23.6",  # 40,692.68 / 1,723.24
        "days_beyond_terms": "-6.4",  # −11,004.52 / 1,723.24
        "paid_late_share": "17.4",  # 300 / 1,723.24
        "collected": "1723.24",
        "payments": 3,
    }
    second = viewer_client.get(data["next"]).json()
    assert ([r["name"] for r in second["results"]], second["next"]) == (["Beta Verbraucherin"], None)
    by_days = viewer_client.get(f"{API}payment-behaviour/customers/?{AUTUMN}&ordering=days_to_pay").json()
    assert [r["days_to_pay"] for r in by_days["results"]] == ["20.0", "23.6"]
    assert viewer_client.get(f"{API}payment-behaviour/customers/?{AUTUMN}&page=3").status_code == 404


def test_payment_behaviour_monthly_and_invoiced_vs_collected(viewer_client, django_assert_num_queries):
    build_book()
    with django_assert_num_queries(QUERIES):
        months = viewer_client.get(f"{API}payment-behaviour/monthly/?as_of=2026-11-30&months=3").json()
    assert [(m["month"], m["days_to_pay"], m["days_beyond_terms"], m["collected"]["eur"]) for m in months] == [
        ("2026-09-01", "24.0", "-6.0", "1190.00"),
        ("2026-10-01", "21.5", "-8.5", "1009.24"),  # B-1
        ("2026-11-01", None, None, "0.00"),
    ]
    with django_assert_num_queries(AGAIN):
        flows = viewer_client.get(f"{API}invoiced-vs-collected/?as_of=2026-11-30&months=3").json()
    assert [(m["month"], m["invoiced"]["eur"], m["collected"]["eur"]) for m in flows] == [
        ("2026-09-01", "1785.00", "1190.00"),  # A-1 1,190 + A-2 595
        ("2026-10-01", "714.00", "1009.24"),  # A-3 238 + B-1 476
        ("2026-11-01", "859.50", "0.00"),  # A-4 119 − 59.50 credit + C-1 USD 1,000 / 1.25
    ]
    assert flows[2]["invoiced"]["by_currency"] == {"EUR": "59.50", "USD": "1000.00"}
    assert len(viewer_client.get(f"{API}invoiced-vs-collected/?months=60").json()) == 60


def test_channel_mix_and_transaction_values(viewer_client, django_assert_num_queries):
    build_book()
    with django_assert_num_queries(QUERIES):
        mix = viewer_client.get(f"{API}channel-mix/?{AUTUMN}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(c["channel"], c["label"], c["amount"]["eur"], c["count"], c["share"]) for c in mix] == [
        ("bank_transfer", "bank transfer", "1666.00", 2, "75.8"),  # 1,666 / 2,199.24
        ("direct_debit", "SEPA direct debit", "300.00", 1, "13.6"),
        ("card", "card / online payment", "233.24", 1, "10.6"),
    ]
    with django_assert_num_queries(AGAIN):
        values = viewer_client.get(f"{API}transaction-values/?{AUTUMN}").json()
    # 3,418 / 6 invoices; 2,199.24 / 4 payments
    assert values == {
        "currency": "EUR",
        "invoice_average": "569.67",
        "invoice_count": 6,
        "payment_average": "549.81",
        "payment_count": 4,
    }


def test_countries(viewer_client, django_assert_num_queries):
    build_book()
    with django_assert_num_queries(QUERIES):
        data = viewer_client.get(f"{API}countries/?{AUTUMN}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(c["country"], c["name"], c["open"]["eur"], c["overdue"]["eur"], c["days_beyond_terms"]) for c in data] == [
        ("DE", "Germany", "1154.50", "295.00", "-6.4"),  # A-2 295 + A-4 59.50 + C-1 800; A-2 overdue
        ("AT", "Austria", "357.00", "357.00", "-10.0"),  # B-2
    ]


def test_collection_work(viewer_client, django_assert_num_queries):
    build_collections_book()
    with django_assert_num_queries(QUERIES):
        levels = viewer_client.get(f"{API}dunning-effectiveness/?{AUTUMN}").json()
    # level 1: B-2 and A-2 reminded, A-2 paid 29 days after its reminder; level 2: B-2, unpaid
    assert [
        (e["level"], e["reminders"], e["paid_after"], e["share_paid"], e["average_days_to_payment"]) for e in levels
    ] == [
        (1, 2, 1, "50.0", "29.0"),
        (2, 1, 0, "0.0", None),
    ]
    with django_assert_num_queries(AGAIN):
        disputes = viewer_client.get(f"{API}disputes/?{AUTUMN}").json()
    assert disputes == {"open": eur("295.00"), "open_count": 1, "opened_in_period": 2, "resolved_in_period": 1}
    with django_assert_num_queries(AGAIN):
        offs = viewer_client.get(f"{API}write-offs/?{AUTUMN}").json()
    assert (offs["small"], offs["bad_debt"], offs["reinstated"], offs["count"]) == (
        eur("1.00"),
        eur("357.00"),
        eur("100.00"),
        2,
    )
    with django_assert_num_queries(AGAIN):
        fees = viewer_client.get(f"{API}fees-and-interest/?{AUTUMN}").json()
    assert (fees["fees"], fees["interest"], fees["charged_fees"], fees["charged_interest"]) == (
        eur("5.00"),
        eur("3.20"),
        eur("5.00"),
        eur("3.20"),
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("payment-behaviour/?as_of=30.11.2026", "as_of"),
        ("channel-mix/?period=week", "period"),
        ("countries/?from=2026-11-01", "to"),
        ("disputes/?currency=EURO", "currency"),
        ("write-offs/?customer=abc", "customer"),
        ("payment-behaviour/customers/?ordering=balance", "ordering"),
        ("payment-behaviour/customers/?page_size=0", "page_size"),
        ("payment-behaviour/monthly/?months=0", "months"),
        ("invoiced-vs-collected/?months=61", "months"),
        ("invoiced-vs-collected/?months=twelve", "months"),
    ],
)
def test_bad_parameters_are_400_problems_naming_them(viewer_client, query, parameter):
    response = viewer_client.get(f"{API}{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["pointer"] for error in response.json()["errors"]] == [f"#/{parameter}"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_answers_a_viewer_and_an_analytics_key_but_no_other_key(viewer_client, manager, endpoint):
    assert viewer_client.get(f"{API}{endpoint}").status_code == 200
    assert APIClient().get(f"{API}{endpoint}").status_code in (401, 403)
    _key, plaintext = api_key_create(name="BI", scopes=["analytics:read"], created_by=manager)
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert keyed.get(f"{API}{endpoint}").status_code == 200
    _key, other = api_key_create(name="ERP", scopes=["payments:read"], created_by=manager)
    refused = APIClient()
    refused.credentials(HTTP_AUTHORIZATION=f"Api-Key {other}")
    assert refused.get(f"{API}{endpoint}").status_code == 403

"""The forecast API on the book (numbers as in test_forecast.py): figures, bad parameters as 400
problems naming them, who may read, and the queries each endpoint makes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.services import api_key_create
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from tests.conftest import client_for

from .book import build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

API = "/api/v1/analytics/forecast/"


@pytest.fixture
def book():
    return build_book()


def test_the_forecast_of_30_november(book, viewer, django_assert_max_num_queries):
    client = client_for(viewer)
    with django_assert_max_num_queries(4):  # the user's session and role, then one KPI query
        data = client.get(f"{API}?as_of=2026-11-30", HTTP_ACCEPT_LANGUAGE="en").json()
    # Every open invoice is expected by 30.11. (see test_forecast.py): all in week 1 30.11.–06.12.
    first = data["weeks"][0]
    assert (first["number"], first["start"], first["end"], first["count"]) == (1, "2026-11-30", "2026-12-06", 4)
    assert first["expected"] == {
        "by_currency": {"EUR": "711.50", "USD": "1000.00"},
        "eur": "1511.50",
        "eur_missing": False,
    }
    assert [week["expected"]["eur"] for week in data["weeks"][1:]] == ["0.00"] * 12
    assert (data["total"]["eur"], data["overdue_in_first_week"]["eur"], data["later"]["eur"]) == (
        "1511.50",
        "1511.50",
        "0.00",
    )
    assert data["default_delay_days"] == "-7.2"
    assert first["label"] == "Week 1" and "365 days" in data["method"]


def test_weeks_and_filters(book, viewer):
    client = client_for(viewer)
    data = client.get(f"{API}?as_of=2026-11-30&weeks=26&country=AT").json()
    assert len(data["weeks"]) == 26
    assert data["total"] == {"by_currency": {"EUR": "357.00"}, "eur": "357.00", "eur_missing": False}
    german = client.get(f"{API}?as_of=2026-11-30&currency=USD", HTTP_ACCEPT_LANGUAGE="de").json()
    assert german["total"]["by_currency"] == {"USD": "1000.00"}
    stale = client.get(f"{API}?as_of=2026-11-30&stale_days=60").json()
    assert (stale["stale"]["eur"], stale["stale_count"], stale["weeks"][0]["expected"]["eur"]) == (
        "357.00",
        1,
        "1154.50",
    )
    assert german["weeks"][0]["label"] == "Woche 1" and "365 Tage" in german["method"]


def test_the_backtest_from_31_october(book, viewer, django_assert_max_num_queries):
    client = client_for(viewer)
    with django_assert_max_num_queries(5):  # session and role, then the forecast and the receipts
        data = client.get(f"{API}backtest/?as_of=2026-11-30&origins=1&weeks=4").json()
    # Origin 31.10. (weeks 26.10.–01.11. … 16.11.–22.11., passed by 30.11.). Forecast: week 1
    # 652.00 (A-2, B-2), week 2 476.00 (B-1 due 09.11. − 6). Came in: B-1 476.00, value date 30.10.
    # recorded 02.11. → week 1. Errors 176.00, 476.00, 0, 0: WAPE week 1 176 ÷ 476 = 37.0 %, week 2
    # nothing came in (null); all 652 ÷ 476 = 137.0 %, MAE 652 ÷ 4 = 163.00.
    assert data["origins"] == ["2026-10-31"]
    assert [
        (h["forecast_total"], h["actual_total"], h["mean_absolute_error"], h["wape"]) for h in data["horizons"]
    ] == [
        ("652.00", "476.00", "176.00", "37.0"),
        ("476.00", "0.00", "476.00", None),
        ("0.00", "0.00", "0.00", None),
        ("0.00", "0.00", "0.00", None),
    ]
    assert (data["wape"], data["mean_absolute_error"], data["currency"], data["weeks"]) == ("137.0", "163.00", "EUR", 4)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("?weeks=0", "weeks"),
        ("?weeks=27", "weeks"),
        ("?weeks=x", "weeks"),
        ("?as_of=30.11.2026", "as_of"),
        ("?country=DEU", "country"),
        ("?stale_days=-1", "stale_days"),
        ("backtest/?origins=0", "origins"),
        ("backtest/?origins=25", "origins"),
        ("backtest/?weeks=27", "weeks"),
        ("backtest/?customer_kind=robot", "customer_kind"),
    ],
)
def test_bad_parameters_are_400_problems_naming_them(viewer, query, parameter):
    response = client_for(viewer).get(f"{API}{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["pointer"] for error in response.json()["errors"]] == [f"#/{parameter}"]


def test_who_may_read(viewer, manager):
    assert APIClient().get(API).status_code in (401, 403)
    assert client_for(viewer).get(API).status_code == 200
    _key, plaintext = api_key_create(name="BI", scopes=["analytics:read"], created_by=manager)
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert keyed.get(f"{API}backtest/?origins=1").status_code == 200
    _key, other = api_key_create(name="ERP", scopes=["payments:read"], created_by=manager)
    refused = APIClient()
    refused.credentials(HTTP_AUTHORIZATION=f"Api-Key {other}")
    assert refused.get(API).status_code == 403
    assert refused.get(f"{API}backtest/").status_code == 403

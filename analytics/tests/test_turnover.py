"""DSO, countback, best possible DSO, average days delinquent and CEI on the book, by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from analytics.kpis.turnover import cei, credit_sales, dso, monthly_series
from analytics.scope import Scope
from invoicing.tests.factories import invoicing_setup  # noqa: F401

from .book import build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

NOVEMBER = Scope(as_of=date(2026, 11, 30), start=date(2026, 11, 1), end=date(2026, 11, 30), period="month")
OCTOBER = Scope(as_of=date(2026, 10, 31), start=date(2026, 10, 1), end=date(2026, 10, 31), period="month")


@pytest.fixture
def book():
    return build_book()


def test_credit_sales_are_invoices_less_credit_notes(book, django_assert_num_queries):
    # November: A-4 119.00 + C-1 USD 1,000 (EUR 800.00) − credit note 59.50 = EUR 859.50.
    with django_assert_num_queries(1):
        sales = credit_sales(NOVEMBER)
    assert sales.by_currency == {"EUR": Decimal("59.50"), "USD": Decimal("1000.00")}
    assert sales.eur == Decimal("859.50")
    assert credit_sales(OCTOBER).eur == Decimal("714.00")  # A-3 238.00 + B-1 476.00


def test_dso_of_november(book, django_assert_num_queries):
    # R(30.11.) = 1,511.50; S = 859.50; 30 days: DSO = 1,511.50 / 859.50 × 30 = 52.76 → 52.8.
    # Current (not due) = 59.50 + 800.00 = 859.50: BPDSO = 30.0; ADD = 52.8 − 30.0 = 22.8.
    # Countback: November's 859.50 covers 30 days; 652.00 remain of October's 714.00:
    # 31 × 652 / 714 = 28.31 → 58.3.
    with django_assert_num_queries(3):
        result = dso(NOVEMBER)
    assert (result.receivables, result.current_receivables, result.credit_sales) == (
        Decimal("1511.50"),
        Decimal("859.50"),
        Decimal("859.50"),
    )
    assert (result.standard, result.best_possible, result.average_days_delinquent, result.countback) == (
        Decimal("52.8"),
        Decimal("30.0"),
        Decimal("22.8"),
        Decimal("58.3"),
    )


def test_dso_in_one_currency(book):
    # USD: R = 1,000 = S → 30.0 days every way.
    usd = dso(Scope(**{**NOVEMBER.__dict__, "currency": "USD"}))
    assert (usd.currency, usd.standard, usd.best_possible, usd.average_days_delinquent, usd.countback) == (
        "USD",
        Decimal("30.0"),
        Decimal("30.0"),
        Decimal("0.0"),
        Decimal("30.0"),
    )
    # EUR only: R = 711.50, S = 119.00 − 59.50 = 59.50 → 711.50 / 59.50 × 30 = 358.7;
    # countback 30 + 31 × (711.50 − 59.50) / 714 = 58.3.
    eur = dso(Scope(**{**NOVEMBER.__dict__, "currency": "EUR"}))
    assert (eur.standard, eur.countback) == (Decimal("358.7"), Decimal("58.3"))


def test_dso_without_sales_is_not_meaningful(book):
    quiet = Scope(as_of=date(2026, 7, 31), start=date(2026, 7, 1), end=date(2026, 7, 31), period="month")
    result = dso(quiet)
    assert (result.standard, result.best_possible, result.average_days_delinquent, result.countback) == (
        None,
        None,
        None,
        Decimal("0"),
    )


def test_cei(book, django_assert_num_queries):
    # November: opening R(31.10.) = 1,128.00, S = 859.50, closing 1,511.50, current 859.50:
    # (1,128 + 859.50 − 1,511.50) / (1,128 + 859.50 − 859.50) = 476 / 1,128 = 42.2 %.
    with django_assert_num_queries(3):
        november = cei(NOVEMBER)
    assert (november.opening, november.credit_sales, november.closing_total, november.closing_current) == (
        Decimal("1128.00"),
        Decimal("859.50"),
        Decimal("1511.50"),
        Decimal("859.50"),
    )
    assert november.percent == Decimal("42.2")
    # October: opening R(30.09.) = 595 + 357 = 952, S = 714, closing 1,128, current 476 (B-1):
    # (952 + 714 − 1,128) / (952 + 714 − 476) = 538 / 1,190 = 45.2 %.
    assert cei(OCTOBER).percent == Decimal("45.2")


def test_monthly_series(book, django_assert_num_queries):
    # 31.08.: B-2 357.00. September: R 952 (A-2 595 + B-2 357), overdue 357, S 1,785 (1,190 + 595):
    # DSO 952 / 1,785 × 30 = 16.0; CEI (357 + 1,785 − 952) / (357 + 1,785 − 595) = 1,190 / 1,547 = 76.9.
    # October: R 1,128, overdue 652, S 714: DSO 1,128 / 714 × 31 = 49.0; CEI 45.2. November as above.
    with django_assert_num_queries(5):
        points = monthly_series(NOVEMBER, months=3)
    assert [(p.month, p.end, p.receivables, p.overdue, p.credit_sales, p.dso, p.cei) for p in points] == [
        (date(2026, 9, 1), date(2026, 9, 30), Decimal("952.00"), Decimal("357.00"), Decimal("1785.00"),
         Decimal("16.0"), Decimal("76.9")),
        (date(2026, 10, 1), date(2026, 10, 31), Decimal("1128.00"), Decimal("652.00"), Decimal("714.00"),
         Decimal("49.0"), Decimal("45.2")),
        (date(2026, 11, 1), date(2026, 11, 30), Decimal("1511.50"), Decimal("652.00"), Decimal("859.50"),
         Decimal("52.8"), Decimal("42.2")),
    ]  # fmt: skip

"""Receivables, aging and the per-customer table on the book (book.py), numbers worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from analytics.kpis.receivables import (
    aging,
    aging_by_customer,
    buckets_check,
    customer_open_items,
    receivables_summary,
    top_debtors,
)
from analytics.scope import Scope
from customers.tests.factories import make_customer
from invoicing.services import credit_note_create
from invoicing.tests.factories import invoicing_setup, line  # noqa: F401
from payments.tests.factories import make_invoice, make_payment

from .book import AS_OF, at, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


def scope(day: date = AS_OF, **filters) -> Scope:
    return Scope(as_of=day, start=day.replace(day=1), end=day, **filters)


@pytest.fixture
def book():
    return build_book()


def test_aging_at_the_end_of_november(book, django_assert_num_queries):
    # Open on 30.11.: A-2 295.00 due 15.10. (46 days: 31–60), B-2 357.00 due 31.08. (91 days:
    # 91–180), A-4 59.50 due 05.12. and C-1 USD 1,000 (EUR 800.00) due 02.12. (both not due).
    with django_assert_num_queries(1):
        result = aging(scope())
    table = {b.key: (b.amounts.by_currency, b.amounts.eur, b.count) for b in result.buckets}
    assert table == {
        "not_due": ({"EUR": Decimal("59.50"), "USD": Decimal("1000.00")}, Decimal("859.50"), 2),
        "1-30": ({}, Decimal("0.00"), 0),
        "31-60": ({"EUR": Decimal("295.00")}, Decimal("295.00"), 1),
        "61-90": ({}, Decimal("0.00"), 0),
        "91-180": ({"EUR": Decimal("357.00")}, Decimal("357.00"), 1),
        "over_180": ({}, Decimal("0.00"), 0),
    }
    with translation.override("en"):
        assert [b.label for b in aging(scope()).buckets] == [
            "not due", "1–30 days", "31–60 days", "61–90 days", "91–180 days", "over 180 days",
        ]  # fmt: skip
    assert [b.label for b in aging(scope()).buckets] == [
        "nicht fällig", "1–30 Tage", "31–60 Tage", "61–90 Tage", "91–180 Tage", "über 180 Tage",
    ]  # fmt: skip
    assert result.total.eur == Decimal("1511.50")  # 59.50 + 800 + 295 + 357
    assert result.total.by_currency == {"EUR": Decimal("711.50"), "USD": Decimal("1000.00")}
    assert result.credits.eur == Decimal("0.00")


def test_aging_at_the_end_of_october_as_the_ledger_stood_then(book):
    # 31.10.: A-2 295.00 (16 days: 1–30), B-1 476.00 (paid 30.10. but recorded 02.11.: still open,
    # not due before 09.11.), B-2 357.00 (61 days: 61–90).
    result = aging(scope(date(2026, 10, 31)))
    assert {b.key: b.amounts.eur for b in result.buckets if b.count} == {
        "not_due": Decimal("476.00"),
        "1-30": Decimal("295.00"),
        "61-90": Decimal("357.00"),
    }
    assert result.total.eur == Decimal("1128.00")


def test_other_bounds(book):
    # Bounds 45, 90: A-2 at 46 days is in 46–90, B-2 at 91 days over 90.
    result = aging(scope(), buckets=(45, 90))
    assert [(b.key, b.amounts.eur) for b in result.buckets] == [
        ("not_due", Decimal("859.50")),
        ("1-45", Decimal("0.00")),
        ("46-90", Decimal("295.00")),
        ("over_90", Decimal("357.00")),
    ]


@pytest.mark.parametrize("bounds", [(), (30, 30), (60, 30), (0, 30), (1, 2, 3, 4, 5, 6, 7, 8, 9), (4000,)], ids=repr)
def test_bucket_bounds_must_be_whole_rising_days(bounds):
    with pytest.raises(ValueError):
        buckets_check(bounds)


def test_summary(book, django_assert_num_queries):
    with django_assert_num_queries(1):
        summary = receivables_summary(scope())
    assert (summary.open.eur, summary.open_count) == (Decimal("1511.50"), 4)
    assert (summary.overdue.eur, summary.overdue_count) == (Decimal("652.00"), 2)  # 295 + 357
    assert summary.overdue.by_currency == {"EUR": Decimal("652.00")}
    assert summary.not_due.eur == Decimal("859.50")
    assert summary.net.eur == Decimal("1511.50")


def test_summary_with_filters(book):
    assert receivables_summary(scope(currency="USD")).open.by_currency == {"USD": Decimal("1000.00")}
    assert receivables_summary(scope(country="AT")).overdue.eur == Decimal("357.00")  # Beta: B-2
    owned = receivables_summary(scope(owner_id=book.owner.pk))  # Alpha: A-2 + A-4
    assert (owned.open.eur, owned.overdue.eur) == (Decimal("354.50"), Decimal("295.00"))


def test_per_customer_sorted_and_paged(book, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = aging_by_customer(scope())
    assert page.count == 3 and page.currency == "EUR"
    assert [(r.name, r.total, r.overdue, r.oldest_days_past_due) for r in page.rows] == [
        ("Gamma Inc.", Decimal("800.00"), Decimal("0.00"), None),
        ("Beta Verbraucherin", Decimal("357.00"), Decimal("357.00"), 91),
        ("Alpha GmbH", Decimal("354.50"), Decimal("295.00"), 46),
    ]
    alpha = page.rows[2]
    assert alpha.buckets == [Decimal(v) for v in ("59.50", "0.00", "295.00", "0.00", "0.00", "0.00")]
    assert [r.name for r in aging_by_customer(scope(), order="-overdue").rows] == [
        "Beta Verbraucherin", "Alpha GmbH", "Gamma Inc.",
    ]  # fmt: skip
    assert [r.name for r in aging_by_customer(scope(), order="oldest").rows] == [
        "Gamma Inc.", "Alpha GmbH", "Beta Verbraucherin",
    ]  # fmt: skip
    assert [r.name for r in aging_by_customer(scope(), order="name").rows] == [
        "Alpha GmbH", "Beta Verbraucherin", "Gamma Inc.",
    ]  # fmt: skip
    second = aging_by_customer(scope(), order="-b2", limit=2, offset=2)
    assert (second.count, [r.name for r in second.rows]) == (3, ["Gamma Inc."])  # b2 (31–60): Alpha first
    past_the_end = aging_by_customer(scope(), limit=2, offset=10)
    assert (past_the_end.count, past_the_end.rows) == (3, [])
    usd = aging_by_customer(scope(currency="USD"))
    assert (usd.currency, [(r.name, r.total) for r in usd.rows]) == ("USD", [("Gamma Inc.", Decimal("1000.00"))])
    assert [r.name for r in top_debtors(scope(), n=1)] == ["Gamma Inc."]


def test_an_unknown_order_names_the_choices(book):
    with pytest.raises(ValueError, match="total, overdue"):
        aging_by_customer(scope(), order="balance; DROP TABLE x")


def test_a_customers_open_items(book, django_assert_num_queries):
    with django_assert_num_queries(1), translation.override("en"):
        items = customer_open_items(scope(), book.alpha.pk)
    assert [(i.number, i.open_at, i.days_past_due, i.bucket_label) for i in items] == [
        (book.a2.number, Decimal("295.00"), 46, "31–60 days"),
        (book.a4.number, Decimal("59.50"), -5, "not due"),  # due 05.12.
    ]


def test_unused_credit_counts_against_the_receivables():
    # 119.00 invoiced, 100.00 paid, then a credit note of 59.50: 19.00 of it is applied, 40.50
    # stay as credit. Receivables: 0 open − 40.50 credit = −40.50.
    customer = make_customer(legal_name="Delta KG", as_of=at(date(2026, 11, 1)))
    invoice = make_invoice(customer=customer, gross="119.00", as_of=at(date(2026, 11, 2)))
    make_payment(
        customer=customer, amount="100.00", value_date=date(2026, 11, 3), as_of=at(date(2026, 11, 3)), allocate=True
    )
    credit_note_create(
        invoice=invoice, as_of=at(date(2026, 11, 4)), lines=[line(quantity="1", unit_price="50.00")], issue=True
    )
    summary = receivables_summary(scope())
    assert (summary.open.eur, summary.credits.eur, summary.net.eur) == (
        Decimal("0.00"),
        Decimal("40.50"),
        Decimal("-40.50"),
    )
    row = aging_by_customer(scope()).rows[0]
    assert (row.total, row.credits) == (Decimal("-40.50"), Decimal("40.50"))
    with translation.override("en"):
        assert [(i.open_at, i.bucket_label) for i in customer_open_items(scope(), customer.pk)] == [
            (Decimal("40.50"), "unused credit")
        ]
    # On 03.11., before the credit note: 19.00 open, no credit.
    before = receivables_summary(scope(date(2026, 11, 3)))
    assert (before.open.eur, before.credits.eur) == (Decimal("19.00"), Decimal("0.00"))

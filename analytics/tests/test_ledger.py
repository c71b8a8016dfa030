"""The ledger as it stood at the end of a day (analytics/ledger.py), on the book (book.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from analytics.ledger import documents_at_sql
from analytics.scope import Scope
from invoicing.models import Invoice
from invoicing.tests.factories import invoicing_setup  # noqa: F401

from .book import AS_OF, build_book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


def open_at(day: date, **filters) -> dict[str, Decimal]:
    scope = Scope(as_of=day, start=day, end=day, **filters)
    sql, params = documents_at_sql(scope, day)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.number, q.open_at FROM ({sql}) q JOIN invoicing_invoice d ON d.id = q.id", params)
        return dict(cursor.fetchall())


def test_replaying_every_movement_gives_todays_open_amounts():
    book = build_book()
    today = open_at(date(2099, 12, 31))
    expected = {
        invoice.number: invoice.open_amount
        for invoice in Invoice.objects.filter(status__in=["issued", "cancelled"], open_amount__gt=0)
    }
    assert today == expected
    assert book.a1.number in today  # reopened by the return on 03.12.


def test_the_end_of_november_ignores_the_return_recorded_in_december():
    book = build_book()
    assert open_at(AS_OF) == {
        book.a2.number: Decimal("295.00"),
        book.a4.number: Decimal("59.50"),
        book.b2.number: Decimal("357.00"),
        book.c1.number: Decimal("1000.00"),
    }


def test_the_end_of_october_has_not_yet_seen_the_payment_recorded_on_2_november():
    book = build_book()
    assert open_at(date(2026, 10, 31)) == {
        book.a2.number: Decimal("295.00"),
        book.b1.number: Decimal("476.00"),
        book.b2.number: Decimal("357.00"),
    }


def test_the_end_of_september():
    book = build_book()
    assert open_at(date(2026, 9, 30)) == {book.a2.number: Decimal("595.00"), book.b2.number: Decimal("357.00")}


def test_the_day_a_credit_note_is_applied_and_the_day_before():
    book = build_book()
    assert open_at(date(2026, 11, 9))[book.a4.number] == Decimal("119.00")
    assert open_at(date(2026, 11, 10))[book.a4.number] == Decimal("59.50")


def test_filters():
    book = build_book()
    assert set(open_at(AS_OF, currency="USD")) == {book.c1.number}
    assert set(open_at(AS_OF, country="AT")) == {book.b2.number}
    assert set(open_at(AS_OF, owner_id=book.owner.pk)) == {book.a2.number, book.a4.number}
    assert set(open_at(AS_OF, customer_kind="consumer")) == {book.b2.number}
    assert set(open_at(AS_OF, customer_id=book.gamma.pk)) == {book.c1.number}

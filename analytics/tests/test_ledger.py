"""The ledger as it stood at the end of a day (analytics/ledger.py), on the book (book.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ledger import documents_at_sql
from analytics.scope import Scope
from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.services import credit_note_create
from invoicing.tests.factories import invoicing_setup, line  # noqa: F401
from payments.models import Allocation, Payment
from payments.services import allocation_reverse, payment_return
from payments.tests.factories import make_invoice, make_payment

from .book import AS_OF, at, build_book

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


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["pay", "return", "credit", "reverse"]),
            st.integers(min_value=1, max_value=40_000),  # cents
            st.integers(min_value=0, max_value=1),  # which invoice
        ),
        min_size=1,
        max_size=6,
    )
)
def test_each_day_reads_back_as_the_ledger_stood_after_that_days_last_movement(steps):
    """Random payments, returns, partial credit notes and reversals, one a day: the ledger read for
    each day equals the open amounts the database held right after that day's movement (each
    example has its own customer; the examples share the test's transaction)."""
    customer = make_customer(legal_name="Zufall GmbH", as_of=at(date(2026, 9, 30)))
    invoices = [
        make_invoice(customer=customer, gross=gross, as_of=at(date(2026, 10, 1))) for gross in ("119.00", "238.00")
    ]
    seen: dict[date, dict[str, Decimal]] = {}
    for offset, (kind, cents, which) in enumerate(steps, start=2):
        day = date(2026, 10, offset)
        moment = at(day)
        amount = Decimal(cents) / 100
        try:
            if kind == "pay":
                make_payment(customer=customer, amount=amount, value_date=day, as_of=moment, allocate=True)
            elif kind == "return":
                paid = Payment.objects.filter(customer=customer, status="completed").order_by("-id").first()
                if paid:
                    payment_return(payment=paid, as_of=moment, reason="AC04", return_code="AC04")
            elif kind == "credit":
                net = (amount / Decimal("1.19")).quantize(Decimal("0.01"))
                credit = [line(quantity="1", unit_price=str(net))]
                credit_note_create(invoice=invoices[which], as_of=moment, lines=credit, issue=True)
            else:
                latest = Allocation.objects.filter(reversed_at__isnull=True).order_by("-id").first()
                if latest:
                    allocation_reverse(allocation=latest, as_of=moment, reason="Fehlbuchung")
        except ValidationError:  # conflicts too
            pass  # refused (more credit than is left, nothing to return): nothing was recorded
        seen[day] = {
            d.number: d.open_amount
            for d in Invoice.objects.filter(customer=customer, status__in=("issued", "cancelled"), open_amount__gt=0)
        }
    for day, expected in seen.items():
        assert open_at(day, customer_id=customer.pk) == expected, (day, steps)

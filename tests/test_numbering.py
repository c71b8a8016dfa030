"""Number series: consecutive numbers in a configurable format, drawn inside the caller's transaction."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.models import NumberSeries
from core.numbering import number_next, validate_number_format

pytestmark = pytest.mark.django_db


def draw(key: str, today: date) -> str:
    with transaction.atomic():
        return number_next(key=key, today=today)


def test_customer_numbers_start_at_10001_by_default():
    assert [draw("customer", date(2026, 1, 1)) for _ in range(2)] == ["10001", "10002"]


def test_a_format_with_year_and_yearly_restart():
    NumberSeries.objects.create(
        key="demo", format="K-{year}-{number:04d}", start_number=1, next_number=1, reset_yearly=True
    )
    assert draw("demo", date(2026, 12, 31)) == "K-2026-0001"
    assert draw("demo", date(2026, 12, 31)) == "K-2026-0002"
    assert draw("demo", date(2027, 1, 1)) == "K-2027-0001"


def test_a_rolled_back_draw_leaves_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        number_next(key="customer", today=date(2026, 1, 1))
        raise RuntimeError("the customer could not be saved")
    assert draw("customer", date(2026, 1, 1)) == "10001"


@pytest.mark.django_db(transaction=True)  # the usual test transaction would hide the mistake
def test_drawing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        number_next(key="customer", today=date(2026, 1, 1))


@pytest.mark.parametrize("fmt", ["{nummer}", "K-{year}", "{number:05q}", "{"])
def test_unusable_formats_are_refused_with_a_hint(fmt):
    with pytest.raises(ValidationError) as error:
        validate_number_format(fmt)
    assert "{number}" in str(error.value)


@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_give_consecutive_unique_numbers():
    draw("customer", date(2026, 1, 1))  # the series exists before the race
    results, barrier = [], threading.Barrier(8)

    def worker():
        try:
            barrier.wait(5)
            results.append(draw("customer", date(2026, 1, 1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results, key=int) == [str(n) for n in range(10002, 10010)]

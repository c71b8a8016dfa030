"""The allocation engine under concurrency (PostgreSQL): row locks in the documented order
(payments, then invoices, then open items, each in pk order) keep every sum right and never
deadlock. These tests commit: each thread has its own connection, like parallel workers."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.tests.factories import (
    T0,
    make_company_profile,
    reseed_after_module,  # noqa: F401  (fixture)
    seed_rates_and_terms,
)
from payments.models import Allocation, Payment
from payments.services import allocation_reverse, payment_allocate, payment_allocate_by_law, payment_return

from .factories import make_invoice, make_payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reseed_after_module"),
]
D = Decimal


@pytest.fixture
def setup_committed():
    seed_rates_and_terms()
    make_company_profile()


def run_concurrently(work, count: int) -> tuple[list, list[Exception]]:
    """Run ``work(i)`` in ``count`` threads released together; collect results and failures."""
    from django.db import connection  # the thread's own

    results, failures = [], []
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait(20)
            results.append(work(index))
        except Exception as exc:  # noqa: BLE001 -- collected and asserted on by the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return results, failures


def assert_parts_add_up() -> None:
    for payment in Payment.objects.all():
        total = (
            payment.allocated_amount
            + payment.credit_amount
            + payment.refunded_amount
            + payment.returned_amount
            + payment.unapplied_amount
        )
        assert total == payment.amount
        active = Allocation.objects.filter(payment=payment, reversed_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        assert (active or 0) == payment.allocated_amount


def test_fifty_concurrent_allocations_of_ten_against_one_hundred_never_over_allocate(setup_committed):
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="100.00")
    assert invoice.amount_due == D("100.00")
    payments = [make_payment(customer=customer, amount="10.00") for _ in range(50)]

    def allocate(index: int):
        return payment_allocate(payment=payments[index], targets=[{"invoice": invoice, "amount": D("10.00")}], as_of=T0)

    results, failures = run_concurrently(allocate, 50)

    assert len(results) == 10
    assert len(failures) == 40 and all(isinstance(f, ValidationError) for f in failures), failures[:3]
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settlement_state) == (D("0.00"), "paid")
    active = Allocation.objects.filter(invoice=invoice, reversed_at__isnull=True)
    assert active.count() == 10 and active.aggregate(s=Sum("amount"))["s"] == D("100.00")
    assert Payment.objects.filter(unapplied_amount=D("10.00")).count() == 40
    assert_parts_add_up()


def test_two_payments_racing_for_the_last_open_euro_one_wins_the_other_stays_unapplied(setup_committed):
    customer = make_customer()
    invoice = make_invoice(customer=customer)
    first = make_payment(customer=customer, amount="118.00")
    payment_allocate(payment=first, targets=[{"invoice": invoice, "amount": D("118.00")}], as_of=T0)
    racers = [make_payment(customer=customer, amount="1.00") for _ in range(2)]

    results, failures = run_concurrently(lambda i: payment_allocate_by_law(payment=racers[i], as_of=T0), 2)

    assert failures == []
    assert sorted(len(r) for r in results) == [0, 1]
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.settlement_state) == (D("0.00"), "paid")
    unapplied = sorted(Payment.objects.filter(pk__in=[p.pk for p in racers]).values_list("unapplied_amount", flat=True))
    assert unapplied == [D("0.00"), D("1.00")]
    assert_parts_add_up()


def test_crossing_allocations_reversals_and_returns_do_not_deadlock(setup_committed):
    customer = make_customer()
    invoices = [make_invoice(customer=customer, gross="1190.00") for _ in range(3)]
    payments = [make_payment(customer=customer, amount="30.00") for _ in range(24)]
    seeded = [
        payment_allocate(payment=p, targets=[{"invoice": invoices[0], "amount": D("5.00")}], as_of=T0)[0]
        for p in payments[:8]
    ]
    rng = random.Random(7)
    orders = [rng.sample(invoices, 3) for _ in payments]

    def work(index: int):
        payment = payments[index]
        if index < 4:
            return allocation_reverse(allocation=seeded[index], as_of=T0, reason="race")
        if index < 8:
            return payment_return(payment=payment, as_of=T0, reason="race")
        # Targets named in a random order: the engine still locks in pk order.
        return payment_allocate(
            payment=payment, targets=[{"invoice": inv, "amount": D("10.00")} for inv in orders[index]], as_of=T0
        )

    results, failures = run_concurrently(work, len(payments))

    assert failures == []
    assert len(results) == len(payments)
    for invoice in Invoice.objects.filter(pk__in=[i.pk for i in invoices]):
        active = Allocation.objects.filter(invoice=invoice, reversed_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        assert invoice.open_amount == invoice.amount_due - (active or 0)
    # The seeded 5.00s are all undone (0–3 reversed, 4–7 returned); 16 payments put 10.00 on each invoice.
    assert Invoice.objects.get(pk=invoices[0].pk).open_amount == D("1190.00") - D("160.00")
    assert_parts_add_up()

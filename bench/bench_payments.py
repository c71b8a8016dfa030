"""Allocating payments against a large ledger: throughput and queries per payment, by the
payer's designation and by law (§ 366 (2), § 367 BGB), sequential and concurrent.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_payments.py --invoices 100000 --payments 2000 --workers 4

Creates a scratch test database with ``--invoices`` issued invoices (bulk-inserted as issued
rows, 119.00 each, spread over ``--invoices / 100`` customers, so every customer has 100 open
invoices). Measures in the same run:
0. reference: a plain ``Payment`` insert (what a payment costs with no engine at all);
1. ``payment_record`` with the invoice number in the remittance (rule PAYER), sequential;
2. ``payment_record`` with no remittance (by law over the customer's 100 open invoices);
3. 2 with W concurrent workers (threads, one connection each, each on its own customers).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer  # noqa: E402
from invoicing.models import Invoice  # noqa: E402
from payments.models import Payment  # noqa: E402
from payments.services import payment_record  # noqa: E402

PER_CUSTOMER = 100
GROSS = Decimal("119.00")


def ledger(invoices: int) -> list[Customer]:
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(
            number=f"B{i}",
            legal_name=f"Bench {i} GmbH",
            billing_street="Weg 1",
            billing_postal_code="80331",
            billing_city="München",
            verification_status="verified",
            created_at=now,
            updated_at=now,
        )  # fmt: skip
        for i in range(max(1, invoices // PER_CUSTOMER))
    )
    start = date(2026, 1, 1)
    rows = []
    for n in range(invoices):
        # Each customer's invoices fall on distinct days (the older first, no pro rata ties).
        day = start + timedelta(days=n // len(customers))
        rows.append(
            Invoice(
                document_type="invoice",
                status="issued",
                number=f"RE-B-{n:07d}",
                customer=customers[n % len(customers)],
                currency="EUR",
                invoice_date=day,
                due_date=day + timedelta(days=14),
                tax_exclusive_total=Decimal("100.00"),
                tax_total=Decimal("19.00"),
                tax_inclusive_total=GROSS,
                amount_due=GROSS,
                open_amount=GROSS,
                settlement_state="open",
                created_at=now,
                updated_at=now,
                issued_at=now,
            )  # fmt: skip
        )
    Invoice.objects.bulk_create(rows, batch_size=5000)
    return customers


def pay(customer, *, amount: Decimal, remittance: str = "") -> Payment:
    return payment_record(
        customer=customer, channel="bank_transfer", amount=amount, currency="EUR", value_date=date(2026, 11, 27),
        as_of=timezone.now(), remittance=remittance,
    )  # fmt: skip


def timed(fn, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        fn(i)
    return time.perf_counter() - started


def concurrent(customers: list, count: int, workers: int) -> float:
    chunks = [customers[i::workers] for i in range(workers)]
    barrier = threading.Barrier(workers)
    errors = []

    def work(chunk):
        try:
            barrier.wait()
            for i in range(count // workers):
                pay(chunk[i % len(chunk)], amount=Decimal("150.00"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        customers = ledger(args.invoices)
        seeded = time.perf_counter() - started
        n = args.payments
        open_numbers = list(Invoice.objects.order_by("pk").values_list("customer_id", "number")[: n + 1])
        by_pk = {c.pk: c for c in customers}
        now = timezone.now()

        def reference(i):
            Payment.objects.create(
                customer=customers[i % len(customers)], channel="cash", amount=GROSS, currency="EUR",
                value_date=date(2026, 11, 27), unapplied_amount=GROSS, created_at=now, updated_at=now,
            )  # fmt: skip

        ref = timed(reference, n)
        with CaptureQueriesContext(connection) as payer_queries:
            pay(by_pk[open_numbers[n][0]], amount=GROSS, remittance=f"Rechnung {open_numbers[n][1]}")
        payer = timed(lambda i: pay(by_pk[open_numbers[i][0]], amount=GROSS, remittance=open_numbers[i][1]), n)
        # By law: 150.00 pays the oldest open invoice and part of the next (two allocations).
        half = customers[len(customers) // 2 :]
        with CaptureQueriesContext(connection) as law_queries:
            pay(half[-1], amount=Decimal("150.00"))
        law = timed(lambda i: pay(half[i % len(half)], amount=Decimal("150.00")), n)
        parallel = concurrent(customers[: len(customers) // 2], n, args.workers)

        print(f"database: {connection.vendor}; invoices: {args.invoices} ({PER_CUSTOMER} per customer, "
              f"seeded in {seeded:.1f} s); payments per run: {n}; workers: {args.workers}")  # fmt: skip
        print(f"reference insert               {ref / n * 1000:7.2f} ms")
        print(f"record + payer designation     {payer / n * 1000:7.2f} ms  (x{payer / ref:.1f}) "
              f"{len(payer_queries)} queries, {n / payer:7.1f} payments/s")  # fmt: skip
        print(f"record + by law (100 open)     {law / n * 1000:7.2f} ms  (x{law / ref:.1f}) "
              f"{len(law_queries)} queries, {n / law:7.1f} payments/s")  # fmt: skip
        print(f"by law, {args.workers} workers              {n / parallel:7.1f} payments/s "
              f"(x{law / parallel:.2f} vs sequential)")  # fmt: skip
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

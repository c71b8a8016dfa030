"""What a verification run costs as the customer base grows, as ratios to loading the customer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \
        .venv/bin/python bench/bench_verification.py --customers 5000

Creates a scratch test database with N customers (bulk-inserted; every 20th shares the
postal code of the customer under test, so the name-similarity check has real neighbours),
then measures customer_verify (all offline checks, storing the run) against the
reference: loading the customer with its contacts and bank accounts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import BankAccount, Contact, Customer  # noqa: E402
from customers.services import customer_create, customer_verify  # noqa: E402


def median_seconds(func, n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        now = timezone.now()
        Customer.objects.bulk_create(
            Customer(
                number=str(1_000_000 + i),
                legal_name=f"Handelshaus {i} GmbH",
                billing_street="Weg 1",
                billing_postal_code="80331" if i % 20 == 0 else f"{10000 + i % 89999:05d}",
                billing_city="Stadt",
                vat_id="",
                created_at=now,
                updated_at=now,
            )
            for i in range(args.customers)
        )
        customer = customer_create(
            data={
                "legal_name": "Brauerei Alpenblick GmbH",
                "billing_street": "Bräuhausgasse 7",
                "billing_postal_code": "80331",
                "billing_city": "München",
                "vat_id": "DE136695976",
            },
            contacts=[
                {"name": "Maria Huber", "email": "maria@example.com", "phone": "089 123456", "receives_invoices": True}
            ],
            bank_accounts=[{"iban": "DE89370400440532013000", "account_holder": "Brauerei Alpenblick GmbH"}],
            as_of=now,
        )

        def load():
            c = Customer.objects.get(pk=customer.pk)
            list(Contact.objects.filter(customer=c))
            list(BankAccount.objects.filter(customer=c))

        reference = median_seconds(load, args.runs)
        verify = median_seconds(lambda: customer_verify(customer=customer, trigger="manual", as_of=now), args.runs)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            customer_verify(customer=customer, trigger="manual", as_of=now)
        print(f"database: {connection.vendor}; customers: {args.customers + 1}; runs: {args.runs}")
        print(f"reference load        {reference * 1e3:8.3f} ms")
        print(
            f"verify (offline)      {verify * 1e3:8.3f} ms   ratio {verify / reference:6.1f}   queries {len(queries)}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


if __name__ == "__main__":
    main()

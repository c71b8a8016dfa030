"""Issuing invoices through the service layer: throughput, queries per invoice, and whether
gapless numbering is the bottleneck under concurrency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_invoicing.py --invoices 400 --workers 8

Creates a scratch test database. Measures, in the same run:
1. sequential issue of N drafts of 10 lines each (invoices/second, queries per invoice);
2. the same with W concurrent workers (threads, one connection each);
3. reference for 2: the same concurrent path with numbering replaced by a lock-free unique
   number, so the ratio shows what the row lock on the number series costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.models import CompanyProfile  # noqa: E402
from customers.models import Customer  # noqa: E402
from invoicing.services import invoice_draft_create, invoice_issue  # noqa: E402
from invoicing.services import issue as issue_module  # noqa: E402

LINES = [
    {"description": f"Position {i}", "quantity": "3", "unit_code": "HUR", "unit_price": "87.50",
     "vat_category": "S", "vat_rate": "19" if i % 3 else "7"}
    for i in range(10)
]  # fmt: skip


def drafts(customer, count: int) -> list[int]:
    now = timezone.now()
    return [
        invoice_draft_create(customer=customer, as_of=now, data={"service_date": now.date()}, lines=LINES).pk
        for _ in range(count)
    ]


def issue_all(ids: list[int], workers: int) -> float:
    from invoicing.models import Invoice

    chunks = [ids[i::workers] for i in range(workers)]
    barrier = threading.Barrier(workers)
    errors = []

    def work(chunk):
        try:
            barrier.wait()
            for pk in chunk:
                invoice_issue(invoice=Invoice(pk=pk), as_of=timezone.now())
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
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=400)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from invoicing.demo import DEMO_SELLER

        CompanyProfile.objects.create(pk=1, **DEMO_SELLER)
        now = timezone.now()
        customer = Customer.objects.create(
            number="1", legal_name="Bench GmbH", billing_street="Weg 1", billing_postal_code="80331",
            billing_city="München", verification_status="verified", created_at=now, updated_at=now,
        )  # fmt: skip
        n, w = args.invoices, args.workers

        ids = drafts(customer, n)
        with CaptureQueriesContext(connection) as queries:
            from invoicing.models import Invoice

            invoice_issue(invoice=Invoice(pk=ids[0]), as_of=timezone.now())
        sequential = issue_all(ids[1:], 1)

        concurrent_ids = drafts(customer, n)
        concurrent = issue_all(concurrent_ids, w)

        original = issue_module.number_next
        issue_module.number_next = lambda *, key, today: f"X-{uuid.uuid4().hex[:20]}"
        try:
            reference_ids = drafts(customer, n)
            reference = issue_all(reference_ids, w)
        finally:
            issue_module.number_next = original

        print(f"database: {connection.vendor}; invoices: {n} x 10 lines; workers: {w}")
        print(f"queries per issue          {len(queries)}")
        print(f"sequential                 {(n - 1) / sequential:8.1f} invoices/s")
        print(f"{w} workers, numbering      {n / concurrent:8.1f} invoices/s")
        print(f"{w} workers, no numbering   {n / reference:8.1f} invoices/s")
        print(f"throughput with numbering / without: {reference / concurrent:5.2f}")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

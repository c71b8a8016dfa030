"""A dunning run over a large ledger: total time, reminders per second, queries per customer, peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_dunning.py --customers 20000 --invoices 100000

Creates a scratch test database, fills it with the invoice generator (``invoicing.generator``,
``--invoices`` issued invoices of ``--customers`` customers over one year), gives every customer a
contact who receives reminders and the default policy three levels, and runs as of a day after
every invoice is due, so every customer with an open invoice gets a reminder (e-mail to the test
backend: locmem). Measures in the same run:

0. reference: the dry run (the same decisions and charges, no PDF, no writes);
1. the real run: every reminder rendered (PDF), stored, queued in the outbox with its records.

Queries are counted over the whole run and divided by the customers decided: a constant number of
queries per batch plus a constant number per reminder written (no N+1 over invoices).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Contact, Customer  # noqa: E402
from dunning.models import DunningLevel, DunningPolicy, LevelBasis  # noqa: E402
from dunning.services import dunning_run  # noqa: E402
from invoicing.generator import generate  # noqa: E402
from invoicing.models import Invoice  # noqa: E402


def world(*, customers: int, invoices: int, as_of: date) -> None:
    generate(seed=19, customers=customers, invoices=invoices, years=1, as_of=as_of - timedelta(days=60))
    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(
            customer_id=pk,
            name="Buchhaltung",
            email=f"ap{pk}@example.com",
            receives_invoices=True,
            receives_reminders=True,
        )  # fmt: skip
        for pk in Customer.objects.values_list("pk", flat=True)
    )
    policy = DunningPolicy.objects.create(name="Standard", is_default=True, created_at=now, updated_at=now)
    for position, days in enumerate((7, 14, 14), start=1):
        DunningLevel.objects.create(
            policy=policy, position=position, name=f"Stufe {position}", days=days, template="reminder",
            counted_from=LevelBasis.DUE_DATE if position == 1 else LevelBasis.PREVIOUS,
        )  # fmt: skip


def measure(label: str, work):
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        result = work()
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, len(captured), peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--invoices", type=int, default=100000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        as_of = timezone.localdate()
        world(customers=args.customers, invoices=args.invoices, as_of=as_of)
        overdue = Invoice.objects.filter(status="issued", open_amount__gt=0, due_date__lt=as_of).count()
        print(f"{args.customers} customers, {args.invoices} invoices, {overdue} overdue on {as_of}")
        report, seconds, queries, peak = measure(
            "dry run", lambda: dunning_run(as_of=as_of, dry_run=True, batch_size=args.batch)
        )
        decided = report.counts.get("customers", 0)
        print(
            f"dry run: {seconds:.1f} s, {report.counts.get('reminders', 0)} letters, "
            f"{queries / max(decided, 1):.2f} queries per customer, peak {peak / 2**20:.0f} MiB"
        )
        run, seconds, queries, peak = measure("run", lambda: dunning_run(as_of=as_of, batch_size=args.batch))
        reminders = run.counts.get("reminders", 0)
        decided = run.counts.get("customers", 0)
        print(
            f"run: {seconds:.1f} s, {reminders} reminders ({reminders / seconds:.1f}/s), "
            f"{queries / max(decided, 1):.2f} queries per customer, peak {peak / 2**20:.0f} MiB"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""What durable background work costs, as ratios to a plain insert measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/bench_jobs.py [--n 2000]

Creates a scratch test database (test_<name>), measures, drops it. Reports:
- enqueue:  job_enqueue in its own transaction, incl. publishing after commit to the
            configured broker, vs the reference: inserting the same row with the ORM.
- run:      job_run of a no-op job (claim under lock, mark running, handler, mark done)
            vs the same reference.
- sweep:    one jobs_sweep over a backlog of pending jobs (dispatching a batch of 500)
            vs the reference: selecting those 500 rows.
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
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from core import services  # noqa: E402
from core.models import Job  # noqa: E402


def timed(func, n: int) -> float:
    """Median seconds per call over n calls."""
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def plain_insert():
    now = timezone.now()
    with transaction.atomic():
        Job.objects.create(kind="core.ping", run_after=now, max_attempts=8, created_at=now, status=Job.Status.DONE)


def enqueue():
    with transaction.atomic():
        services.job_enqueue(kind="core.ping", as_of=timezone.now())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        n = args.n
        reference = timed(plain_insert, n)
        enqueue_cost = timed(enqueue, n)
        pending = list(Job.objects.filter(status=Job.Status.PENDING).values_list("pk", flat=True))
        ids = iter(pending)
        run_cost = timed(lambda: services.job_run(job_id=next(ids), clock=timezone.now), min(n, len(pending)))

        now = timezone.now()
        Job.objects.bulk_create(
            Job(kind="core.ping", run_after=now, max_attempts=8, created_at=now, dispatched_at=None)
            for _ in range(20 * 500)
        )
        select_reference = timed(
            lambda: list(Job.objects.filter(status=Job.Status.PENDING).order_by("run_after", "pk")[:500]), 5
        )
        later = now + timezone.timedelta(hours=1)
        sweep_cost = timed(lambda: services.jobs_sweep(as_of=later), 5)

        print(f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL.split('://')[0]}; n={n}")
        print(f"reference insert          {reference * 1e3:8.3f} ms")
        print(f"enqueue (+publish)        {enqueue_cost * 1e3:8.3f} ms   ratio {enqueue_cost / reference:5.2f}")
        print(f"run no-op job             {run_cost * 1e3:8.3f} ms   ratio {run_cost / reference:5.2f}")
        print(f"reference select 500      {select_reference * 1e3:8.3f} ms")
        print(f"sweep (dispatch 500)      {sweep_cost * 1e3:8.3f} ms   ratio {sweep_cost / select_reference:5.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        # Leave no benchmark messages in a shared broker.
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


if __name__ == "__main__":
    main()

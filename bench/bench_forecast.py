"""Backtest of the cash-in forecast on generated history: its error per week against a naive
reference, and the time it takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor \\
        .venv/bin/python bench/bench_forecast.py --customers 2000 --invoices 40000

Creates a scratch test database, fills it with the invoice generator (``invoicing.generator``
with its payments, ``payments.generator``: ``--invoices`` invoices of ``--customers`` customers
over ``--years`` years up to ``--as-of``, seed ``--seed``), then runs in the same process:

1. ``forecast_backtest`` as of ``--as-of`` with ``--origins`` month ends and 13 weeks: each
   invoice on its due date shifted by its customer's delay (the product);
2. the same backtest with the naive reference forecast: each invoice on its due date;
3. the product with ``--stale-days`` (default 90): invoices expected longer ago than that are
   not expected any more instead of in week 1.

Prints per horizon week the forecast and actual totals (EUR, summed over the origins), the mean
absolute error and the WAPE of both, and the time and queries of each run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "debitor-bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from analytics.kpis.forecast import cash_in_forecast, forecast_backtest  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from invoicing.generator import generate  # noqa: E402
from invoicing.models import Invoice  # noqa: E402
from payments.models import Allocation  # noqa: E402


def timed(work):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        result = work()
    return result, time.perf_counter() - started, len(captured)


def cell(value) -> str:
    return "–" if value is None else f"{value:,.2f}" if value.as_tuple().exponent == -2 else f"{value}"


def table(product, naive, other: str) -> str:
    lines = [
        f"| week | forecast | {other} forecast | actual | MAE | {other} MAE | WAPE % | {other} WAPE % |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ours, theirs in zip(product.horizons, naive.horizons, strict=True):
        lines.append(
            f"| {ours.week} | {cell(ours.forecast_total)} | {cell(theirs.forecast_total)} | {cell(ours.actual_total)} "
            f"| {cell(ours.mean_absolute_error)} | {cell(theirs.mean_absolute_error)} | {cell(ours.wape)} "
            f"| {cell(theirs.wape)} |"
        )
    lines.append(
        f"| all | | | | {cell(product.mean_absolute_error)} | {cell(naive.mean_absolute_error)} "
        f"| {cell(product.wape)} | {cell(naive.wape)} |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=40000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--stale-days", type=int, default=90)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database (its name is printed).")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        generate(seed=args.seed, customers=args.customers, invoices=args.invoices, years=args.years, as_of=args.as_of)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"{args.customers} customers, {Invoice.objects.count()} invoices, {Allocation.objects.count()} "
            f"allocations over {args.years} years up to {args.as_of} (seed {args.seed}), generated in "
            f"{time.perf_counter() - started:.0f} s"
        )
        scope = Scope(as_of=args.as_of, start=args.as_of - timedelta(days=89), end=args.as_of)
        forecast, seconds, queries = timed(lambda: cash_in_forecast(scope))
        print(
            f"forecast as of {args.as_of}: {forecast.count} open invoices, EUR {forecast.total.eur:,.2f}, "
            f"default delay {forecast.default_delay_days} days; {seconds * 1000:.0f} ms, {queries} query"
        )
        product, seconds, queries = timed(lambda: forecast_backtest(scope, origins=args.origins))
        print(f"backtest (customer delays): {seconds:.2f} s, {queries} queries")
        naive, naive_seconds, naive_queries = timed(
            lambda: forecast_backtest(scope, origins=args.origins, delays=False)
        )
        print(f"backtest (naive: due dates): {naive_seconds:.2f} s, {naive_queries} queries")
        cut, cut_seconds, cut_queries = timed(
            lambda: forecast_backtest(scope, origins=args.origins, stale_days=args.stale_days)
        )
        print(
            f"backtest (customer delays, stale after {args.stale_days} days): "
            f"{cut_seconds:.2f} s, {cut_queries} queries"
        )
        print(f"origins: {', '.join(day.isoformat() for day in product.origins)}")
        print("\nThe product against the naive reference:\n")
        print(table(product, naive, "naive"))
        print(f"\nThe product with stale after {args.stale_days} days against the naive reference:\n")
        print(table(cut, naive, "naive"))
        if args.keep:
            print(f"kept database {connection.settings_dict['NAME']}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

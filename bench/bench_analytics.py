"""The analytics KPIs, API and overview page on a large generated ledger, against the best
hand-written SQL for the same numbers (``bench/analytics_reference.py``), in the same process,
on the same database and indexes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor_bench_1m \\
        .venv/bin/python bench/bench_analytics.py --as-of 2026-11-30 --runs 7

Runs against the database in ``DATABASE_URL`` as it is (made by ``manage.py generate_data``; see
bench/README.md) and changes nothing: the viewer it logs in as is created in a transaction that
is rolled back at the end. Each measure is the median of ``--runs`` runs after one warm-up run
(the figures are for a warm cache: a dashboard is read again and again). For each it prints the
reference's median, the product's median, the ratio and the product's query count, and checks that
the product's numbers equal the reference's (EUR totals) — a fast wrong answer is no result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from analytics.scope import Scope  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analytics_reference as ref  # noqa: E402

BUCKETS = ("not_due", "1-30", "31-60", "61-90", "91-180", "over_180")
CENT = Decimal("0.01")


@dataclass
class Result:
    name: str
    reference_ms: float | None
    product_ms: float | None
    queries: int | None
    same: str  # "yes", "NO: …" or "–" (not compared)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run_sql(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def eur(rows: list[dict], column: str = "eur", *, rounded: bool = True, **where) -> Decimal:
    """The EUR sum of reference rows matching ``where``, rounded to the cent as Amounts does."""
    wanted = {k: v if isinstance(v, tuple) else (v,) for k, v in where.items()}
    chosen = [r[column] or Decimal(0) for r in rows if all(r[k] in v for k, v in wanted.items())]
    total = sum(chosen, Decimal(0))
    return total.quantize(CENT) if rounded else total


def compare(pairs: list[tuple[str, Decimal, Decimal]]) -> str:
    wrong = [f"{name} {mine} ≠ {theirs}" for name, mine, theirs in pairs if mine != theirs]
    return "yes" if not wrong else "NO: " + "; ".join(wrong)


def queries_of(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def explain_product(name: str, product: Callable[[], object], folder: Path) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every query the product ran for ``name``, one file."""
    with CaptureQueriesContext(connection) as captured:
        product()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plans.append(sql.strip() + "\n\n" + "\n".join(row[0] for row in cursor.fetchall()))
    folder.mkdir(parents=True, exist_ok=True)
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    (folder / f"{slug}.txt").write_text("\n\n-- next query\n".join(plans) + "\n")


def scope_for(as_of: date, period: str = "90d") -> Scope:
    if period == "month":
        return Scope(as_of=as_of, start=as_of.replace(day=1), end=as_of, period="month")
    return Scope(as_of=as_of, start=as_of - timedelta(days=89), end=as_of, period="90d")


def main() -> None:  # noqa: C901, PLR0915 - one table of measures, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--explain-product", type=Path, default=None, help="a folder for EXPLAIN ANALYZE of the product's queries"
    )
    parser.add_argument("--only", default="", help="|-separated parts of measure names (default: all)")
    args = parser.parse_args()
    setup_test_environment()
    as_of, runs = args.as_of, args.runs
    past = ref.month_end_before(as_of)
    references = ref.queries(as_of)
    results: list[Result] = []
    only = [part for part in args.only.split("|") if part]

    def measure(name, reference, product, check=None):
        if only and not any(part in name for part in only):
            return
        ref_ms = median_ms(reference, runs) if reference else None
        if product is None:
            results.append(Result(name, ref_ms, None, None, "– (not on this branch yet)"))
            return
        prod_ms = median_ms(product, runs)
        same = check() if check else "–"
        results.append(Result(name, ref_ms, prod_ms, queries_of(product), same))
        if args.explain_product:
            explain_product(name, product, args.explain_product)

    def reference(key):
        sql, params = references[key]
        return lambda: run_sql(sql, params)

    with transaction.atomic():
        try:
            from analytics.kpis import receivables
        except ImportError:
            receivables = None
        try:
            from analytics.kpis import turnover
        except ImportError:
            turnover = None

        now, month = scope_for(as_of), scope_for(as_of, "month")
        then = scope_for(past)
        aging_now_rows = run_sql(*references["aging_now"])
        aging_past_rows = run_sql(*ref.queries(as_of)["aging_history"])

        def check_aging(product_rows, aging):
            pairs = [
                (bucket.key, bucket.amounts.eur, eur(product_rows, bucket=key))
                for bucket, key in zip(aging.buckets, BUCKETS, strict=True)
            ]
            pairs.append(("credits", aging.credits.eur, eur(product_rows, bucket="credit")))
            return compare(pairs)

        if receivables:
            measure(
                "aging, as_of = last day (a)",
                reference("aging_now"),
                lambda: receivables.aging(now),
                lambda: check_aging(aging_now_rows, receivables.aging(now)),
            )
            measure(
                f"aging, as_of = {past} (b)",
                reference("aging_history"),
                lambda: receivables.aging(then),
                lambda: check_aging(aging_past_rows, receivables.aging(then)),
            )

            def check_summary():
                s = receivables.receivables_summary(now)
                return compare([
                    ("overdue", s.overdue.eur, eur(aging_now_rows, bucket=BUCKETS[1:])),
                    ("not due", s.not_due.eur, eur(aging_now_rows, bucket="not_due")),
                    ("credits", s.credits.eur, eur(aging_now_rows, bucket="credit")),
                ])  # fmt: skip

            measure(
                "receivables summary, last day (a)",
                reference("aging_now"),
                lambda: receivables.receivables_summary(now),
                check_summary,
            )
            by_customer_sql, by_customer_params = ref.AGING_BY_CUSTOMER, references["aging_now"][1]
            measure(
                "aging by customer, 1st page of 50",
                lambda: run_sql(by_customer_sql, by_customer_params),
                lambda: receivables.aging_by_customer(now),
                lambda: compare([
                    (f"#{i + 1} total", row.total, theirs["total"].quantize(CENT))
                    for i, (row, theirs) in enumerate(zip(
                        receivables.aging_by_customer(now).rows, run_sql(by_customer_sql, by_customer_params),
                        strict=False,
                    ))
                ]),
            )  # fmt: skip
        else:
            measure("aging, as_of = last day (a)", reference("aging_now"), None)
            measure(f"aging, as_of = {past} (b)", reference("aging_history"), None)

        if turnover:
            dso_rows = run_sql(*references["dso_90d"])

            def check_dso():
                d = turnover.dso(now)
                net = eur(dso_rows, kind="ar", rounded=False)
                overdue = eur(dso_rows, "overdue_eur", kind="ar", rounded=False)
                countback = next(r["days"] for r in dso_rows if r["kind"] == "countback")
                return compare([
                    ("receivables", d.receivables, net.quantize(CENT)),
                    ("current", d.current_receivables, (net - overdue).quantize(CENT)),
                    ("credit sales", d.credit_sales.quantize(CENT), eur(dso_rows, kind="sales")),
                    ("countback", d.countback, countback.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
                ])  # fmt: skip

            measure("DSO, 90 days (c)", reference("dso_90d"), lambda: turnover.dso(now), check_dso)
            for key, scope in (("cei_90d", now), ("cei_month", month)):
                rows = run_sql(*references[key])

                def check_cei(rows=rows, scope=scope):
                    c = turnover.cei(scope)
                    closing = eur(rows, kind="closing", rounded=False)
                    overdue = eur(rows, "overdue_eur", kind="closing", rounded=False)
                    return compare([
                        ("opening", c.opening, eur(rows, kind="opening")),
                        ("credit sales", c.credit_sales.quantize(CENT), eur(rows, kind="sales")),
                        ("closing", c.closing_total, closing.quantize(CENT)),
                        ("closing current", c.closing_current, (closing - overdue).quantize(CENT)),
                    ])  # fmt: skip

                measure(f"CEI, {'90 days' if key == 'cei_90d' else 'month'} (d)", reference(key),
                        lambda scope=scope: turnover.cei(scope), check_cei)  # fmt: skip
            series = ref.series_queries(as_of)
            measure(
                "monthly series, 12 months",
                lambda: [run_sql(sql, params) for sql, params in series],
                lambda: turnover.monthly_series(now),
            )
        else:
            measure("DSO, 90 days (c)", reference("dso_90d"), None)
            measure("CEI, 90 days (d)", reference("cei_90d"), None)
            measure("CEI, month (d)", reference("cei_month"), None)

        # The API and the page, in process, as a finance viewer.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client
        from rest_framework.test import APIClient

        from core.roles import Role

        user = get_user_model().objects.create_user("bench-analytics-viewer", password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=Role.FINANCE_VIEWER.group_name))
        api = APIClient()
        api.force_authenticate(user)
        query = f"?as_of={as_of.isoformat()}"

        def get(client, path):
            def call():
                response = client.get(path + query)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
                return response

            return call

        from django.urls import NoReverseMatch, Resolver404, resolve

        def exists(path):
            try:
                resolve(path)
            except (Resolver404, NoReverseMatch):
                return False
            return True

        for path, key in (
            ("/api/v1/analytics/aging/", "aging_now"),
            ("/api/v1/analytics/dso/", "dso_90d"),
            ("/api/v1/analytics/cei/", "cei_90d"),
        ):
            measure(f"API {path}", reference(key), get(api, path) if exists(path) else None)
        page = Client()
        page.force_login(user)
        overview_refs = ["aging_now", "dso_90d", "cei_90d"]
        measure(
            "page /analytics/ (reference: a + c + d)",
            lambda: [run_sql(*references[k]) for k in overview_refs],
            get(page, "/analytics/") if exists("/analytics/") else None,
        )
        transaction.set_rollback(True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM invoicing_invoice")
        documents = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM payments_allocation")
        allocations = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    print(f"database: {connection.settings_dict['NAME']}; {documents:,} documents, {allocations:,} allocations, "
          f"{customers:,} customers; as_of {as_of}; medians of {runs} warm runs")  # fmt: skip
    print(f"{'measure':42} {'reference':>10} {'product':>10} {'ratio':>7} {'queries':>7}  same numbers")
    for r in results:
        ref_text = f"{r.reference_ms:8.1f}ms" if r.reference_ms is not None else f"{'–':>10}"
        prod_text = f"{r.product_ms:8.1f}ms" if r.product_ms is not None else f"{'–':>10}"
        ratio = f"×{r.product_ms / r.reference_ms:.2f}" if r.reference_ms and r.product_ms else "–"
        queries = str(r.queries) if r.queries is not None else "–"
        print(f"{r.name:42} {ref_text} {prod_text} {ratio:>7} {queries:>7}  {r.same}")


if __name__ == "__main__":
    main()

"""The best hand-written SQL for the analytics numbers: the references ``bench_analytics.py``
measures the product against (same process, same database, same indexes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debitor_bench_1m \\
        .venv/bin/python bench/analytics_reference.py --as-of 2026-11-30 --explain bench/explain

writes each query's ``EXPLAIN (ANALYZE, BUFFERS)`` to ``bench/explain/<name>.txt``.

What each reference computes (the numbers the product must give for the same scope: all
currencies, no customer filter; amounts per currency and in EUR = amount / the stored rate):

- ``aging_now`` (a): open and overdue receivables and the aging buckets (not due, 1–30, 31–60,
  61–90, 91–180, over 180 days past due) per currency, and unused credit notes — the ledger as it
  stands (``open_amount``), for ``as_of`` = the data's last day: nothing was recorded after it.
- ``aging_history`` (b): the same at a past month end, the ledger as it stood then: today's
  ``open_amount`` with the movements recorded after that day undone (analytics/ledger.py's
  method, written as one pass over each movement table instead of one per kind of movement).
- ``dso`` (c): receivables at ``as_of``, credit sales (invoices less credit notes) per calendar
  month back from ``as_of`` — the standard DSO and the countback both come from those rows.
- ``cei`` (d): opening receivables (the ledger at the day before the period), credit sales of the
  period, closing total and closing current (not yet due) receivables, for 90 days and a month.

Each returns rows per currency (and bucket or month); the Python around them adds currencies up
the way ``Amounts`` does.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

EUR = "(CASE WHEN {d}.currency = 'EUR' THEN 1 ELSE {d}.exchange_rate END)"
OPEN_SIGNED = "(CASE WHEN d.document_type = 'credit_note' THEN -d.open_amount ELSE d.open_amount END)"
OVERDUE = "(CASE WHEN d.document_type = 'invoice' AND d.due_date < %(day)s THEN d.open_amount ELSE 0 END)"
R = EUR.format(d="d")

# Days past due on %(day)s → the bucket (upper bounds 30, 60, 90, 180).
BUCKET = """
    CASE WHEN {d}.document_type = 'credit_note' THEN 'credit'
         WHEN {d}.due_date IS NULL OR {d}.due_date >= %(day)s THEN 'not_due'
         WHEN %(day)s - {d}.due_date <= 30 THEN '1-30'
         WHEN %(day)s - {d}.due_date <= 60 THEN '31-60'
         WHEN %(day)s - {d}.due_date <= 90 THEN '61-90'
         WHEN %(day)s - {d}.due_date <= 180 THEN '91-180'
         ELSE 'over_180' END"""

# The documents open now: the product's partial indexes cover exactly these two sets.
OPEN_INVOICES = """status = 'issued' AND document_type = 'invoice' AND settlement_state <> 'paid'
                   AND open_amount > 0"""
OPEN_CREDIT_NOTES = "status = 'issued' AND document_type = 'credit_note' AND open_amount > 0"

# (a) Today's ledger: the open documents as they stand.
AGING_NOW = f"""
SELECT d.currency, {BUCKET.format(d="d")} AS bucket, count(*) AS n,
       sum(d.open_amount) AS amount, sum(d.open_amount / {EUR.format(d="d")}) AS eur
  FROM (SELECT * FROM invoicing_invoice WHERE {OPEN_INVOICES}
        UNION ALL SELECT * FROM invoicing_invoice WHERE {OPEN_CREDIT_NOTES}) d
 WHERE d.invoice_date <= %(day)s AND d.issued_at < %(t)s
 GROUP BY 1, 2
 ORDER BY 1, 2
"""

# The aging per customer in EUR (the reporting currency without a currency filter), the largest
# total first: the first page of 50 and how many customers there are.
AGING_BY_CUSTOMER = f"""
SELECT c.id, c.number, c.legal_name, c.billing_country, x.*, count(*) OVER () AS customers
  FROM (
    SELECT d.customer_id,
           sum(CASE WHEN d.document_type = 'invoice' AND NOT d.due_date < %(day)s THEN d.open_amount END / {R})
               AS not_due,
           sum(CASE WHEN d.document_type = 'invoice' AND d.due_date < %(day)s THEN d.open_amount END / {R}) AS overdue,
           sum(CASE WHEN d.document_type = 'credit_note' THEN d.open_amount END / {R}) AS credits,
           sum({OPEN_SIGNED} / {R}) AS total,
           max(%(day)s - d.due_date) FILTER (WHERE d.document_type = 'invoice') AS oldest_days_past_due
      FROM (SELECT * FROM invoicing_invoice WHERE {OPEN_INVOICES}
            UNION ALL SELECT * FROM invoicing_invoice WHERE {OPEN_CREDIT_NOTES}) d
     WHERE d.invoice_date <= %(day)s AND d.issued_at < %(t)s
     GROUP BY d.customer_id
  ) x JOIN customers_customer c ON c.id = x.customer_id
 ORDER BY x.total DESC, c.id
 LIMIT 50
"""

# What to add to each document's open_amount to see it at %(t)s: every movement recorded since
# (still in force: added back) and every one reversed since (in force then: taken away again).
# One pass per table; an allocation of a credit note to an invoice moves both documents.
UNDONE = """
    undone AS (
        SELECT v.id, sum(v.amount) AS amount
          FROM (
            SELECT x.id, CASE WHEN a.created_at >= %(t)s THEN a.amount ELSE -a.amount END AS amount
              FROM payments_allocation a
              CROSS JOIN LATERAL (VALUES (a.invoice_id), (a.credit_note_id)) x(id)
             WHERE x.id IS NOT NULL
               AND ((a.created_at >= %(t)s AND a.reversed_at IS NULL)
                    OR (a.created_at < %(t)s AND a.reversed_at >= %(t)s))
            UNION ALL
            SELECT invoice_id, CASE WHEN created_at >= %(t)s THEN amount ELSE -amount END
              FROM payments_settlementdiscount
             WHERE (created_at >= %(t)s AND reversed_at IS NULL) OR (created_at < %(t)s AND reversed_at >= %(t)s)
            UNION ALL
            SELECT invoice_id, CASE WHEN created_at >= %(t)s THEN amount ELSE -amount END
              FROM payments_writeoff
             WHERE invoice_id IS NOT NULL
               AND ((created_at >= %(t)s AND reversed_at IS NULL) OR (created_at < %(t)s AND reversed_at >= %(t)s))
            UNION ALL
            SELECT invoice_id, amount FROM payments_baddebtwriteoff WHERE created_at >= %(t)s
            UNION ALL
            SELECT b.invoice_id, -r.amount FROM payments_baddebtreversal r
              JOIN payments_baddebtwriteoff b ON b.id = r.write_off_id WHERE r.created_at >= %(t)s
            UNION ALL
            SELECT x.id, (e.data ->> 'applied')::numeric
              FROM invoicing_invoiceevent e
              LEFT JOIN invoicing_invoice cn
                ON cn.number = e.data ->> 'credit_note' AND cn.document_type = 'credit_note'
              CROSS JOIN LATERAL (VALUES (e.invoice_id), (cn.id)) x(id)
             WHERE e.kind = 'credited' AND e.at >= %(t)s AND x.id IS NOT NULL
          ) v
         GROUP BY v.id
    )"""

# The documents with something open at the end of %(day)s: those open now (plus what was undone)
# and those not open now that a later movement closed.
DOCUMENTS_AT = f"""
    WITH {UNDONE.strip()},
    docs AS (
        SELECT d.*, d.open_amount + coalesce(u.amount, 0) AS open_at
          FROM (SELECT * FROM invoicing_invoice WHERE {OPEN_INVOICES}
                UNION ALL SELECT * FROM invoicing_invoice WHERE {OPEN_CREDIT_NOTES}) d
          LEFT JOIN undone u ON u.id = d.id
        UNION ALL
        SELECT d.*, d.open_amount + u.amount
          FROM undone u JOIN invoicing_invoice d ON d.id = u.id
         WHERE d.status IN ('issued', 'cancelled')
           AND NOT (d.status = 'issued' AND d.open_amount > 0
                    AND (d.document_type = 'credit_note' OR d.settlement_state <> 'paid'))
    )"""

# (b) The aging at a past day, as the ledger stood then.
AGING_HISTORY = f"""
{DOCUMENTS_AT}
SELECT d.currency, {BUCKET.format(d="d")} AS bucket, count(*) AS n,
       sum(d.open_at) AS amount, sum(d.open_at / {EUR.format(d="d")}) AS eur
  FROM docs d
 WHERE d.open_at > 0 AND d.invoice_date <= %(day)s AND d.issued_at < %(t)s
 GROUP BY 1, 2
 ORDER BY 1, 2
"""

# Credit sales dated %(from)s–%(day)s and issued by the end of %(day)s: invoices less credit notes.
SIGNED_SALES = "(CASE WHEN s.document_type = 'credit_note' THEN -s.amount_due ELSE s.amount_due END)"
SALES_WHERE = """s.status IN ('issued', 'cancelled') AND s.invoice_date BETWEEN %(from)s AND %(day)s
                 AND s.issued_at < %(t)s"""
SALES = f"""
    sales AS (
        SELECT s.currency, date_trunc('month', s.invoice_date)::date AS month,
               sum({SIGNED_SALES}) AS amount, sum({SIGNED_SALES} / {EUR.format(d="s")}) AS eur
          FROM invoicing_invoice s
         WHERE {SALES_WHERE}
         GROUP BY 1, 2
    )"""

# Net receivables (open invoices − unused credit) and the overdue part, per currency, today's ledger.
POSITION_NOW = f"""
    SELECT d.currency, sum({OPEN_SIGNED}) AS amount, sum({OPEN_SIGNED} / {R}) AS eur,
           sum({OVERDUE}) AS overdue, sum({OVERDUE} / {R}) AS overdue_eur
      FROM (SELECT * FROM invoicing_invoice WHERE {OPEN_INVOICES}
            UNION ALL SELECT * FROM invoicing_invoice WHERE {OPEN_CREDIT_NOTES}) d
     WHERE d.invoice_date <= %(day)s AND d.issued_at < %(t)s
     GROUP BY 1"""

# (c) DSO at as_of = the last day (EUR): net and overdue receivables (today's ledger), the credit
# sales of the period, and the countback: the months before as_of, newest first, one index range
# each, only until their sales cover the receivables (at most 36; the month of as_of up to as_of).
DSO = f"""
WITH RECURSIVE ar AS ({POSITION_NOW}),
period AS (
    SELECT s.currency, sum({SIGNED_SALES}) AS amount, sum({SIGNED_SALES} / {EUR.format(d="s")}) AS eur
      FROM invoicing_invoice s WHERE {SALES_WHERE} GROUP BY 1
),
walk (month, remaining, days, n) AS (
    SELECT date_trunc('month', %(day)s::date)::date, (SELECT sum(eur) FROM ar), 0::numeric, 0
    UNION ALL
    SELECT (w.month - interval '1 month')::date, w.remaining - m.sales,
           w.days + CASE WHEN m.sales > w.remaining THEN m.days * w.remaining / m.sales ELSE m.days END, w.n + 1
      FROM walk w
      CROSS JOIN LATERAL (
          SELECT LEAST(%(day)s::date, (w.month + interval '1 month' - interval '1 day')::date) - w.month + 1 AS days,
                 COALESCE(sum({SIGNED_SALES} / {EUR.format(d="s")}), 0) AS sales
            FROM invoicing_invoice s
           WHERE s.status IN ('issued', 'cancelled') AND s.issued_at < %(t)s
             AND s.invoice_date >= w.month AND s.invoice_date < w.month + interval '1 month'
             AND s.invoice_date <= %(day)s
      ) m
     WHERE w.remaining > 0 AND w.n < 36
)
SELECT 'ar' AS kind, currency, amount, eur, overdue_eur, NULL::numeric AS days FROM ar
UNION ALL SELECT 'sales', currency, amount, eur, NULL, NULL FROM period
UNION ALL SELECT 'countback', NULL, NULL, NULL, NULL, (SELECT days FROM walk ORDER BY n DESC LIMIT 1)
ORDER BY 1, 2
"""

# (d) CEI: opening net receivables at the end of %(opening)s (the ledger then), credit sales of
# the period, closing net and overdue receivables at as_of (today's ledger).
CEI = f"""
WITH {UNDONE.replace("%(t)s", "%(opening_t)s").strip()},
opening AS (
    SELECT d.currency, sum({OPEN_SIGNED.replace("open_amount", "open_at")}) AS amount,
           sum({OPEN_SIGNED.replace("open_amount", "open_at")} / {R}) AS eur
      FROM (SELECT d.*, d.open_amount + coalesce(u.amount, 0) AS open_at
              FROM (SELECT * FROM invoicing_invoice WHERE {OPEN_INVOICES}
                    UNION ALL SELECT * FROM invoicing_invoice WHERE {OPEN_CREDIT_NOTES}) d
              LEFT JOIN undone u ON u.id = d.id
            UNION ALL
            SELECT d.*, d.open_amount + u.amount
              FROM undone u JOIN invoicing_invoice d ON d.id = u.id
             WHERE d.status IN ('issued', 'cancelled')
               AND NOT (d.status = 'issued' AND d.open_amount > 0
                        AND (d.document_type = 'credit_note' OR d.settlement_state <> 'paid'))) d
     WHERE d.open_at > 0 AND d.invoice_date <= %(opening)s AND d.issued_at < %(opening_t)s
     GROUP BY 1
),
period AS (
    SELECT s.currency, sum({SIGNED_SALES}) AS amount, sum({SIGNED_SALES} / {EUR.format(d="s")}) AS eur
      FROM invoicing_invoice s WHERE {SALES_WHERE} GROUP BY 1
),
closing AS ({POSITION_NOW})
SELECT 'opening' AS kind, currency, amount, eur, NULL::numeric AS overdue_eur FROM opening
UNION ALL SELECT 'sales', currency, amount, eur, NULL FROM period
UNION ALL SELECT 'closing', currency, amount, eur, overdue_eur FROM closing
ORDER BY 1, 2
"""


def day_end(day: date) -> datetime:
    """Midnight after ``day`` in Berlin (the product's TIME_ZONE): what counts for ``day``."""
    return datetime.combine(day + timedelta(days=1), time.min, BERLIN)


def month_end_before(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)


def queries(as_of: date) -> dict[str, tuple[str, dict]]:
    """Every reference with its parameters for the data's last day ``as_of``."""
    past = month_end_before(as_of)
    t = day_end(as_of)
    start_90 = as_of - timedelta(days=89)
    start_month = as_of.replace(day=1)
    return {
        "aging_now": (AGING_NOW, {"day": as_of, "t": t}),
        "aging_by_customer": (AGING_BY_CUSTOMER, {"day": as_of, "t": t}),
        "aging_history": (AGING_HISTORY, {"day": past, "t": day_end(past)}),
        "dso_90d": (DSO, {"day": as_of, "t": t, "from": start_90}),
        "cei_90d": (
            CEI,
            {
                "day": as_of,
                "t": t,
                "from": start_90,
                "opening": start_90 - timedelta(days=1),
                "opening_t": day_end(start_90 - timedelta(days=1)),
            },
        ),  # fmt: skip
        "cei_month": (
            CEI,
            {
                "day": as_of,
                "t": t,
                "from": start_month,
                "opening": start_month - timedelta(days=1),
                "opening_t": day_end(start_month - timedelta(days=1)),
            },
        ),  # fmt: skip
    }


def series_queries(as_of: date, months: int = 12) -> list[tuple[str, dict]]:
    """The monthly series' references: the aging at each of the last ``months`` month ends (the
    ledger then, as in ``aging_history``; the last one is ``as_of`` when it is a month end) and the
    credit sales per month over all of them, in one query."""
    ends, end = [], as_of if (as_of + timedelta(days=1)).day == 1 else month_end_before(as_of)
    for _ in range(months + 1):  # and the month end before the first (the first month's CEI opens there)
        ends.append(end)
        end = month_end_before(end)
    first = ends[-2].replace(day=1)
    sales = (f"WITH {SALES.strip()} SELECT * FROM sales", {"from": first, "day": ends[0], "t": day_end(ends[0])})
    return [(AGING_HISTORY, {"day": day, "t": day_end(day)}) for day in reversed(ends)] + [sales]


def explain(cursor, sql: str, params: dict) -> str:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--explain", type=Path, default=Path(__file__).parent / "explain")
    args = parser.parse_args()
    args.explain.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM invoicing_invoice")
        size = cursor.fetchone()[0]
        for name, (sql, params) in queries(args.as_of).items():
            explain(cursor, sql, params)  # warm the cache: the file shows a warm run
            plan = explain(cursor, sql, params)
            shown = {k: str(v) for k, v in params.items()}
            (args.explain / f"{name}.txt").write_text(
                f"-- {name}: {size} documents; parameters {shown}\n{sql.strip()}\n\n{plan}\n"
            )
            print(f"{name}: {plan.splitlines()[-1]}")


if __name__ == "__main__":
    main()

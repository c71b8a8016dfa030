"""How fast receivables turn into cash: DSO (standard, countback), best possible DSO, average days
delinquent and the collection effectiveness index, for the scope's period.

Every figure is in the *reporting currency* (the scope's currency, or EUR converted with each
document's stored rate). Receivables are **net**: open invoices less unused credit notes, the
same basis as credit sales (analytics/kpis/receivables.py); **current** receivables are those not
yet due (due on or after the day) less unused credit, so total − current = overdue. The ledger is
read as it stood at the end of each day the formula names (analytics/ledger.py).

- credit sales S = Σ amount due of invoices − Σ amount due of credit notes dated in the period
  (issued by the end of its last day);
- DSO = R(end) ÷ S × days of the period;
- countback DSO: R(end) is matched against the sales of the months before, newest first: whole
  months count their days, the month that exhausts R counts days × (what is left of R ÷ its
  sales); the month of ``end`` counts only its days up to ``end``. At most 36 months back (more
  than that is reported as 36 months);
- best possible DSO = current receivables(end) ÷ S × days; average days delinquent = DSO − BPDSO;
- CEI = (R(start − 1) + S − R(end)) ÷ (R(start − 1) + S − current(end)) × 100.

Figures without credit sales (or a CEI denominator of 0) are None: "not meaningful", never a
division by zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.money import quantize

from ..ledger import CUSTOMER, EUR_RATE, INVOICE, customer_filter_sql, day_end, documents_at_sql
from ..scope import Scope
from .common import ZERO, Amounts, one_place, rows

COUNTBACK_MONTHS = 36


def _signed_sales_sql(scope: Scope, *, start: str, end: str, key: str) -> tuple[str, dict]:
    """Credit sales dated ``start``–``end`` grouped by ``key`` (an SQL expression, selected as
    ``key``), with ``amount`` in its currency and ``eur``."""
    filters, params = customer_filter_sql(scope)
    sign = "CASE WHEN d.document_type = 'credit_note' THEN -1 ELSE 1 END"
    sql = f"""
        SELECT {key} AS key, SUM({sign} * d.amount_due) AS amount,
               SUM({sign} * d.amount_due / {EUR_RATE.format(d="d")}) AS eur
          FROM {INVOICE} d{_join_customer(scope)}
         WHERE d.status IN ('issued', 'cancelled') AND d.invoice_date BETWEEN {start} AND {end}
           AND d.issued_at < %(sales_cutoff)s{filters}
         GROUP BY 1
    """
    return sql, params


def _join_customer(scope: Scope) -> str:
    """The customer, joined only for the filters that need it (a hash of every customer otherwise)."""
    return f" JOIN {CUSTOMER} c ON c.id = d.customer_id" if scope.filtered else ""


def credit_sales(scope: Scope) -> Amounts:
    """S: amount due of invoices less credit notes dated ``start``–``end``, issued by the end of
    ``end``. One query."""
    sql, params = _signed_sales_sql(scope, start="%(start)s", end="%(end)s", key="d.currency")
    params |= {"start": scope.start, "end": scope.end, "sales_cutoff": day_end(scope.end)}
    return Amounts.from_rows([{**r, "currency": r["key"]} for r in rows(sql, params)])


@dataclass(frozen=True)
class Position:
    """Net and current receivables at the end of a day, in the reporting currency."""

    day: date
    net: Decimal
    current: Decimal
    overdue: Decimal


def position(scope: Scope, day: date) -> Position:
    """Receivables at the end of ``day``: net (open invoices − unused credit), current (not yet
    due − unused credit) and overdue (due before ``day``). One query."""
    sql, params = documents_at_sql(scope, day)
    amount = "open_at" if scope.currency else "open_at / rate"
    query = f"""
        SELECT COALESCE(SUM(CASE WHEN document_type = 'credit_note' THEN -{amount} ELSE {amount} END), 0) AS net,
               COALESCE(SUM({amount}) FILTER (WHERE document_type = 'invoice' AND due_date < %(day)s), 0) AS overdue
          FROM ({sql}) docs
    """
    found = rows(query, params)[0]
    return Position(day=day, net=found["net"], current=found["net"] - found["overdue"], overdue=found["overdue"])


def _reporting(amounts: Amounts, scope: Scope) -> Decimal:
    return amounts.amount(scope.currency)


def countback_days(scope: Scope, receivables: Decimal) -> Decimal | None:
    """Countback DSO for ``receivables`` at the end of ``scope.end`` (see the module's docstring),
    in one query: the months newest first, each one's sales taken from what is left of R."""
    if receivables <= 0:
        return Decimal("0")
    filters, params = customer_filter_sql(scope)
    amount = "d.amount_due" if scope.currency else f"d.amount_due / {EUR_RATE.format(d='d')}"
    params |= {
        "end": scope.end,
        "months": COUNTBACK_MONTHS,
        "receivables": receivables,
        "sales_cutoff": day_end(scope.end),
    }
    # A recursive walk, one month's index range per step, that stops at the month exhausting R:
    # it reads the two or three months that matter, not all 36 (bench/README.md).
    query = f"""
        WITH RECURSIVE walk (month, remaining, days, n) AS (
            SELECT date_trunc('month', %(end)s::date)::date, %(receivables)s::numeric, 0::numeric, 0
            UNION ALL
            SELECT (w.month - interval '1 month')::date, w.remaining - m.sales,
                   w.days + CASE WHEN m.sales > w.remaining THEN m.days * w.remaining / m.sales ELSE m.days END,
                   w.n + 1
              FROM walk w
              CROSS JOIN LATERAL (
                  SELECT LEAST(%(end)s::date, (w.month + interval '1 month' - interval '1 day')::date)
                         - w.month + 1 AS days,
                         COALESCE(SUM(CASE WHEN d.document_type = 'credit_note' THEN -{amount} ELSE {amount} END),
                                  0) AS sales
                    FROM {INVOICE} d{_join_customer(scope)}
                   WHERE d.status IN ('issued', 'cancelled') AND d.issued_at < %(sales_cutoff)s
                     AND d.invoice_date >= w.month AND d.invoice_date < w.month + interval '1 month'
                     AND d.invoice_date <= %(end)s{filters}
              ) m
             WHERE w.remaining > 0 AND w.n < %(months)s
        )
        SELECT days FROM walk ORDER BY n DESC LIMIT 1
    """
    return rows(query, params)[0]["days"]


@dataclass(frozen=True)
class Dso:
    start: date
    end: date
    days: int
    currency: str  # the reporting currency
    receivables: Decimal
    current_receivables: Decimal
    credit_sales: Decimal
    standard: Decimal | None
    countback: Decimal | None
    best_possible: Decimal | None
    average_days_delinquent: Decimal | None


def dso(scope: Scope) -> Dso:
    """DSO = R(end) ÷ S × days; countback; BPDSO = current(end) ÷ S × days; ADD = DSO − BPDSO.
    Three queries."""
    at_end = position(scope, scope.end)
    sales = _reporting(credit_sales(scope), scope)
    standard = best = None
    if sales > 0:
        standard = at_end.net / sales * scope.days
        best = at_end.current / sales * scope.days
    countback = countback_days(scope, at_end.net)
    return Dso(
        start=scope.start,
        end=scope.end,
        days=scope.days,
        currency=scope.currency or "EUR",
        receivables=_money(at_end.net, scope),
        current_receivables=_money(at_end.current, scope),
        credit_sales=sales,
        standard=one_place(standard),
        countback=one_place(countback),
        best_possible=one_place(best),
        average_days_delinquent=None if standard is None else one_place(standard) - one_place(best),
    )


def _money(value: Decimal, scope: Scope) -> Decimal:
    return quantize(value or ZERO, scope.currency or "EUR")


@dataclass(frozen=True)
class Cei:
    start: date
    end: date
    currency: str
    opening: Decimal  # net receivables at the end of the day before start
    credit_sales: Decimal
    closing_total: Decimal
    closing_current: Decimal
    percent: Decimal | None


def cei(scope: Scope) -> Cei:
    """CEI = (opening + S − closing total) ÷ (opening + S − closing current) × 100. Three queries."""
    opening = position(scope, scope.start - timedelta(days=1))
    closing = position(scope, scope.end)
    sales = _reporting(credit_sales(scope), scope)
    collectible = opening.net + sales - closing.current
    percent = None
    if collectible > 0:
        percent = one_place((opening.net + sales - closing.net) / collectible * 100)
    return Cei(
        start=scope.start,
        end=scope.end,
        currency=scope.currency or "EUR",
        opening=_money(opening.net, scope),
        credit_sales=sales,
        closing_total=_money(closing.net, scope),
        closing_current=_money(closing.current, scope),
        percent=percent,
    )


@dataclass(frozen=True)
class MonthPoint:
    month: date  # first day of the month
    end: date  # its last day, or as_of in as_of's month
    receivables: Decimal
    overdue: Decimal
    credit_sales: Decimal
    dso: Decimal | None  # of that month: R(end) ÷ S(month) × days
    cei: Decimal | None


def monthly_series(scope: Scope, months: int = 12) -> list[MonthPoint]:
    """Receivables, overdue, credit sales, DSO and CEI of each of the last ``months`` months up to
    as_of's month (that month up to as_of), oldest first. ``months`` + 2 queries: the ledger at
    each month end and the one before the first, and the sales of every month at once."""
    ends: list[date] = []
    day = scope.as_of
    for _ in range(months):
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    ends.reverse()
    before_first = ends[0].replace(day=1) - timedelta(days=1)
    positions = [position(scope, day) for day in [before_first, *ends]]
    sql, params = _signed_sales_sql(
        scope, start="%(first)s", end="%(as_of)s", key="date_trunc('month', d.invoice_date)::date"
    )
    params |= {"first": ends[0].replace(day=1), "as_of": scope.as_of, "sales_cutoff": day_end(scope.as_of)}
    field = "amount" if scope.currency else "eur"
    sales = {r["key"]: r[field] or ZERO for r in rows(sql, params)}
    points = []
    for previous, current in zip(positions, positions[1:], strict=False):
        month = current.day.replace(day=1)
        month_sales = sales.get(month, ZERO)
        days = (current.day - month).days + 1
        collectible = previous.net + month_sales - current.current
        points.append(
            MonthPoint(
                month=month,
                end=current.day,
                receivables=_money(current.net, scope),
                overdue=_money(current.overdue, scope),
                credit_sales=_money(month_sales, scope),
                dso=one_place(current.net / month_sales * days) if month_sales > 0 else None,
                cei=one_place((previous.net + month_sales - current.net) / collectible * 100)
                if collectible > 0
                else None,
            )
        )
    return points

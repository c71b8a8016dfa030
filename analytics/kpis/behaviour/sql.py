"""The SQL the behaviour KPIs share: payments applied to invoices as the ledger stood at ``as_of``.

An *observation* is one allocation of a payment to an invoice (a credit note's credit is not a
payment). It counts when it was recorded by the end of ``as_of`` and not reversed by then — so a
return recorded after ``as_of`` does not change the numbers for ``as_of``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from analytics.ledger import ALLOCATION, CUSTOMER, EUR_RATE, INVOICE, PAYMENT, customer_filter_sql, day_end
from analytics.scope import Scope

# The weight of an observation: its amount in the scope's currency, or in EUR over all currencies
# (an allocation to an invoice without an EUR rate then weighs nothing: it has no EUR value).
WEIGHT = "(CASE WHEN %(currency)s::text IS NULL THEN a.amount / {rate} ELSE a.amount END)".format(
    rate=EUR_RATE.format(d="d")
)


def in_force(alias: str) -> str:
    """Recorded by ``%(t)s`` (the end of as_of) and not reversed by then."""
    return f"{alias}.created_at < %(t)s AND ({alias}.reversed_at IS NULL OR {alias}.reversed_at >= %(t)s)"


def period_moments(scope: Scope) -> dict[str, datetime]:
    """``from_t``/``to_t``: the period as moments (its first day's start, its last day's end)."""
    return {"from_t": day_end(scope.start - timedelta(days=1)), "to_t": day_end(scope.end)}


def observations_sql(scope: Scope, *, start: date, end: date) -> tuple[str, dict]:
    """Payment allocations to invoices with value date in ``start``..``end``, in force at as_of:
    ``customer_id, payment_id, channel, currency, amount, eur, weight, value_date, days_to_pay,
    days_beyond`` (``eur`` NULL without a rate; ``weight`` see WEIGHT)."""
    filters, params = customer_filter_sql(scope)
    params |= {"t": day_end(scope.as_of), "start": start, "end": end, "currency": scope.currency}
    sql = f"""
        SELECT d.customer_id, a.payment_id, p.channel, d.currency, a.amount,
               a.amount / {EUR_RATE.format(d="d")} AS eur, {WEIGHT} AS weight, p.value_date,
               p.value_date - d.invoice_date AS days_to_pay, p.value_date - d.due_date AS days_beyond
          FROM {ALLOCATION} a
          JOIN {PAYMENT} p ON p.id = a.payment_id
          JOIN {INVOICE} d ON d.id = a.invoice_id
          JOIN {CUSTOMER} c ON c.id = d.customer_id
         WHERE a.invoice_id IS NOT NULL AND {in_force("a")}
           AND p.value_date BETWEEN %(start)s AND %(end)s{filters}
    """
    return sql, params


# Amount-weighted averages of an observation set ``o`` (1 place; NULL without weight).
AVERAGES = """
    ROUND(SUM(o.weight * o.days_to_pay) / NULLIF(SUM(o.weight), 0), 1) AS days_to_pay,
    ROUND(SUM(o.weight * o.days_beyond) / NULLIF(SUM(o.weight), 0), 1) AS days_beyond_terms,
    ROUND(100 * COALESCE(SUM(o.weight) FILTER (WHERE o.days_beyond > 0), 0)
          / NULLIF(SUM(o.weight), 0), 1) AS paid_late_share
"""


def month_starts(as_of: date, months: int) -> list[date]:
    """The first days of ``months`` calendar months ending with ``as_of``'s month, oldest first."""
    first = as_of.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        out.append(date(index // 12, index % 12 + 1, 1))
    return out

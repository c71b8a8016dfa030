"""How customers pay: days to pay, days beyond terms, what came in when and through which channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from analytics.kpis.common import ZERO, Amounts, rows
from analytics.ledger import CUSTOMER, EUR_RATE, INVOICE, PAYMENT, customer_filter_sql, day_end
from analytics.scope import Scope
from core.money import quantize
from payments.models import PaymentChannel

from ..common import one_place
from .sql import AVERAGES, month_starts, observations_sql


@dataclass(frozen=True)
class PaymentBehaviour:
    days_to_pay: Decimal | None
    days_beyond_terms: Decimal | None
    paid_late_share: Decimal | None
    collected: Amounts
    allocation_count: int


def payment_behaviour(scope: Scope) -> PaymentBehaviour:
    """How fast the period's payments came, amount-weighted over every allocation of a payment to
    an invoice with value date in the period (in force at as_of):

    - days to pay = Σ w·(value date − invoice date) ÷ Σ w;
    - days beyond terms = Σ w·(value date − due date) ÷ Σ w (early payment is negative);
    - paid late share = 100 · Σ w [value date > due date] ÷ Σ w;

    ``w`` is the allocated amount in the scope's currency, or in EUR (amount ÷ the invoice's rate)
    over all currencies. Skonto and credit notes are not payments. ``collected`` = Σ amount."""
    observed, params = observations_sql(scope, start=scope.start, end=scope.end)
    found = rows(
        f"""
        WITH o AS ({observed})
        SELECT o.currency, SUM(o.amount) AS amount, SUM(o.eur) AS eur, COUNT(*) AS n,
               SUM(SUM(o.weight * o.days_to_pay)) OVER () / NULLIF(SUM(SUM(o.weight)) OVER (), 0) AS dtp,
               SUM(SUM(o.weight * o.days_beyond)) OVER () / NULLIF(SUM(SUM(o.weight)) OVER (), 0) AS dbt,
               100 * COALESCE(SUM(SUM(o.weight) FILTER (WHERE o.days_beyond > 0)) OVER (), 0)
                   / NULLIF(SUM(SUM(o.weight)) OVER (), 0) AS late
          FROM o GROUP BY o.currency ORDER BY o.currency
        """,
        params,
    )
    first = found[0] if found else {}
    return PaymentBehaviour(
        days_to_pay=one_place(first.get("dtp")),
        days_beyond_terms=one_place(first.get("dbt")),
        paid_late_share=one_place(first.get("late")),
        collected=Amounts.from_rows(found),
        allocation_count=sum(row["n"] for row in found),
    )


@dataclass(frozen=True)
class CustomerBehaviour:
    customer_id: int
    number: str
    name: str
    days_to_pay: Decimal | None
    days_beyond_terms: Decimal | None
    paid_late_share: Decimal | None
    collected: Decimal
    payments: int


@dataclass(frozen=True)
class BehaviourPage:
    rows: list[CustomerBehaviour]
    count: int
    currency: str


CUSTOMER_ORDERS = {
    "days_to_pay": "days_to_pay",
    "days_beyond_terms": "days_beyond_terms",
    "paid_late_share": "paid_late_share",
    "collected": "collected",
    "payments": "payments",
    "number": "number",
    "name": "name",
}


def payment_behaviour_by_customer(
    scope: Scope, *, order: str = "-days_beyond_terms", limit: int = 50, offset: int = 0
) -> BehaviourPage:
    """``payment_behaviour`` per customer who paid in the period (same formulas), one page of them
    ordered by ``order`` (a key of CUSTOMER_ORDERS, ``-`` for descending; empty values last, the
    customer number breaks ties). ``collected`` is in the scope's currency, or EUR; ``payments`` is
    the number of payments. One query: the page and the number of customers."""
    descending = order.startswith("-")
    column = CUSTOMER_ORDERS.get(order.removeprefix("-"))
    if column is None:
        raise ValueError(f"Unknown order: {order}")
    direction = "DESC NULLS LAST" if descending else "ASC NULLS LAST"
    observed, params = observations_sql(scope, start=scope.start, end=scope.end)
    params |= {"limit": limit, "offset": offset}
    found = rows(
        f"""
        WITH o AS ({observed}),
        per_customer AS (
            SELECT o.customer_id, c.number, c.legal_name AS name, {AVERAGES},
                   COALESCE(SUM(o.weight), 0) AS collected, COUNT(DISTINCT o.payment_id) AS payments
              FROM o JOIN {CUSTOMER} c ON c.id = o.customer_id
             GROUP BY o.customer_id, c.number, c.legal_name
        ),
        page AS (
            SELECT *, ROW_NUMBER() OVER (ORDER BY {column} {direction}, number, customer_id) AS position
              FROM per_customer ORDER BY position LIMIT %(limit)s OFFSET %(offset)s
        )
        SELECT (SELECT COUNT(*) FROM per_customer) AS total, page.*
          FROM (SELECT 1) one LEFT JOIN page ON TRUE ORDER BY page.position
        """,
        params,
    )
    currency = scope.currency or "EUR"
    return BehaviourPage(
        rows=[
            CustomerBehaviour(
                customer_id=row["customer_id"],
                number=row["number"],
                name=row["name"],
                days_to_pay=row["days_to_pay"],
                days_beyond_terms=row["days_beyond_terms"],
                paid_late_share=row["paid_late_share"],
                collected=quantize(row["collected"], currency),
                payments=row["payments"],
            )
            for row in found
            if row["customer_id"] is not None
        ],
        count=found[0]["total"],
        currency=currency,
    )


@dataclass(frozen=True)
class BehaviourMonth:
    month: date
    days_to_pay: Decimal | None
    days_beyond_terms: Decimal | None
    paid_late_share: Decimal | None
    collected: Amounts


def _monthly(found: list[dict], starts: list[date], kind: str | None = None) -> dict[date, list[dict]]:
    by_month: dict[date, list[dict]] = {start: [] for start in starts}
    for row in found:
        if kind is None or row["kind"] == kind:
            by_month[row["month"]].append(row)
    return by_month


def payment_behaviour_monthly(scope: Scope, months: int = 12) -> list[BehaviourMonth]:
    """``payment_behaviour`` per calendar month of value dates, the ``months`` months ending with
    as_of's month (the last one up to as_of), oldest first; every month read as the ledger stood
    at as_of. Months without payments have no averages and nothing collected."""
    starts = month_starts(scope.as_of, months)
    observed, params = observations_sql(scope, start=starts[0], end=scope.as_of)
    found = rows(
        f"""
        WITH o AS ({observed})
        SELECT date_trunc('month', o.value_date)::date AS month, o.currency,
               SUM(o.amount) AS amount, SUM(o.eur) AS eur,
               SUM(SUM(o.weight * o.days_to_pay)) OVER w / NULLIF(SUM(SUM(o.weight)) OVER w, 0) AS dtp,
               SUM(SUM(o.weight * o.days_beyond)) OVER w / NULLIF(SUM(SUM(o.weight)) OVER w, 0) AS dbt,
               100 * COALESCE(SUM(SUM(o.weight) FILTER (WHERE o.days_beyond > 0)) OVER w, 0)
                   / NULLIF(SUM(SUM(o.weight)) OVER w, 0) AS late
          FROM o GROUP BY 1, o.currency
        WINDOW w AS (PARTITION BY date_trunc('month', o.value_date)::date)
         ORDER BY 1, o.currency
        """,
        params,
    )
    out = []
    for month, month_rows in _monthly(found, starts).items():
        first = month_rows[0] if month_rows else {}
        out.append(
            BehaviourMonth(
                month=month,
                days_to_pay=one_place(first.get("dtp")),
                days_beyond_terms=one_place(first.get("dbt")),
                paid_late_share=one_place(first.get("late")),
                collected=Amounts.from_rows(month_rows),
            )
        )
    return out


@dataclass(frozen=True)
class InvoicedCollectedMonth:
    month: date
    invoiced: Amounts
    collected: Amounts


def invoiced_vs_collected(scope: Scope, months: int = 12) -> list[InvoicedCollectedMonth]:
    """Per calendar month (``months`` ending with as_of's month, oldest first):

    - invoiced = Σ amount due of invoices − Σ amount due of credit notes by invoice date (issued
      by the end of as_of; a cancelled invoice stays, its credit note offsets it);
    - collected = Σ payment allocations to invoices by the payment's value date (in force at
      as_of, as ``payment_behaviour``)."""
    starts = month_starts(scope.as_of, months)
    observed, params = observations_sql(scope, start=starts[0], end=scope.as_of)
    filters, _ = customer_filter_sql(scope)
    rate = EUR_RATE.format(d="d")
    found = rows(
        f"""
        WITH o AS ({observed}),
        invoiced AS (
            SELECT date_trunc('month', d.invoice_date)::date AS month, d.currency,
                   CASE WHEN d.document_type = 'credit_note' THEN -d.amount_due ELSE d.amount_due END AS amount,
                   CASE WHEN d.document_type = 'credit_note' THEN -d.amount_due ELSE d.amount_due END
                       / {rate} AS eur
              FROM {INVOICE} d JOIN {CUSTOMER} c ON c.id = d.customer_id
             WHERE d.status IN ('issued', 'cancelled') AND d.issued_at < %(t)s
               AND d.invoice_date BETWEEN %(start)s AND %(end)s{filters}
        )
        SELECT 'invoiced' AS kind, month, currency, SUM(amount) AS amount, SUM(eur) AS eur
          FROM invoiced GROUP BY month, currency
        UNION ALL
        SELECT 'collected', date_trunc('month', o.value_date)::date, o.currency, SUM(o.amount), SUM(o.eur)
          FROM o GROUP BY 2, 3
         ORDER BY 1, 2, 3
        """,
        params,
    )
    invoiced, collected = _monthly(found, starts, "invoiced"), _monthly(found, starts, "collected")
    return [
        InvoicedCollectedMonth(
            month=m, invoiced=Amounts.from_rows(invoiced[m]), collected=Amounts.from_rows(collected[m])
        )
        for m in starts
    ]


@dataclass(frozen=True)
class ChannelShare:
    channel: str
    label: str
    amount: Amounts
    count: int
    share: Decimal | None


def channel_mix(scope: Scope) -> list[ChannelShare]:
    """What the period's payments paid on invoices, per payment channel (the allocations of
    ``payment_behaviour``): amount, number of payments, and share = 100 · the channel's EUR amount
    ÷ the EUR total (the scope's currency instead, if one is chosen). Largest first."""
    observed, params = observations_sql(scope, start=scope.start, end=scope.end)
    found = rows(
        f"""
        WITH o AS ({observed})
        SELECT o.channel, o.currency, SUM(o.amount) AS amount, SUM(o.eur) AS eur,
               COUNT(DISTINCT o.payment_id) AS n,
               SUM(SUM(o.weight)) OVER (PARTITION BY o.channel) AS channel_weight,
               SUM(SUM(o.weight)) OVER () AS total_weight
          FROM o GROUP BY o.channel, o.currency
        """,
        params,
    )
    by_channel: dict[str, list[dict]] = {}
    for row in found:
        by_channel.setdefault(row["channel"], []).append(row)
    labels = dict(PaymentChannel.choices)
    out = []
    for channel, channel_rows in by_channel.items():
        first = channel_rows[0]
        share = 100 * first["channel_weight"] / first["total_weight"] if first["total_weight"] else None
        out.append(
            ChannelShare(
                channel=channel,
                label=str(labels.get(channel, channel)),
                amount=Amounts.from_rows(channel_rows),
                count=sum(row["n"] for row in channel_rows),
                share=one_place(share),
            )
        )
    return sorted(out, key=lambda c: (-(c.share or ZERO), c.channel))


@dataclass(frozen=True)
class TransactionValues:
    invoice_average: Decimal | None
    invoice_count: int
    payment_average: Decimal | None
    payment_count: int
    currency: str


def transaction_values(scope: Scope) -> TransactionValues:
    """Average transaction value in the scope's currency, or EUR over all currencies:

    - invoice average = Σ amount due ÷ number, over invoices (not credit notes) dated in the
      period and issued by the end of as_of (EUR: amount ÷ the invoice's rate);
    - payment average = Σ amount ÷ number, over payments with value date in the period, recorded
      by the end of as_of, neither pending nor failed (a payment returned later was still made).
      A payment in another currency counts in EUR at the latest stored rate on or before its value
      date; without one it is left out of the EUR average."""
    filters, params = customer_filter_sql(scope)
    payment_filters, _ = customer_filter_sql(scope, document="p")
    params |= {"t": day_end(scope.as_of), "start": scope.start, "end": scope.end, "currency": scope.currency}
    rate = EUR_RATE.format(d="d")
    found = rows(
        f"""
        SELECT 'invoice' AS kind, COUNT(*) AS n,
               AVG(CASE WHEN %(currency)s::text IS NULL THEN d.amount_due / {rate} ELSE d.amount_due END) AS average
          FROM {INVOICE} d JOIN {CUSTOMER} c ON c.id = d.customer_id
         WHERE d.document_type = 'invoice' AND d.status IN ('issued', 'cancelled') AND d.issued_at < %(t)s
           AND d.invoice_date BETWEEN %(start)s AND %(end)s{filters}
        UNION ALL
        SELECT 'payment', COUNT(*),
               AVG(CASE WHEN %(currency)s::text IS NOT NULL THEN p.amount
                        WHEN p.currency = 'EUR' THEN p.amount ELSE p.amount / r.units_per_eur END)
          FROM {PAYMENT} p JOIN {CUSTOMER} c ON c.id = p.customer_id
          LEFT JOIN LATERAL (
              SELECT units_per_eur FROM invoicing_exchangerate x
               WHERE x.currency = p.currency AND x.date <= p.value_date ORDER BY x.date DESC, x.id DESC LIMIT 1
          ) r ON p.currency <> 'EUR'
         WHERE p.created_at < %(t)s AND p.status NOT IN ('pending', 'failed')
           AND p.value_date BETWEEN %(start)s AND %(end)s{payment_filters}
         ORDER BY 1
        """,
        params,
    )
    currency = scope.currency or "EUR"
    invoice, payment = (next(row for row in found if row["kind"] == kind) for kind in ("invoice", "payment"))
    return TransactionValues(
        invoice_average=None if invoice["average"] is None else quantize(invoice["average"], currency),
        invoice_count=invoice["n"],
        payment_average=None if payment["average"] is None else quantize(payment["average"], currency),
        payment_count=payment["n"],
        currency=currency,
    )

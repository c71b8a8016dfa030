"""What collection work yields and costs: dunning levels, disputes, write-offs, fees and interest."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from analytics.kpis.common import Amounts, rows
from analytics.ledger import (
    ALLOCATION,
    BAD_DEBT,
    BAD_DEBT_REVERSAL,
    CUSTOMER,
    EUR_RATE,
    INVOICE,
    PAYMENT,
    WRITE_OFF,
    customer_filter_sql,
    day_end,
    documents_at_sql,
)
from analytics.scope import Scope

from ..common import one_place
from .sql import in_force, period_moments

REMINDER = "dunning_reminder"
REMINDER_RECORD = "dunning_reminderrecord"
LEVEL = "dunning_dunninglevel"
DISPUTE = "casework_dispute"
OPEN_ITEM = "payments_openitem"
COST_KINDS = ("dunning_fee", "flat_fee", "return_fee", "other_cost")
INTEREST_KIND = "default_interest"


def _params(scope: Scope, **aliases) -> tuple[str, dict]:
    filters, params = customer_filter_sql(scope, **aliases)
    return filters, params | {"t": day_end(scope.as_of), "day": scope.as_of} | period_moments(scope)


@dataclass(frozen=True)
class LevelEffect:
    level: int
    name: str
    reminders: int
    invoices: int
    paid_after: int
    share_paid: Decimal | None
    average_days_to_payment: Decimal | None


def dunning_effectiveness(scope: Scope) -> list[LevelEffect]:
    """Per dunning level (its position; names of the levels at that position joined), over the
    reminders sent in the period (status sent, sent — ``decided_at`` — within the period):

    - reminders = number of reminder letters; invoices = invoices they reminded at that level;
    - paid after = reminded invoices with nothing open at the end of as_of (``documents_at_sql``)
      that a payment recorded after the reminder was sent applied to (in force at as_of);
    - share paid = 100 · paid after ÷ invoices;
    - average days to payment = mean over the paid ones of (latest value date of those payments −
      the day the reminder was sent).
    Invoices settled only by credit note or write-off are not "paid after"."""
    documents, params = documents_at_sql(scope, scope.as_of)
    filters, more = _params(scope)
    params |= more | {"tz": settings.TIME_ZONE}  # the day it was sent where the letters go out
    found = rows(
        f"""
        WITH still_open AS ({documents}),
        reminded AS (
            SELECT l.position, l.name, r.id AS reminder_id, rr.invoice_id, r.decided_at,
                   (r.decided_at AT TIME ZONE %(tz)s)::date AS sent_on
              FROM {REMINDER_RECORD} rr
              JOIN {REMINDER} r ON r.id = rr.reminder_id
              JOIN {LEVEL} l ON l.id = rr.level_id
              JOIN {INVOICE} d ON d.id = rr.invoice_id
              JOIN {CUSTOMER} c ON c.id = d.customer_id
             WHERE r.status = 'sent' AND r.decided_at >= %(from_t)s AND r.decided_at < %(to_t)s
               AND r.decided_at < %(t)s{filters}
        ),
        settled AS (
            SELECT m.reminder_id, m.invoice_id, MAX(p.value_date) - m.sent_on AS days
              FROM reminded m
              JOIN {ALLOCATION} a ON a.invoice_id = m.invoice_id AND a.payment_id IS NOT NULL
              JOIN {PAYMENT} p ON p.id = a.payment_id
             WHERE {in_force("a")} AND a.created_at >= m.decided_at
               AND NOT EXISTS (SELECT 1 FROM still_open s WHERE s.id = m.invoice_id)
             GROUP BY m.reminder_id, m.invoice_id, m.sent_on
        )
        SELECT m.position, string_agg(DISTINCT m.name, ' / ') AS name,
               COUNT(DISTINCT m.reminder_id) AS reminders, COUNT(*) AS invoices,
               COUNT(s.invoice_id) AS paid_after, AVG(s.days) AS days
          FROM reminded m LEFT JOIN settled s ON s.reminder_id = m.reminder_id AND s.invoice_id = m.invoice_id
         GROUP BY m.position ORDER BY m.position
        """,
        params,
    )
    return [
        LevelEffect(
            level=row["position"],
            name=row["name"],
            reminders=row["reminders"],
            invoices=row["invoices"],
            paid_after=row["paid_after"],
            share_paid=one_place(100 * Decimal(row["paid_after"]) / row["invoices"]) if row["invoices"] else None,
            average_days_to_payment=one_place(row["days"]),
        )
        for row in found
    ]


@dataclass(frozen=True)
class DisputeSummary:
    open: Amounts
    open_count: int
    opened_in_period: int
    resolved_in_period: int


def disputes(scope: Scope) -> DisputeSummary:
    """Disputes on invoices in scope: ``open`` = Σ disputed amount (and number) of those opened by
    the end of as_of and not resolved by then (EUR at the invoice's rate); the number opened and
    the number resolved (in any way) within the period, as recorded by the end of as_of."""
    filters, params = _params(scope)
    rate = EUR_RATE.format(d="d")
    found = rows(
        f"""
        SELECT x.currency,
               SUM(x.amount) FILTER (WHERE x.resolved_at IS NULL OR x.resolved_at >= %(t)s) AS amount,
               SUM(x.amount / {rate}) FILTER (WHERE x.resolved_at IS NULL OR x.resolved_at >= %(t)s) AS eur,
               COUNT(*) FILTER (WHERE x.resolved_at IS NULL OR x.resolved_at >= %(t)s) AS open_count,
               COUNT(*) FILTER (WHERE x.opened_at >= %(from_t)s AND x.opened_at < %(to_t)s) AS opened,
               COUNT(*) FILTER (WHERE x.resolved_at >= %(from_t)s AND x.resolved_at < %(to_t)s
                                  AND x.resolved_at < %(t)s) AS resolved
          FROM {DISPUTE} x
          JOIN {INVOICE} d ON d.id = x.invoice_id
          JOIN {CUSTOMER} c ON c.id = d.customer_id
         WHERE x.opened_at < %(t)s{filters}
         GROUP BY x.currency ORDER BY x.currency
        """,
        params,
    )
    return DisputeSummary(
        open=Amounts.from_rows(found),
        open_count=sum(row["open_count"] for row in found),
        opened_in_period=sum(row["opened"] for row in found),
        resolved_in_period=sum(row["resolved"] for row in found),
    )


@dataclass(frozen=True)
class WriteOffSummary:
    small: Amounts
    bad_debt: Amounts
    reinstated: Amounts
    count: int


def write_offs(scope: Scope) -> WriteOffSummary:
    """Written off on invoices in scope, recorded within the period (EUR at the invoice's rate):

    - small = small differences written off (``WriteOff`` on an invoice) not reversed by the end
      of as_of;
    - bad debt = bad-debt write-offs (``BadDebtWriteOff``);
    - reinstated = bad debt reinstated (``BadDebtReversal``, e.g. a late payment);
    - count = number of small and bad-debt write-offs."""
    filters, params = _params(scope)
    rate = EUR_RATE.format(d="d")
    found = rows(
        f"""
        WITH moved AS (
            SELECT 'small' AS kind, w.invoice_id, w.amount FROM {WRITE_OFF} w
             WHERE w.invoice_id IS NOT NULL AND w.created_at >= %(from_t)s AND w.created_at < %(to_t)s
               AND {in_force("w")}
            UNION ALL SELECT 'bad_debt', b.invoice_id, b.amount FROM {BAD_DEBT} b
             WHERE b.created_at >= %(from_t)s AND b.created_at < %(to_t)s AND b.created_at < %(t)s
            UNION ALL SELECT 'reinstated', b.invoice_id, r.amount FROM {BAD_DEBT_REVERSAL} r
              JOIN {BAD_DEBT} b ON b.id = r.write_off_id
             WHERE r.created_at >= %(from_t)s AND r.created_at < %(to_t)s AND r.created_at < %(t)s
        )
        SELECT m.kind, d.currency, SUM(m.amount) AS amount, SUM(m.amount / {rate}) AS eur, COUNT(*) AS n
          FROM moved m JOIN {INVOICE} d ON d.id = m.invoice_id JOIN {CUSTOMER} c ON c.id = d.customer_id
         WHERE TRUE{filters}
         GROUP BY m.kind, d.currency ORDER BY 1, 2
        """,
        params,
    )
    of = {kind: [row for row in found if row["kind"] == kind] for kind in ("small", "bad_debt", "reinstated")}
    return WriteOffSummary(
        small=Amounts.from_rows(of["small"]),
        bad_debt=Amounts.from_rows(of["bad_debt"]),
        reinstated=Amounts.from_rows(of["reinstated"]),
        count=sum(row["n"] for row in of["small"] + of["bad_debt"]),
    )


@dataclass(frozen=True)
class FeesInterest:
    fees: Amounts
    interest: Amounts
    charged_fees: Amounts
    charged_interest: Amounts


def fees_and_interest(scope: Scope) -> FeesInterest:
    """Fees (dunning, flat § 288 (5) BGB, return and other costs) and default interest:

    - collected = Σ payment allocations to such open items with the payment's value date in the
      period, in force at as_of;
    - charged = Σ amount of such open items created within the period and not cancelled by the end
      of as_of.
    EUR at the rate of the invoice the item arose from (1 for EUR items; none otherwise)."""
    filters, params = _params(scope, document="i")
    params |= {"start": scope.start, "end": scope.end, "costs": list(COST_KINDS)}
    rate = "(CASE WHEN i.currency = 'EUR' THEN 1 WHEN d.currency = i.currency THEN d.exchange_rate END)"
    found = rows(
        f"""
        WITH moved AS (
            SELECT 'collected' AS what, a.item_id, a.amount FROM {ALLOCATION} a
              JOIN {PAYMENT} p ON p.id = a.payment_id
             WHERE a.item_id IS NOT NULL AND {in_force("a")} AND p.value_date BETWEEN %(start)s AND %(end)s
            UNION ALL SELECT 'charged', x.id, x.amount FROM {OPEN_ITEM} x
             WHERE x.created_at >= %(from_t)s AND x.created_at < %(to_t)s AND x.created_at < %(t)s
               AND (x.cancelled_at IS NULL OR x.cancelled_at >= %(t)s)
        )
        SELECT m.what, i.kind = ANY(%(costs)s) AS fee, i.currency, SUM(m.amount) AS amount,
               SUM(m.amount / {rate}) AS eur
          FROM moved m
          JOIN {OPEN_ITEM} i ON i.id = m.item_id
          JOIN {CUSTOMER} c ON c.id = i.customer_id
          LEFT JOIN {INVOICE} d ON d.id = i.invoice_id
         WHERE TRUE{filters}
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """,
        params,
    )

    def of(what: str, fee: bool) -> Amounts:
        return Amounts.from_rows([row for row in found if row["what"] == what and row["fee"] == fee])

    return FeesInterest(
        fees=of("collected", True),
        interest=of("collected", False),
        charged_fees=of("charged", True),
        charged_interest=of("charged", False),
    )

"""Open and overdue receivables and their aging, in total and per customer, at the end of ``as_of``.

All of it reads ``analytics.ledger.documents_at_sql`` (each document's open amount as the ledger
had recorded it by the end of the day) in one query per function:

- **open** = Σ open amount of invoices; **credits** = Σ credit of credit notes not yet used;
  **net receivables** = open − credits (the basis of DSO and CEI, like credit sales);
- **overdue** = Σ open amount of invoices due before ``as_of`` (due on ``as_of`` is not
  overdue); **not due** = open − overdue;
- **days past due** = ``as_of`` − due date; an invoice falls into the first bucket whose upper
  bound it does not exceed: not due (≤ 0), 1–30, 31–60, 61–90, 91–180, over 180 by default
  (``DEFAULT_BUCKETS``; the setting ``DEBITOR_AGING_BUCKETS`` or the ``buckets`` parameter change
  the bounds).

Per currency in its own currency and in EUR with each document's stored rate; the per-customer
table is in the *reporting currency*: the scope's currency if it names one, EUR otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext

from core.money import quantize

from ..ledger import CUSTOMER, documents_at_sql
from ..scope import Scope
from .common import ZERO, Amounts, rows

DEFAULT_BUCKETS = (30, 60, 90, 180)
MAX_BUCKETS = 8
MAX_PAGE = 500


def configured_buckets() -> tuple[int, ...]:
    """The aging bounds of the setting ``DEBITOR_AGING_BUCKETS`` (default 30, 60, 90, 180)."""
    return tuple(getattr(settings, "DEBITOR_AGING_BUCKETS", DEFAULT_BUCKETS))


def buckets_check(bounds) -> tuple[int, ...]:
    """Bounds as given (e.g. from ``?buckets=15,30,60``): whole days, rising, at most eight;
    ValueError with the reason otherwise."""
    bounds = tuple(bounds)
    if not bounds or len(bounds) > MAX_BUCKETS:
        raise ValueError(gettext("Give one to eight bounds, e.g. 30,60,90,180."))
    if any(not isinstance(b, int) or b < 1 or b > 3650 for b in bounds):
        raise ValueError(gettext("Each bound is a whole number of days from 1 to 3650."))
    if any(later <= earlier for earlier, later in zip(bounds, bounds[1:], strict=False)):
        raise ValueError(gettext("The bounds must rise, e.g. 30,60,90,180."))
    return bounds


@dataclass(frozen=True)
class AgingBucket:
    key: str  # "not_due", "1-30", …, "over_180"
    label: str
    low: int | None  # days past due, both ends included; None: open-ended
    high: int | None
    amounts: Amounts
    count: int


def bucket_frame(bounds: tuple[int, ...]) -> list[tuple[str, str, int | None, int | None]]:
    """(key, label, low, high) of each bucket, not due first."""
    frame = [("not_due", gettext("not due"), None, 0)]
    low = 1
    for high in bounds:
        frame.append((f"{low}-{high}", gettext("%(low)s–%(high)s days") % {"low": low, "high": high}, low, high))
        low = high + 1
    frame.append((f"over_{bounds[-1]}", gettext("over %(days)s days") % {"days": bounds[-1]}, low, None))
    return frame


def _bucket_sql(bounds: tuple[int, ...], day: str = "%(day)s") -> str:
    """The bucket index of an invoice: 0 not due, 1 … len(bounds) + 1 by days past due."""
    above = " + ".join(f"(({day}::date - due_date) > {int(b)})::int" for b in bounds)
    return f"CASE WHEN due_date IS NULL OR due_date >= {day}::date THEN 0 ELSE 1 + {above} END"


@dataclass(frozen=True)
class ReceivablesSummary:
    open: Amounts
    open_count: int
    overdue: Amounts
    overdue_count: int
    not_due: Amounts
    credits: Amounts
    net: Amounts  # open − credits


@dataclass(frozen=True)
class Aging:
    as_of: date
    buckets: list[AgingBucket]
    total: Amounts  # open invoices (Σ buckets)
    credits: Amounts
    net: Amounts


def _per_currency_buckets(scope: Scope, bounds: tuple[int, ...]) -> list[dict]:
    """One row per currency and bucket (−1: unused credit) with amount, EUR and count."""
    sql, params = documents_at_sql(scope, scope.as_of)
    query = f"""
        SELECT currency, bucket, COUNT(*) AS n, SUM(open_at) AS amount, SUM(open_at / rate) AS eur
          FROM (SELECT currency, open_at, rate,
                       CASE WHEN document_type = 'credit_note' THEN -1 ELSE {_bucket_sql(bounds)} END AS bucket
                  FROM ({sql}) docs) bucketed
         GROUP BY currency, bucket ORDER BY currency, bucket
    """
    return rows(query, params)


def aging(scope: Scope, *, buckets: tuple[int, ...] | None = None) -> Aging:
    """Open invoices per aging bucket (amount per currency and in EUR, count), and unused credit.

    bucket(invoice) = not due if due date ≥ as_of, else the first bucket whose upper bound ≥
    as_of − due date. One query."""
    bounds = buckets or configured_buckets()
    found = _per_currency_buckets(scope, bounds)
    frame = bucket_frame(bounds)
    result = [
        AgingBucket(
            key=key,
            label=label,
            low=low,
            high=high,
            amounts=Amounts.from_rows([r for r in found if r["bucket"] == index]),
            count=sum(r["n"] for r in found if r["bucket"] == index),
        )
        for index, (key, label, low, high) in enumerate(frame)
    ]
    invoices = [r for r in found if r["bucket"] >= 0]
    credits = Amounts.from_rows([r for r in found if r["bucket"] == -1])
    total = Amounts.from_rows(invoices)
    return Aging(as_of=scope.as_of, buckets=result, total=total, credits=credits, net=_minus(total, credits))


def _minus(a: Amounts, b: Amounts) -> Amounts:
    currencies = sorted(set(a.by_currency) | set(b.by_currency))
    return Amounts(
        by_currency={c: a.by_currency.get(c, ZERO) - b.by_currency.get(c, ZERO) for c in currencies},
        eur=a.eur - b.eur,
        eur_missing=a.eur_missing or b.eur_missing,
    )


def receivables_summary(scope: Scope) -> ReceivablesSummary:
    """Open, overdue (due before as_of), not due, unused credit and net receivables at the end of
    ``as_of``; counts of open and overdue invoices. One query (the aging with one bucket)."""
    found = _per_currency_buckets(scope, (36500,))  # buckets 0 (not due) and 1 (overdue)
    invoices = [r for r in found if r["bucket"] >= 0]
    overdue = [r for r in found if r["bucket"] == 1]
    open_ = Amounts.from_rows(invoices)
    credits = Amounts.from_rows([r for r in found if r["bucket"] == -1])
    return ReceivablesSummary(
        open=open_,
        open_count=sum(r["n"] for r in invoices),
        overdue=Amounts.from_rows(overdue),
        overdue_count=sum(r["n"] for r in overdue),
        not_due=Amounts.from_rows([r for r in found if r["bucket"] == 0]),
        credits=credits,
        net=_minus(open_, credits),
    )


@dataclass(frozen=True)
class CustomerAging:
    customer_id: int
    number: str
    name: str
    country: str
    buckets: list[Decimal]  # in the order of bucket_frame
    total: Decimal  # open invoices − unused credit
    overdue: Decimal
    credits: Decimal
    oldest_days_past_due: int | None


@dataclass(frozen=True)
class CustomerAgingPage:
    rows: list[CustomerAging]
    count: int
    currency: str  # the reporting currency
    frame: list[tuple[str, str, int | None, int | None]]


# ?order= for the per-customer table: key → SQL (the customer's id breaks ties).
CUSTOMER_ORDERS = {
    "total": "total",
    "overdue": "overdue",
    "credits": "credits",
    "oldest": "oldest NULLS FIRST",
    "name": "lower(c.legal_name)",
    "number": "c.number",
    "country": "c.billing_country",
}


def customer_order_sql(order: str, bounds: tuple[int, ...]) -> str:
    """ORDER BY for ``order`` (a key of CUSTOMER_ORDERS or ``b<index>`` for a bucket, ``-`` first
    for descending); ValueError naming the choices otherwise."""
    descending = order.startswith("-")
    key = order.removeprefix("-")
    if key in CUSTOMER_ORDERS:
        expression = CUSTOMER_ORDERS[key]
    elif key.startswith("b") and key[1:].isdigit() and int(key[1:]) <= len(bounds) + 1:
        expression = f"b{int(key[1:])}"
    else:
        choices = ", ".join([*CUSTOMER_ORDERS, *(f"b{i}" for i in range(len(bounds) + 2))])
        raise ValueError(gettext("One of: %(choices)s (with - in front for descending).") % {"choices": choices})
    if descending:
        expression = expression.replace(" NULLS FIRST", "") + " DESC NULLS LAST"
    return f"{expression}, c.id"


def aging_by_customer(
    scope: Scope, *, buckets: tuple[int, ...] | None = None, order: str = "-total", limit: int = 50, offset: int = 0
) -> CustomerAgingPage:
    """Per customer: open invoices per bucket, total (open − unused credit), overdue, unused credit
    and the oldest invoice's days past due, in the reporting currency, sorted by ``order``; one
    page of ``limit`` rows from ``offset`` and the number of customers. One query."""
    bounds = buckets or configured_buckets()
    frame = bucket_frame(bounds)
    order_sql = customer_order_sql(order, bounds)
    sql, params = documents_at_sql(scope, scope.as_of)
    reporting = scope.currency or "EUR"
    amount = "open_at" if scope.currency else "open_at / rate"
    sums = ",\n".join(f"SUM(amt) FILTER (WHERE bucket = {index}) AS b{index}" for index in range(len(frame)))
    query = f"""
        WITH per AS (
            SELECT customer_id, {sums},
                   SUM(amt) FILTER (WHERE bucket > 0) AS overdue,
                   SUM(amt) FILTER (WHERE bucket = -1) AS credits,
                   SUM(CASE WHEN bucket = -1 THEN -amt ELSE amt END) AS total,
                   MAX(%(day)s::date - due_date) FILTER (WHERE bucket > 0) AS oldest
              FROM (SELECT customer_id, due_date, {amount} AS amt,
                           CASE WHEN document_type = 'credit_note' THEN -1 ELSE {_bucket_sql(bounds)} END AS bucket
                      FROM ({sql}) docs) bucketed
             GROUP BY customer_id
        )
        -- The count comes on every row, and on a row of NULLs when the page is past the end.
        SELECT counted.full_count, page.*
          FROM (SELECT COUNT(*) AS full_count FROM per) counted
          LEFT JOIN LATERAL (
                SELECT c.id, c.number, c.legal_name, c.billing_country, per.*
                  FROM per JOIN {CUSTOMER} c ON c.id = per.customer_id
                 ORDER BY {order_sql}
                 LIMIT %(limit)s OFFSET %(offset)s
          ) page ON true
    """
    params |= {"limit": max(1, min(int(limit), MAX_PAGE)), "offset": max(0, int(offset))}
    found = rows(query, params)

    def money(value) -> Decimal:
        return quantize(value or ZERO, reporting)

    page = [
        CustomerAging(
            customer_id=r["id"],
            number=r["number"],
            name=r["legal_name"],
            country=r["billing_country"],
            buckets=[money(r[f"b{index}"]) for index in range(len(frame))],
            total=money(r["total"]),
            overdue=money(r["overdue"]),
            credits=money(r["credits"]),
            oldest_days_past_due=r["oldest"],
        )
        for r in found
        if r["id"] is not None
    ]
    return CustomerAgingPage(rows=page, count=found[0]["full_count"], currency=reporting, frame=frame)


def top_debtors(scope: Scope, n: int = 10) -> list[CustomerAging]:
    """The ``n`` customers with the most receivables (open − unused credit) at the end of as_of."""
    return aging_by_customer(scope, order="-total", limit=n).rows


@dataclass(frozen=True)
class OpenItemRow:
    invoice_id: int
    number: str
    document_type: str
    invoice_date: date
    due_date: date | None
    days_past_due: int | None  # positive: overdue; None for credit notes
    currency: str
    amount_due: Decimal
    open_at: Decimal
    bucket_label: str


def customer_open_items(scope: Scope, customer_id: int, *, buckets: tuple[int, ...] | None = None) -> list[OpenItemRow]:
    """The customer's documents open at the end of as_of, the oldest due first. One query."""
    bounds = buckets or configured_buckets()
    frame = bucket_frame(bounds)
    narrowed = replace(scope, customer_id=customer_id)
    sql, params = documents_at_sql(narrowed, scope.as_of)
    query = f"""
        SELECT docs.*, CASE WHEN document_type = 'credit_note' THEN -1 ELSE {_bucket_sql(bounds)} END AS bucket
          FROM ({sql}) docs ORDER BY due_date NULLS LAST, invoice_date, id
    """
    credit = gettext("unused credit")
    return [
        OpenItemRow(
            invoice_id=r["id"],
            number=r["number"],
            document_type=r["document_type"],
            invoice_date=r["invoice_date"],
            due_date=r["due_date"],
            days_past_due=None if r["bucket"] == -1 or r["due_date"] is None else (scope.as_of - r["due_date"]).days,
            currency=r["currency"],
            amount_due=r["amount_due"],
            open_at=r["open_at"],
            bucket_label=credit if r["bucket"] == -1 else frame[r["bucket"]][1],
        )
        for r in rows(query, params)
    ]

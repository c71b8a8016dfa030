"""Cash-in forecast: when the open invoices are expected to be paid, per week; and how well that
forecast did in the past (backtest).

Forecast (``cash_in_forecast``), as the ledger stood at the end of ``as_of``:

    expected date = due date + round(customer's delay)
    customer's delay = Σ(allocation × (value date − due date)) ÷ Σ allocation

over the customer's payment allocations to invoices recorded by the end of ``as_of`` and not
reversed by then, with value dates in the 365 days up to ``as_of`` (weights in EUR: amount ÷ the
invoice's rate; the amount itself where no rate is stored), rounded half away from zero to
whole days. A customer without such payments gets the same average over all customers
(``default_delay_days``; 0 without any history). The delays are always learnt from all
customers, whatever the filter, so a filtered forecast is exactly the filtered part of the
whole one.

Each open invoice (its amount open at the end of ``as_of``) falls into the week of its expected
date; weeks run Monday to Sunday and week 1 is the one holding ``as_of`` + 1 day. An invoice
expected on or before ``as_of`` — already later than its customer usually pays — is put in week 1
(also reported as ``overdue_in_first_week``); one expected after the last week is in ``later``.
So weeks + later = the open invoices (``total``). Optionally (``stale_days``) an invoice expected
more than so many days before ``as_of`` is reported as ``stale`` instead of in week 1; then
weeks + later + stale = total. Unused credit of credit notes is not a receipt
and is left out; fees and interest are not receivables (analytics/ledger.py). An invoice without
a due date is due on its invoice date.

Backtest (``forecast_backtest``): the forecast as of past month ends against the receipts that
followed (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext, pgettext

from core.formatting import date_text, number_text
from core.money import quantize

from ..ledger import ALLOCATION, EUR_RATE, INVOICE, PAYMENT, day_end, documents_at_sql
from ..scope import Scope
from .common import ZERO, Amounts, one_place, rows

DEFAULT_WEEKS = 13
HISTORY_DAYS = 365
DEFAULT_ORIGINS = 12
NONE = Decimal("0.00")  # EUR received in a week without receipts


@dataclass(frozen=True)
class ForecastWeek:
    """Receipts expected in one week (Monday ``start`` to Sunday ``end``)."""

    number: int
    start: date
    end: date
    expected: Amounts
    count: int
    label: str = ""


@dataclass(frozen=True)
class Forecast:
    as_of: date
    weeks: list[ForecastWeek]
    total: Amounts  # every open invoice: the weeks plus ``later``
    overdue_in_first_week: Amounts  # part of week 1: expected on or before as_of
    later: Amounts  # expected after the last week
    later_count: int
    method: str
    default_delay_days: Decimal | None  # None: no payment history at all (delay 0 is used)
    delays: bool = True  # False: the naive reference (due dates, no delay)
    count: int = 0
    # With ``stale_days``: invoices expected more than that many days before as_of, not expected
    # at all (in ``total``, not in the weeks). Empty without ``stale_days``.
    stale: Amounts = field(default_factory=Amounts)
    stale_count: int = 0
    stale_days: int | None = None

    @property
    def first_week_start(self) -> date:
        return self.weeks[0].start if self.weeks else self.as_of


@dataclass(frozen=True)
class HorizonError:
    """The forecast for week ``week`` after each origin against what came in, summed over the
    origins (EUR)."""

    week: int
    forecast_total: Decimal
    actual_total: Decimal
    mean_absolute_error: Decimal  # Σ|forecast − actual| ÷ origins
    wape: Decimal | None  # Σ|forecast − actual| ÷ Σ actual × 100; None when nothing came in
    label: str = ""


@dataclass(frozen=True)
class Backtest:
    horizons: list[HorizonError]
    origins: list[date]
    method: str
    weeks: int = DEFAULT_WEEKS
    currency: str = "EUR"
    wape: Decimal | None = None  # over every week of every origin
    mean_absolute_error: Decimal | None = None
    delays: bool = True
    # Per origin (oldest first), per week: (forecast, actual) in EUR — what a chart of the
    # individual forecasts needs.
    details: list[list[tuple[Decimal, Decimal]]] = field(default_factory=list)


def week_label(number: int) -> str:
    return pgettext("forecast", "Week %(number)s") % {"number": number}


def first_monday(as_of: date) -> date:
    """The Monday of the week holding ``as_of`` + 1 day: the start of forecast week 1."""
    first = as_of + timedelta(days=1)
    return first - timedelta(days=first.weekday())


def _history_sql() -> str:
    """Per customer: Σ(weight × days beyond terms) and Σ weight of the payments in the 365 days up
    to ``%(day)s`` as recorded by ``%(t)s``; and ``overall``, the average over all customers."""
    rate = EUR_RATE.format(d="i")
    return f"""
        history AS (
            SELECT i.customer_id,
                   SUM(a.amount / COALESCE({rate}, 1)
                       * (p.value_date - COALESCE(i.due_date, i.invoice_date))) AS weighted,
                   SUM(a.amount / COALESCE({rate}, 1)) AS weight
              FROM {ALLOCATION} a
              JOIN {PAYMENT} p ON p.id = a.payment_id
              JOIN {INVOICE} i ON i.id = a.invoice_id
             WHERE a.invoice_id IS NOT NULL AND i.document_type = 'invoice'
               AND a.created_at < %(t)s AND (a.reversed_at IS NULL OR a.reversed_at >= %(t)s)
               AND p.value_date > %(history_from)s AND p.value_date <= %(day)s
             GROUP BY i.customer_id
        ),
        overall AS (SELECT SUM(weighted) / NULLIF(SUM(weight), 0) AS delay FROM history)
    """


def _forecast_sql(scope: Scope, *, weeks: int, delays: bool, stale_days: int | None) -> tuple[str, dict]:
    docs, params = documents_at_sql(scope, scope.as_of)
    params |= {
        "history_from": scope.as_of - timedelta(days=HISTORY_DAYS),
        "week1": first_monday(scope.as_of),
        "weeks": weeks,
        # Without a cut-off no expected date is "stale": a day before any invoice.
        "stale_before": scope.as_of - timedelta(days=stale_days) if stale_days is not None else date(1900, 1, 1),
    }
    if delays:
        history = _history_sql()
        delay = "COALESCE(h.weighted / NULLIF(h.weight, 0), o.delay, 0)"
        joins = "LEFT JOIN history h ON h.customer_id = d.customer_id CROSS JOIN overall o"
        default = "SELECT ROUND(delay, 1) FROM overall"
    else:
        history, delay, joins, default = "", "0", "", "SELECT NULL::numeric"
    sql = f"""
        WITH {history}{"," if delays else ""}
        docs AS ({docs}),
        expected AS (
            SELECT d.currency, d.open_at AS amount, d.open_at / d.rate AS eur,
                   COALESCE(d.due_date, d.invoice_date) + ROUND({delay})::integer AS expected_on
              FROM docs d {joins}
             WHERE d.document_type = 'invoice'
        ),
        placed AS (
            SELECT currency, amount, eur, expected_on <= %(day)s AND expected_on >= %(stale_before)s AS overdue,
                   CASE WHEN expected_on < %(stale_before)s THEN -1
                        WHEN expected_on <= %(day)s THEN 1
                        ELSE (expected_on - %(week1)s) / 7 + 1 END AS week
              FROM expected
        )
        SELECT CASE WHEN week > %(weeks)s THEN 0 ELSE week END AS week, overdue, currency,
               SUM(amount) AS amount, SUM(eur) AS eur, COUNT(*) AS count, NULL::numeric AS delay
          FROM placed
         GROUP BY 1, 2, 3, eur IS NULL
        UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, ({default})
    """
    return sql, params


def cash_in_forecast(
    scope: Scope, *, weeks: int = DEFAULT_WEEKS, delays: bool = True, stale_days: int | None = None
) -> Forecast:
    """Expected receipts per week for the next ``weeks`` weeks (see the module docstring for the
    formula). One query. ``delays=False`` gives the naive reference: every invoice on its due
    date (the backtest compares the two). ``stale_days``: an invoice expected more than that many
    days before ``as_of`` is not expected any more (``stale``) instead of in week 1 — the
    long-overdue items a collector no longer counts on (bench/README.md, bench_forecast.py, measures it)."""
    sql, params = _forecast_sql(scope, weeks=weeks, delays=delays, stale_days=stale_days)
    found = rows(sql, params)
    default = next(row["delay"] for row in found if row["week"] is None)
    placed = [row for row in found if row["week"] is not None]
    week1 = first_monday(scope.as_of)
    out = []
    for number in range(1, weeks + 1):
        in_week = [row for row in placed if row["week"] == number]
        start = week1 + timedelta(days=7 * (number - 1))
        out.append(
            ForecastWeek(
                number=number,
                start=start,
                end=start + timedelta(days=6),
                expected=Amounts.from_rows(in_week),
                count=sum(row["count"] for row in in_week),
                label=week_label(number),
            )
        )
    later = [row for row in placed if row["week"] == 0]
    stale = [row for row in placed if row["week"] == -1]
    return Forecast(
        as_of=scope.as_of,
        weeks=out,
        total=Amounts.from_rows(placed),
        overdue_in_first_week=Amounts.from_rows([row for row in placed if row["overdue"]]),
        later=Amounts.from_rows(later),
        later_count=sum(row["count"] for row in later),
        method=" ".join(
            [forecast_method(as_of=scope.as_of, default=default, delays=delays)]
            + ([stale_method(stale_days)] if stale_days is not None else [])
        ),
        default_delay_days=default,
        delays=delays,
        count=sum(row["count"] for row in placed),
        stale=Amounts.from_rows(stale),
        stale_count=sum(row["count"] for row in stale),
        stale_days=stale_days,
    )


def forecast_method(*, as_of: date, default: Decimal | None, delays: bool = True) -> str:
    """How the forecast is computed, in the reader's language (the page shows it)."""
    if not delays:
        return gettext(
            "Naive reference: each open invoice is expected on its due date; invoices due on or before "
            "%(as_of)s are expected in the first week."
        ) % {"as_of": date_text(as_of)}
    return gettext(
        "Each open invoice is expected on its due date plus its customer's average delay over the last "
        "365 days (days from due date to payment, weighted by amount; customers without payments in that "
        "time: the average of all customers, %(default)s days). Invoices expected on or before %(as_of)s "
        "are counted in the first week. Unused credit notes are not receipts and are left out."
    ) % {"default": number_text(default or ZERO, places=1), "as_of": date_text(as_of)}


def stale_method(stale_days: int) -> str:
    return gettext(
        "Invoices expected more than %(days)s days before the day are not expected any more and are shown apart."
    ) % {"days": stale_days}


def backtest_origins(as_of: date, *, origins: int, weeks: int) -> list[date]:
    """The last ``origins`` month ends whose ``weeks`` forecast weeks have all passed by
    ``as_of`` (oldest first)."""
    found: list[date] = []
    month_end = as_of.replace(day=1) - timedelta(days=1)
    while len(found) < origins:
        if first_monday(month_end) + timedelta(days=7 * weeks - 1) <= as_of:
            found.append(month_end)
        month_end = month_end.replace(day=1) - timedelta(days=1)
    return found[::-1]


def _actuals(scope: Scope, origin: date, *, weeks: int) -> dict[int, Decimal]:
    """EUR received per week after ``origin`` on the invoices open at its end: payment allocations
    recorded after the origin and by the end of ``scope.as_of`` (not reversed by then), by value
    date; week 1 also takes value dates before it (a payment recorded late)."""
    docs, params = documents_at_sql(scope.at(origin), origin)
    week1 = first_monday(origin)
    params |= {
        "now": day_end(scope.as_of),
        "week1": week1,
        "week1_end": week1 + timedelta(days=6),
        "last_end": week1 + timedelta(days=7 * weeks - 1),
    }
    sql = f"""
        WITH docs AS ({docs})
        SELECT CASE WHEN p.value_date <= %(week1_end)s THEN 1
                    ELSE (p.value_date - %(week1)s) / 7 + 1 END AS week,
               SUM(a.amount / d.rate) AS eur
          FROM docs d
          JOIN {ALLOCATION} a ON a.invoice_id = d.id
          JOIN {PAYMENT} p ON p.id = a.payment_id
         WHERE d.document_type = 'invoice'
           AND a.created_at >= %(t)s AND a.created_at < %(now)s
           AND (a.reversed_at IS NULL OR a.reversed_at >= %(now)s)
           AND p.value_date <= %(last_end)s
         GROUP BY 1
    """
    return {row["week"]: quantize(row["eur"] or ZERO, "EUR") for row in rows(sql, params)}


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return one_place(part / whole * 100)


def forecast_backtest(
    scope: Scope,
    *,
    origins: int = DEFAULT_ORIGINS,
    weeks: int = DEFAULT_WEEKS,
    delays: bool = True,
    stale_days: int | None = None,
) -> Backtest:
    """The forecast as of each of the last ``origins`` month ends whose ``weeks`` weeks have all
    passed by ``scope.as_of`` (the ledger as it stood at that month end), against the receipts
    that followed on the invoices open then: payment allocations recorded by the end of
    ``scope.as_of`` and not reversed by then, by value date, in EUR. Per week h after the origin:

        forecast_total = Σ_origins forecast(h),   actual_total = Σ_origins actual(h)
        mean absolute error = Σ|forecast(h) − actual(h)| ÷ origins
        WAPE = Σ|forecast(h) − actual(h)| ÷ Σ actual(h) × 100

    Invoices never paid stay in the forecast and never arrive: the backtest counts that as error,
    as it should. Two queries per origin (12 origins: 24), none per invoice."""
    days = backtest_origins(scope.as_of, origins=origins, weeks=weeks)
    details = []
    for origin in days:
        forecast = cash_in_forecast(scope.at(origin), weeks=weeks, delays=delays, stale_days=stale_days)
        actual = _actuals(scope, origin, weeks=weeks)
        details.append([(week.expected.eur, actual.get(week.number, NONE)) for week in forecast.weeks])
    horizons = []
    for index in range(weeks):
        pairs = [per_origin[index] for per_origin in details]
        error = sum((abs(f - a) for f, a in pairs), ZERO)
        actual_total = sum((a for _, a in pairs), ZERO)
        horizons.append(
            HorizonError(
                week=index + 1,
                forecast_total=sum((f for f, _ in pairs), ZERO),
                actual_total=actual_total,
                mean_absolute_error=quantize(error / len(pairs), "EUR") if pairs else ZERO,
                wape=_percent(error, actual_total),
                label=week_label(index + 1),
            )
        )
    every = [pair for per_origin in details for pair in per_origin]
    error = sum((abs(f - a) for f, a in every), ZERO)
    return Backtest(
        horizons=horizons,
        origins=days,
        method=backtest_method(origins=len(days), weeks=weeks),
        weeks=weeks,
        wape=_percent(error, sum((a for _, a in every), ZERO)),
        mean_absolute_error=quantize(error / len(every), "EUR") if every else None,
        delays=delays,
        details=details,
    )


def backtest_method(*, origins: int, weeks: int) -> str:
    return gettext(
        "The forecast as the ledger stood at each of the last %(origins)s month ends whose %(weeks)s weeks "
        "have passed, against the payments that followed on the invoices open then (by value date, in EUR). "
        "Mean absolute error: the average difference per week; WAPE: the sum of the differences divided by "
        "the sum of the payments received."
    ) % {"origins": origins, "weeks": weeks}

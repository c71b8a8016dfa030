"""The dashboard's sections: KPI results turned into headline figures, charts and tables.

Each builder takes the scope and returns what a template draws; the pages (views.py) put them
together and the live endpoint reuses ``headline``. Amounts are shown in the reporting currency
(``scope.currency``, or all currencies converted to EUR with each invoice's stored rate).
KPI modules are imported inside the builders, behind ``frame.available``: a module that has not
landed yet shows its section as not available, never as made-up numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from babel.dates import format_date, format_skeleton
from django.urls import reverse
from django.utils.translation import gettext

from core.admin_exports import word
from core.formatting import EMPTY, date_text, money_text, number_text, reader_locale

from ..scope import Scope
from . import charts
from .exports import Column, Table
from .frame import available, reporting_currency

RECEIVABLES = "analytics.kpis.receivables"
TURNOVER = "analytics.kpis.turnover"
BEHAVIOUR = "analytics.kpis.behaviour"
FORECAST = "analytics.kpis.forecast"


def amount(value, scope: Scope) -> Decimal | None:
    """An ``Amounts`` in the reporting currency."""
    return None if value is None else value.amount(scope.currency)


def month_label(day) -> str:
    """A month for the reader, "Nov. 2026" (German), "Nov 2026" (English)."""
    return format_date(day, "MMM y", locale=reader_locale())


def plain(value, scope: Scope):
    """A number that may come as ``Amounts`` (then in the reporting currency) or as a Decimal."""
    return amount(value, scope) if hasattr(value, "by_currency") else value


@dataclass
class Figure:
    key: str
    label: str
    value: str
    change: str = ""  # against the previous period, in words
    direction: str = ""  # up, down, same (no judgement: more overdue is bad, more collected good)
    available: bool = True


def _change(now, before, text) -> tuple[str, str]:
    if now is None or before is None:
        return "", ""
    diff = now - before
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    words = gettext("%(change)s against the previous period") % {"change": sign + text(abs(diff))}
    return words, "up" if diff > 0 else ("down" if diff < 0 else "same")


def headline(scope: Scope) -> list[Figure]:
    """The overview's six figures, each with its change against ``scope.previous()``."""
    currency = reporting_currency(scope)
    money = lambda v: money_text(v, currency)  # noqa: E731
    days = lambda v: number_text(v, places=1) + " " + gettext("days")  # noqa: E731
    percent = lambda v: number_text(v, places=1) + " %"  # noqa: E731
    before = scope.previous()
    figures: list[Figure] = []

    def add(key, label, now, prev, text):
        value = text(now) if now is not None else EMPTY
        change, direction = _change(now, prev, text)
        figures.append(Figure(key, label, value, change, direction))

    if available(RECEIVABLES):
        from ..kpis.receivables import receivables_summary

        now, prev = receivables_summary(scope), receivables_summary(before)
        add("open", gettext("Open receivables"), amount(now.open, scope), amount(prev.open, scope), money)
        add("overdue", gettext("Overdue"), amount(now.overdue, scope), amount(prev.overdue, scope), money)
    else:
        figures += [Figure("open", gettext("Open receivables"), EMPTY, available=False)]
        figures += [Figure("overdue", gettext("Overdue"), EMPTY, available=False)]
    if available(TURNOVER):
        from ..kpis.turnover import cei, dso

        add("dso", gettext("Days sales outstanding (DSO)"), dso(scope).standard, dso(before).standard, days)
        add("cei", gettext("Collection effectiveness (CEI)"), cei(scope).percent, cei(before).percent, percent)
    else:
        figures += [Figure("dso", gettext("Days sales outstanding (DSO)"), EMPTY, available=False)]
        figures += [Figure("cei", gettext("Collection effectiveness (CEI)"), EMPTY, available=False)]
    if available(BEHAVIOUR):
        from ..kpis.behaviour import payment_behaviour

        now, prev = payment_behaviour(scope), payment_behaviour(before)
        add("beyond", gettext("Average days beyond terms"), now.days_beyond_terms, prev.days_beyond_terms, days)
        add("collected", gettext("Collected in the period"), amount(now.collected, scope),
            amount(prev.collected, scope), money)  # fmt: skip
    else:
        figures += [Figure("beyond", gettext("Average days beyond terms"), EMPTY, available=False)]
        figures += [Figure("collected", gettext("Collected in the period"), EMPTY, available=False)]
    return figures


# --- Aging -------------------------------------------------------------------------------------


def aging_section(scope: Scope):
    """The aging buckets: a stacked bar and its table (buckets, then credits and the total)."""
    if not available(RECEIVABLES):
        return None, None
    from ..kpis.receivables import aging

    result = aging(scope)
    currency = reporting_currency(scope)
    items = [(str(b.label), amount(b.amounts, scope), money_text(amount(b.amounts, scope), currency))
             for b in result.buckets]  # fmt: skip
    chart = charts.stacked_bar(gettext("Open receivables by days past due"), items)
    table = Table(
        "aging",
        gettext("Aging"),
        [
            Column(gettext("Days past due")),
            Column(gettext("Open amount"), "money", currency),
            Column(gettext("Documents"), "count"),
        ],  # fmt: skip
        [[str(b.label), amount(b.amounts, scope), b.count] for b in result.buckets],
    )
    table.rows.append([gettext("Unused credit notes"), -amount(result.credits, scope), None])
    table.rows.append([gettext("Total"), amount(result.total, scope), sum(b.count for b in result.buckets)])
    return chart, table


def aging_customers(scope: Scope, *, order: str, page: int, size: int = 50):
    """One page of the customer list, sorted by ``order`` (a column, ``-`` for descending)."""
    from ..kpis.receivables import aging_by_customer

    found = aging_by_customer(scope, order=order, limit=size, offset=(page - 1) * size)
    currency = found.currency
    labels = [str(label) for _, label, _, _ in found.frame]
    columns = [
        Column(gettext("Customer number")),
        Column(gettext("Name")),
        Column(gettext("Country")),
        *[Column(label, "money", currency) for label in labels],
        Column(gettext("Total"), "money", currency),
        Column(gettext("Overdue"), "money", currency),
        Column(gettext("Credits"), "money", currency),
        Column(gettext("Oldest (days past due)"), "count"),
    ]
    table = Table("customers", gettext("Customers by age of their receivables"), columns)
    for row in found.rows:
        table.rows.append([row.number, row.name, row.country, *row.buckets, row.total, row.overdue, row.credits,
                           row.oldest_days_past_due])  # fmt: skip
        table.links.append(customer_url(scope, row.customer_id))
    return table, found.count


def customer_url(scope: Scope, customer_id: int) -> str:
    """A customer's open items, with the filters in force (as_of above all)."""
    return f"{reverse('analytics:customer', args=[customer_id])}?{urlencode(scope.params())}"


def open_items(scope: Scope, customer_id: int) -> Table:
    from ..kpis.receivables import customer_open_items

    table = Table(
        "open_items",
        gettext("Open items"),
        [Column(gettext("Number")), Column(gettext("Document")), Column(gettext("Date"), "date"),
         Column(gettext("Due"), "date"), Column(gettext("Days past due"), "count"),
         Column(gettext("Amount"), "money", currency_column=8), Column(gettext("Open"), "money", currency_column=8),
         Column(gettext("Age")), Column(gettext("Currency"))],
    )  # fmt: skip
    for item in customer_open_items(scope, customer_id):
        kind = document_word(item.document_type)
        table.rows.append([item.number, kind, item.invoice_date, item.due_date, item.days_past_due, item.amount_due,
                           item.open_at, str(item.bucket_label), item.currency])  # fmt: skip
        table.links.append(reverse("admin:invoicing_invoice_change", args=[item.invoice_id]))
    return table


def document_word(kind: str) -> str:
    from invoicing.models import DocumentType

    return word(DocumentType, kind)


# --- Monthly series and the other charts ------------------------------------------------------


def months_section(scope: Scope):
    """DSO and CEI per month end (the last 12): two line charts and their table."""
    if not available(TURNOVER):
        return None
    from ..kpis.turnover import monthly_series

    points = monthly_series(scope, months=12)
    currency = reporting_currency(scope)
    months = [month_label(p.month) for p in points]
    days = lambda v: EMPTY if v is None else number_text(v, places=1)  # noqa: E731
    table = Table(
        "months",
        gettext("Receivables per month end"),
        [Column(gettext("Month")), Column(gettext("Month end"), "date"),
         Column(gettext("Receivables"), "money", currency), Column(gettext("Overdue"), "money", currency),
         Column(gettext("Credit sales"), "money", currency), Column(gettext("DSO"), "days"),
         Column(gettext("CEI"), "percent")],
        [[m, p.end, plain(p.receivables, scope), plain(p.overdue, scope), plain(p.credit_sales, scope), p.dso, p.cei]
         for m, p in zip(months, points, strict=True)],
    )  # fmt: skip
    return {
        "dso_chart": charts.line_chart(gettext("DSO per month end (days)"), months,
                                       [(gettext("DSO"), [(p.dso, days(p.dso)) for p in points])]),
        "cei_chart": charts.line_chart(gettext("CEI per month (percent)"), months,
                                       [(gettext("CEI"), [(p.cei, days(p.cei)) for p in points])]),
        "table": table,
    }  # fmt: skip


def period_dso_table(scope: Scope) -> Table | None:
    """The period's DSO in its four readings and its CEI, with the numbers they come from."""
    if not available(TURNOVER):
        return None
    from ..kpis.turnover import cei, dso

    d, c = dso(scope), cei(scope)
    currency = reporting_currency(scope)
    return Table(
        "dso",
        gettext("DSO and CEI of the period"),
        [Column(gettext("Figure")), Column(gettext("Value"), "days")],
        [[gettext("DSO (receivables ÷ credit sales × days)"), d.standard],
         [gettext("DSO by the countback method"), d.countback],
         [gettext("Best possible DSO (current receivables ÷ credit sales × days)"), d.best_possible],
         [gettext("Average days delinquent (DSO − best possible DSO)"), d.average_days_delinquent],
         [gettext("CEI in percent"), c.percent]],
        note=gettext("Receivables %(receivables)s, of them not yet due %(current)s; credit sales %(sales)s in "
                     "%(days)s days.") % {"receivables": money_text(plain(d.receivables, scope), currency),
                                          "current": money_text(plain(d.current_receivables, scope), currency),
                                          "sales": money_text(plain(d.credit_sales, scope), currency),
                                          "days": d.days},
    )  # fmt: skip


def invoiced_collected_section(scope: Scope):
    if not available(BEHAVIOUR):
        return None
    from ..kpis.behaviour import invoiced_vs_collected

    found = invoiced_vs_collected(scope, months=12)
    currency = reporting_currency(scope)
    months = [month_label(m.month) for m in found]
    invoiced = [amount(m.invoiced, scope) for m in found]
    collected = [amount(m.collected, scope) for m in found]
    money = lambda v: money_text(v, currency)  # noqa: E731
    chart = charts.grouped_bars(
        gettext("Invoiced and collected per month"),
        months,
        [(gettext("Invoiced"), [(v, money(v)) for v in invoiced]),
         (gettext("Collected"), [(v, money(v)) for v in collected])],
    )  # fmt: skip
    table = Table(
        "invoiced_collected",
        gettext("Invoiced and collected"),
        [Column(gettext("Month")), Column(gettext("Invoiced"), "money", currency),
         Column(gettext("Collected"), "money", currency)],
        [list(row) for row in zip(months, invoiced, collected, strict=True)],
    )  # fmt: skip
    return {"chart": chart, "table": table}


def forecast_section(scope: Scope, *, backtest: bool = False):
    if not available(FORECAST):
        return None
    from ..kpis.forecast import cash_in_forecast, forecast_backtest

    found = cash_in_forecast(scope, weeks=13)
    currency = reporting_currency(scope)
    weeks = [format_skeleton("dM", w.start, locale=reader_locale()) for w in found.weeks]  # short: 13 fit
    values = [amount(w.expected, scope) for w in found.weeks]
    chart = charts.bar_chart(
        gettext("Expected receipts per week"),
        [(label, v, money_text(v, currency)) for label, v in zip(weeks, values, strict=True)],
    )
    table = Table(
        "forecast",
        gettext("Cash-in forecast"),
        [Column(gettext("Week from"), "date"), Column(gettext("Week to"), "date"),
         Column(gettext("Expected"), "money", currency), Column(gettext("Documents"), "count")],
        [[w.start, w.end, v, w.count] for w, v in zip(found.weeks, values, strict=True)],
    )  # fmt: skip
    later = getattr(found, "later", None)  # expected after the last week
    if later is not None:
        table.rows.append([gettext("later"), None, amount(later, scope), getattr(found, "later_count", None)])
    section = {"chart": chart, "table": table, "method": found.method, "total": amount(found.total, scope),
               "overdue_first": amount(found.overdue_in_first_week, scope)}  # fmt: skip
    if backtest:
        test = forecast_backtest(scope, origins=12, weeks=13)
        money = getattr(test, "currency", currency)  # the backtest's amounts are in one currency
        section["backtest"] = Table(
            "backtest",
            gettext("Forecast error per week ahead (backtest)"),
            [Column(gettext("Week ahead"), "count"), Column(gettext("Forecast"), "money", money),
             Column(gettext("Received"), "money", money), Column(gettext("Mean absolute error"), "money", money),
             Column(gettext("WAPE"), "percent")],
            [[h.week, plain(h.forecast_total, scope), plain(h.actual_total, scope),
              plain(h.mean_absolute_error, scope), h.wape] for h in test.horizons],
        )  # fmt: skip
        section["backtest_method"] = test.method
        section["backtest_origins"] = [date_text(day) for day in test.origins]
    return section


def behaviour_months_section(scope: Scope):
    """Days to pay and days beyond terms per month (amount-weighted)."""
    if not available(BEHAVIOUR):
        return None
    from ..kpis.behaviour import payment_behaviour_monthly

    found = payment_behaviour_monthly(scope, months=12)
    currency = reporting_currency(scope)
    months = [month_label(m.month) for m in found]
    days = lambda v: EMPTY if v is None else number_text(v, places=1)  # noqa: E731
    chart = charts.line_chart(
        gettext("Days to pay and days beyond terms per month"),
        months,
        [(gettext("Days to pay"), [(m.days_to_pay, days(m.days_to_pay)) for m in found]),
         (gettext("Days beyond terms"), [(m.days_beyond_terms, days(m.days_beyond_terms)) for m in found])],
    )  # fmt: skip
    table = Table(
        "payment_days",
        gettext("Payment behaviour per month"),
        [Column(gettext("Month")), Column(gettext("Days to pay"), "days"),
         Column(gettext("Days beyond terms"), "days"), Column(gettext("Collected"), "money", currency)],
        [[label, m.days_to_pay, m.days_beyond_terms, amount(m.collected, scope)]
         for label, m in zip(months, found, strict=True)],
    )  # fmt: skip
    return {"chart": chart, "table": table}


def behaviour_tables(scope: Scope) -> dict:
    """Channel mix, transaction values, countries, disputes, write-offs, fees and interest, and
    dunning effectiveness: one small table each (the channel mix with its chart)."""
    if not available(BEHAVIOUR):
        return {}
    from ..kpis import behaviour

    currency = reporting_currency(scope)
    money = Column(gettext("Amount"), "money", currency)
    out = {}
    mix = behaviour.channel_mix(scope)
    out["channels"] = Table(
        "channels",
        gettext("Channel mix"),
        [Column(gettext("Channel")), money, Column(gettext("Payments"), "count"), Column(gettext("Share"), "percent")],
        [[str(c.label), amount(c.amount, scope), c.count, c.share] for c in mix],
    )
    out["channels_chart"] = charts.bar_chart(
        gettext("Collected per channel"),
        [(str(c.label), amount(c.amount, scope), money_text(amount(c.amount, scope), currency)) for c in mix],
    )
    values = behaviour.transaction_values(scope)
    value_currency = getattr(values, "currency", currency) or currency
    out["values"] = Table(
        "transaction_values",
        gettext("Average transaction value"),
        [Column(gettext("What")), Column(gettext("Average"), "money", value_currency),
         Column(gettext("Count"), "count")],
        [[gettext("Invoices"), values.invoice_average, values.invoice_count],
         [gettext("Payments"), values.payment_average, values.payment_count]],
    )  # fmt: skip
    out["countries"] = Table(
        "countries",
        gettext("Receivables and delays by country"),
        [Column(gettext("Country")), Column(gettext("Open"), "money", currency),
         Column(gettext("Overdue"), "money", currency), Column(gettext("Days beyond terms"), "days")],
        [[str(c.name), amount(c.open, scope), amount(c.overdue, scope), c.days_beyond_terms]
         for c in behaviour.by_country(scope)],
    )  # fmt: skip
    disputes = behaviour.disputes(scope)
    written = behaviour.write_offs(scope)
    fees = behaviour.fees_and_interest(scope)
    out["risks"] = Table(
        "disputes_write_offs_fees",
        gettext("Disputes, write-offs, fees and interest"),
        [Column(gettext("What")), money, Column(gettext("Count"), "count")],
        [[gettext("Disputed, open"), amount(disputes.open, scope), disputes.open_count],
         [gettext("Disputes opened in the period"), None, disputes.opened_in_period],
         [gettext("Disputes resolved in the period"), None, disputes.resolved_in_period],
         [gettext("Small balances written off"), amount(written.small, scope), None],
         [gettext("Bad debts written off"), amount(written.bad_debt, scope), None],
         [gettext("Write-offs reinstated"), amount(written.reinstated, scope), written.count],
         [gettext("Fees collected"), amount(fees.fees, scope), None],
         [gettext("Interest collected"), amount(fees.interest, scope), None],
         [gettext("Fees charged"), plain(fees.charged_fees, scope), None],
         [gettext("Interest charged"), plain(fees.charged_interest, scope), None]],
    )  # fmt: skip
    return out


def dunning_effect_table(scope: Scope) -> Table | None:
    if not available(BEHAVIOUR):
        return None
    from ..kpis.behaviour import dunning_effectiveness

    return Table(
        "dunning_levels",
        gettext("Dunning effectiveness per level"),
        [Column(gettext("Level"), "count"), Column(gettext("Name")), Column(gettext("Reminders"), "count"),
         Column(gettext("Paid afterwards"), "count"), Column(gettext("Share paid"), "percent"),
         Column(gettext("Days from reminder to payment"), "days")],
        [[e.level, str(e.name), e.reminders, e.paid_after, e.share_paid, e.average_days_to_payment]
         for e in dunning_effectiveness(scope)],
    )  # fmt: skip


def top_debtors_table(scope: Scope) -> Table | None:
    if not available(RECEIVABLES):
        return None
    from ..kpis.receivables import top_debtors

    currency = reporting_currency(scope)
    table = Table(
        "top_debtors",
        gettext("Top debtors"),
        [Column(gettext("Customer number")), Column(gettext("Name")), Column(gettext("Open"), "money", currency),
         Column(gettext("Overdue"), "money", currency), Column(gettext("Oldest (days past due)"), "count")],
    )  # fmt: skip
    for row in top_debtors(scope, n=10):
        table.rows.append([row.number, row.name, row.total, row.overdue, row.oldest_days_past_due])
        table.links.append(customer_url(scope, row.customer_id))
    return table


# --- Dunning runs ------------------------------------------------------------------------------


def count_labels() -> dict[str, str]:
    """The words of a run's counts (as the runs' admin words them)."""
    from dunning.models import SkipReason

    return {
        "customers": gettext("customers"),
        "reminders": gettext("reminders"),
        "reminded": gettext("invoices reminded"),
        "skipped": gettext("invoices skipped"),
        "failed": gettext("failed"),
        **{value: str(label) for value, label in SkipReason.choices},
    }


def run_counts(counts: dict) -> list[tuple[str, int]]:
    labels = count_labels()
    return [(labels.get(key, key), value) for key, value in sorted((counts or {}).items())]


def runs_table(runs) -> Table:
    """The last runs, each linking to its page in the admin (entries, warnings)."""
    from dunning.models import RunStatus

    statuses = dict(RunStatus.choices)
    labels = count_labels()
    table = Table(
        "dunning_runs",
        gettext("Last dunning runs"),
        [Column(gettext("As of"), "date"), Column(gettext("Status")), Column(gettext("Customers"), "count"),
         Column(gettext("Reminders"), "count"), Column(gettext("Invoices reminded"), "count"),
         Column(gettext("Invoices skipped"), "count"), Column(gettext("Started from")),
         Column(gettext("Other counts"))],
    )  # fmt: skip
    shown = ("customers", "reminders", "reminded", "skipped")
    for run in runs:
        counts = run.counts or {}
        other = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items()) if k not in shown)
        table.rows.append([run.as_of, str(statuses.get(run.status, run.status)), *[counts.get(k, 0) for k in shown],
                           run.trigger, other])  # fmt: skip
        table.links.append(reverse("admin:dunning_dunningrun_change", args=[run.pk]))
    return table

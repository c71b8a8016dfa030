"""Where the receivables sit and how each country pays."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from analytics.kpis.common import Amounts, rows
from analytics.ledger import CUSTOMER, documents_at_sql
from analytics.scope import Scope
from customers.countries import country_choices

from ..common import one_place
from .sql import observations_sql


@dataclass(frozen=True)
class CountryRow:
    country: str
    name: str
    open: Amounts
    overdue: Amounts
    days_beyond_terms: Decimal | None


def by_country(scope: Scope) -> list[CountryRow]:
    """Per billing country: receivables open at the end of as_of (``documents_at_sql``; credit
    notes with credit unused count negative), of them overdue (due date before as_of), and the
    days beyond terms of the period's payments (as ``payment_behaviour``). Countries with open
    receivables or payments in the period; largest EUR open amount first."""
    documents, params = documents_at_sql(scope, scope.as_of)
    observed, observed_params = observations_sql(scope, start=scope.start, end=scope.end)
    params |= observed_params
    found = rows(
        f"""
        WITH docs AS ({documents}), o AS ({observed}),
        open_items AS (
            SELECT c.billing_country AS country, d.currency,
                   CASE WHEN d.document_type = 'credit_note' THEN -d.open_at ELSE d.open_at END AS amount,
                   d.rate, d.due_date
              FROM docs d JOIN {CUSTOMER} c ON c.id = d.customer_id
        )
        SELECT 'open' AS kind, country, currency, SUM(amount) AS amount, SUM(amount / rate) AS eur,
               SUM(amount) FILTER (WHERE due_date < %(day)s) AS overdue,
               SUM(amount / rate) FILTER (WHERE due_date < %(day)s) AS overdue_eur, NULL::numeric AS dbt
          FROM open_items GROUP BY country, currency
        UNION ALL
        SELECT 'paid', c.billing_country, NULL, NULL, NULL, NULL, NULL,
               SUM(o.weight * o.days_beyond) / NULLIF(SUM(o.weight), 0)
          FROM o JOIN {CUSTOMER} c ON c.id = o.customer_id GROUP BY c.billing_country
         ORDER BY 1, 2, 3
        """,
        params,
    )
    names = dict(country_choices())
    countries: dict[str, dict] = {}
    for row in found:
        entry = countries.setdefault(row["country"], {"open": [], "dbt": None})
        if row["kind"] == "open":
            entry["open"].append(row)
        else:
            entry["dbt"] = row["dbt"]
    out = [
        CountryRow(
            country=country,
            name=names.get(country, country),
            open=Amounts.from_rows(entry["open"]),
            overdue=Amounts.from_rows(entry["open"], amount="overdue", eur="overdue_eur"),
            days_beyond_terms=one_place(entry["dbt"]),
        )
        for country, entry in countries.items()
    ]
    return sorted(out, key=lambda row: (-row.open.eur, row.country))

"""Receivables KPIs, computed in PostgreSQL (aggregates and window functions; no Python loop over
invoices). Each function takes a ``Scope`` (analytics/scope.py) and returns plain dataclasses
that the dashboard (analytics/dashboard/) and the API (analytics/api_*.py) render; each
function's docstring states its formula.

- ``receivables``: open and overdue receivables, aging buckets, per customer, top debtors;
- ``turnover``: DSO (standard and countback), best possible DSO, average days delinquent, CEI;
- ``behaviour``: days to pay and beyond terms, invoiced vs collected, channel mix, average
  transaction value, by country, dunning effectiveness, disputes, write-offs, fees and interest;
- ``forecast``: cash-in forecast for 13 weeks and its backtest.

Everything reads the ledger as it stood at the end of ``scope.as_of`` (analytics/ledger.py).
"""

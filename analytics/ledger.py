"""The receivables ledger as it stood at the end of a day: every issued document's open amount then.

An invoice's open amount falls when money or credit is applied to it and rises again when that
is undone. Each of those movements is its own row with the moment it was recorded:

- allocations (a payment's or a credit note's money applied; ``created_at``, undone at
  ``reversed_at``) — to an invoice, and from a credit note (its credit used);
- Skonto (``SettlementDiscount``, same two moments) and small-difference write-offs
  (``WriteOff``);
- bad-debt write-offs (``BadDebtWriteOff.created_at``) and their reinstatements
  (``BadDebtReversal.created_at``);
- a credit note applied to the invoice it corrects (the invoice's ``credited`` event, whose
  ``applied`` part reduced the invoice and the credit note alike).

So the open amount at the end of day ``D`` is today's ``open_amount`` with every movement recorded
after ``D`` undone: added back if it is still in force, taken away again if it was in force on
``D`` and has been reversed since. Only documents open now or moved since ``D`` can differ from
zero, so the read touches the open documents (partial indexes) and the movements after ``D``
(indexes on their moments), not the whole ledger — and a return or reversal recorded after ``D``
does not change the numbers for ``D``. ``analytics/tests/test_ledger.py`` checks that replaying
the movements gives today's ``open_amount`` for every document.

Documents count from their ``invoice_date`` once issued (``issued_at`` before the end of the
day); credit notes with credit not used count against the receivables (the same basis as credit
sales: gross invoiced less credit notes). Fees, interest and other open items are not receivables
of sales and are reported on their own.

"The end of day D" is midnight after ``D`` in ``TIME_ZONE``.

EUR: ``amount / exchange_rate`` with the rate stored on each document (units per euro); EUR
documents have none. A document in another currency without a stored rate counts in its
currency and not in EUR totals.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from .scope import Scope

# The tables, named once (the SQL below is hand-written: unions and window functions).
INVOICE = "invoicing_invoice"
INVOICE_EVENT = "invoicing_invoiceevent"
CUSTOMER = "customers_customer"
ALLOCATION = "payments_allocation"
DISCOUNT = "payments_settlementdiscount"
WRITE_OFF = "payments_writeoff"
BAD_DEBT = "payments_baddebtwriteoff"
BAD_DEBT_REVERSAL = "payments_baddebtreversal"
PAYMENT = "payments_payment"

EUR_RATE = "(CASE WHEN {d}.currency = 'EUR' THEN 1 ELSE {d}.exchange_rate END)"


def day_end(day: date) -> datetime:
    """The first moment after ``day`` in the active time zone: movements before it count for ``day``."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def customer_filter_sql(scope: Scope, *, customer: str = "c", document: str = "d") -> tuple[str, dict]:
    """``AND …`` conditions for the scope's customer filters and currency (``document`` is the
    invoice alias, ``customer`` the customer alias); the named parameters with them."""
    parts, params = [], {}
    if scope.currency:
        parts.append(f"{document}.currency = %(currency)s")
        params["currency"] = scope.currency
    if scope.customer_id is not None:
        parts.append(f"{document}.customer_id = %(customer_id)s")
        params["customer_id"] = scope.customer_id
    if scope.country:
        parts.append(f"{customer}.billing_country = %(country)s")
        params["country"] = scope.country
    if scope.owner_id is not None:
        parts.append(f"{customer}.account_owner_id = %(owner_id)s")
        params["owner_id"] = scope.owner_id
    if scope.customer_kind:
        parts.append(f"{customer}.kind = %(customer_kind)s")
        params["customer_kind"] = scope.customer_kind
    return "".join(f" AND {part}" for part in parts), params


def _undone_after(t: str) -> str:
    """Movements to undo to see the ledger at ``t``: (document id, amount to add to open_amount)."""
    in_force_now_recorded_later = f"created_at >= {t} AND reversed_at IS NULL"
    reversed_since = f"created_at < {t} AND reversed_at >= {t}"
    return f"""
        SELECT invoice_id AS doc_id, amount FROM {ALLOCATION}
         WHERE invoice_id IS NOT NULL AND {in_force_now_recorded_later}
        UNION ALL SELECT invoice_id, -amount FROM {ALLOCATION}
         WHERE invoice_id IS NOT NULL AND {reversed_since}
        UNION ALL SELECT credit_note_id, amount FROM {ALLOCATION}
         WHERE credit_note_id IS NOT NULL AND {in_force_now_recorded_later}
        UNION ALL SELECT credit_note_id, -amount FROM {ALLOCATION}
         WHERE credit_note_id IS NOT NULL AND {reversed_since}
        UNION ALL SELECT invoice_id, amount FROM {DISCOUNT} WHERE {in_force_now_recorded_later}
        UNION ALL SELECT invoice_id, -amount FROM {DISCOUNT} WHERE {reversed_since}
        UNION ALL SELECT invoice_id, amount FROM {WRITE_OFF}
         WHERE invoice_id IS NOT NULL AND {in_force_now_recorded_later}
        UNION ALL SELECT invoice_id, -amount FROM {WRITE_OFF}
         WHERE invoice_id IS NOT NULL AND {reversed_since}
        UNION ALL SELECT invoice_id, amount FROM {BAD_DEBT} WHERE created_at >= {t}
        UNION ALL SELECT b.invoice_id, -r.amount FROM {BAD_DEBT_REVERSAL} r
          JOIN {BAD_DEBT} b ON b.id = r.write_off_id WHERE r.created_at >= {t}
        UNION ALL SELECT e.invoice_id, (e.data ->> 'applied')::numeric FROM {INVOICE_EVENT} e
         WHERE e.kind = 'credited' AND e.at >= {t}
        UNION ALL SELECT cn.id, (e.data ->> 'applied')::numeric FROM {INVOICE_EVENT} e
          JOIN {INVOICE} cn ON cn.number = e.data ->> 'credit_note' AND cn.document_type = 'credit_note'
         WHERE e.kind = 'credited' AND e.at >= {t}
    """


def documents_at_sql(scope: Scope, day: date) -> tuple[str, dict]:
    """SQL of the documents with something open at the end of ``day`` (invoices and credit notes
    dated up to ``day``), one row each: ``id, number, customer_id, document_type, currency, rate,
    invoice_date, due_date, amount_due, open_at`` (``open_at`` > 0; ``rate`` NULL: no EUR rate).
    The scope's filters apply; the parameters are named (``%(t)s`` etc.)."""
    filters, params = customer_filter_sql(scope)
    params |= {"t": day_end(day), "day": day}
    columns = """id, number, customer_id, document_type, currency, exchange_rate, invoice_date, due_date,
                 amount_due, open_amount, issued_at"""
    # The customer is joined only for the filters that need it (a hash of every customer otherwise).
    join_customer = f" JOIN {CUSTOMER} c ON c.id = d.customer_id" if scope.filtered else ""
    # The documents open now are read through their partial indexes and the moved ones by id,
    # each once (UNION ALL: a document is in exactly one branch) — no set of candidate ids to
    # de-duplicate and join back to the invoices.
    sql = f"""
        WITH undone AS (
            SELECT doc_id, SUM(amount) AS amount FROM ({_undone_after("%(t)s")}) moved GROUP BY doc_id
        ),
        docs AS (
            SELECT n.*, COALESCE(u.amount, 0) AS undone
              FROM (SELECT {columns} FROM {INVOICE}
                     WHERE status = 'issued' AND document_type = 'invoice' AND settlement_state <> 'paid'
                       AND open_amount > 0
                    UNION ALL
                    SELECT {columns} FROM {INVOICE}
                     WHERE status = 'issued' AND document_type = 'credit_note' AND open_amount > 0) n
              LEFT JOIN undone u ON u.doc_id = n.id
            UNION ALL
            SELECT {", ".join(f"m.{c.strip()}" for c in columns.split(","))}, u.amount
              FROM undone u JOIN {INVOICE} m ON m.id = u.doc_id
             WHERE m.status IN ('issued', 'cancelled')
               AND NOT (m.status = 'issued' AND m.open_amount > 0
                        AND (m.document_type = 'credit_note' OR m.settlement_state <> 'paid'))
        )
        SELECT d.id, d.number, d.customer_id, d.document_type, d.currency, {EUR_RATE.format(d="d")} AS rate,
               d.invoice_date, d.due_date, d.amount_due, d.open_amount + d.undone AS open_at
          FROM docs d{join_customer}
         WHERE d.invoice_date <= %(day)s AND d.issued_at < %(t)s AND d.open_amount + d.undone > 0{filters}
    """
    return sql, params

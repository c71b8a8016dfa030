"""The payments admin: payments with their parts, allocations and history; recording money received
by hand (``payments.add_payment``: accountants and up); the pages that act on a payment (allocate
to the customer's open items, keep as credit, refund, return, reverse an allocation); a
customer's account (open items, payments, credit, balance, statement); and writing off a small
difference left on an invoice (finance managers only, from the account's open items).

Every write goes through ``payments.services``; a refusal is shown on the form (per row on the
allocation page) and nothing is half-applied, because each service runs in one transaction.
Viewers look; accountants and finance managers (``change`` permission) act.
"""

from ..bank import admin as bank_admin  # noqa: F401  (registers the bank statement pages)
from . import (
    customers,  # noqa: F401  (the customer list's balance columns)
    ledger,  # noqa: F401  (open items and their waiver, bad-debt write-offs, payers' designations)
    money,  # noqa: F401  (tells the invoice page where its money came from)
    payments,  # noqa: F401  (registers the payment pages)
    return_fees,  # noqa: F401  (the return fee rules and the decisions on return fees)
)

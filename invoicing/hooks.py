"""What follows an issue, registered rather than written into ``invoice_issue``.

A hook runs inside the issuing transaction, after the document is written, and must do only
what is safe there: record durable work (a job row, enqueued after commit by ``core.jobs``) or
register a ``transaction.on_commit`` callback. It never sends, renders or calls out itself, so
a rollback leaves nothing behind. Later issues register e-mail, webhooks and SEPA here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

InvoiceIssuedHook = Callable[..., None]  # (*, invoice, as_of) -> None

_ON_ISSUED: list[InvoiceIssuedHook] = []


def on_invoice_issued(callback: InvoiceIssuedHook) -> InvoiceIssuedHook:
    """Register ``callback(*, invoice, as_of)`` to run when a document is issued (usable as a
    decorator). Registering the same callable twice keeps one registration."""
    if callback not in _ON_ISSUED:
        _ON_ISSUED.append(callback)
    return callback


def invoice_issued_hooks_run(*, invoice, as_of: datetime) -> None:
    """Run every registered hook, in registration order, inside the issuing transaction."""
    for callback in list(_ON_ISSUED):
        callback(invoice=invoice, as_of=as_of)


def invoice_issued_hooks() -> tuple[InvoiceIssuedHook, ...]:
    return tuple(_ON_ISSUED)


# --- What happened to an invoice's money, told by the app that moves it --------------------------

InvoiceMoneyProvider = Callable[..., dict]  # (*, invoice) -> {"rows": [...], "totals": [(label, text)]}

_MONEY_PROVIDERS: list[InvoiceMoneyProvider] = []


def invoice_money_register(provider: InvoiceMoneyProvider) -> InvoiceMoneyProvider:
    """``payments`` (above ``invoicing``) tells the invoice page where its money came from:
    ``provider(*, invoice)`` returns display rows (date, what, link, amount, note) and totals."""
    if provider not in _MONEY_PROVIDERS:
        _MONEY_PROVIDERS.append(provider)
    return provider


def invoice_money(*, invoice) -> dict:
    """The registered providers' rows and totals for ``invoice`` (empty without ``payments``)."""
    result: dict = {"rows": [], "totals": []}
    for provider in _MONEY_PROVIDERS:
        part = provider(invoice=invoice)
        result["rows"] += part.get("rows", [])
        result["totals"] += part.get("totals", [])
    return result

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


# --- How an invoice is paid, told at issue by the app that knows ----------------------------------

InvoicePaymentMeansProvider = Callable[..., "dict | None"]  # (*, invoice, as_of) -> dict | None

# Providers are asked in this order: a payment already made at issue (a card) comes before a
# collection still to come (a direct-debit mandate), so a card-paid invoice is never also debited.
PAID_AT_ISSUE = 10
COLLECTION = 50

_PAYMENT_MEANS: list[tuple[int, int, InvoicePaymentMeansProvider]] = []


def invoice_payment_means_register(
    provider: InvoicePaymentMeansProvider, *, order: int = COLLECTION
) -> InvoicePaymentMeansProvider:
    """``sepa`` (direct debit) and ``providers`` (card paid at issue), both above ``invoicing``,
    say how an invoice being issued is paid: ``provider(*, invoice, as_of)`` returns one of the
    shapes of ``invoicing.payment_means`` or None. ``invoice_issue`` asks them inside its
    transaction, after the invoice's totals and due date are fixed and before anything is
    rendered, by ``order`` (``PAID_AT_ISSUE`` before ``COLLECTION``), then registration; the first
    that returns a dict wins. A provider may raise ``ValidationError`` to refuse the issue (a
    configuration error, say). Registering the same callable twice keeps one registration."""
    if all(registered is not provider for _order, _index, registered in _PAYMENT_MEANS):
        _PAYMENT_MEANS.append((order, len(_PAYMENT_MEANS), provider))
        _PAYMENT_MEANS.sort(key=lambda entry: entry[:2])
    return provider


def invoice_payment_means_unregister(provider: InvoicePaymentMeansProvider) -> None:
    """Take a provider out again (tests; an app switched off)."""
    _PAYMENT_MEANS[:] = [entry for entry in _PAYMENT_MEANS if entry[2] is not provider]


def invoice_payment_means_providers() -> tuple[InvoicePaymentMeansProvider, ...]:
    return tuple(provider for _order, _index, provider in _PAYMENT_MEANS)


# --- What the invoice e-mail and the invoice page say, added by apps above invoicing -------------

InvoiceMailContext = Callable[..., dict]  # (*, invoice, as_of) -> extra template context

_MAIL_CONTEXT: list[InvoiceMailContext] = []


def invoice_mail_context_register(provider: InvoiceMailContext) -> InvoiceMailContext:
    """``portal`` adds the customer page's link to the invoice e-mail: ``provider(*, invoice,
    as_of)`` runs in the sending transaction when the message is composed and returns extra
    template context (``{"page_url": ...}``); what it writes commits or rolls back with the message."""
    if provider not in _MAIL_CONTEXT:
        _MAIL_CONTEXT.append(provider)
    return provider


def invoice_mail_context(*, invoice, as_of: datetime) -> dict:
    context: dict = {}
    for provider in list(_MAIL_CONTEXT):
        context.update(provider(invoice=invoice, as_of=as_of))
    return context


InvoiceFacts = Callable[..., list]  # (*, invoice) -> [(label, text), ...]

_FACTS: list[InvoiceFacts] = []


def invoice_facts_register(provider: InvoiceFacts) -> InvoiceFacts:
    """Facts about an issued document told by apps above invoicing, shown on its admin page
    (``portal``: when the customer first opened the invoice page)."""
    if provider not in _FACTS:
        _FACTS.append(provider)
    return provider


def invoice_facts(*, invoice) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for provider in list(_FACTS):
        rows += provider(invoice=invoice)
    return rows

"""The payment means an invoice is issued with: asked of the registered providers, checked, fixed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from ..hooks import invoice_payment_means_providers
from ..models import Invoice
from ..payment_means import is_card, payment_means_checked
from .drafts import recompute_totals
from .issue_checks import InvoiceIssueError


def invoice_payment_means_fix(*, invoice: Invoice, as_of: datetime) -> dict:
    """Ask the providers registered in ``invoicing.hooks`` how ``invoice`` (locked, being issued;
    totals, invoice date and due date set) is paid: the first answer that is not None wins; none
    means a credit transfer (``{}``). The answer is checked (``payment_means_checked``); a card
    payment made at issue becomes the prepaid amount (BT-113), so the amount due is what is left.
    Refusals, the providers' own included, raise ``InvoiceIssueError``: the issue rolls back whole.
    Returns what ``Invoice.payment_means`` stores; the caller stores it."""
    answer = None
    try:
        for provider in invoice_payment_means_providers():
            answer = provider(invoice=invoice, as_of=as_of)
            if answer is not None:
                break
        means = payment_means_checked(answer, invoice=invoice)
    except ValidationError as exc:
        raise InvoiceIssueError(_by_field(exc)) from None
    if is_card(means):
        invoice.prepaid_amount = Decimal(means["paid_amount"])
        try:
            recompute_totals(invoice)
        except ValidationError as exc:
            raise InvoiceIssueError(_by_field(exc)) from None
    return means


def _by_field(exc: ValidationError) -> dict[str, list[str]]:
    # A provider may refuse with a plain message; it is about the payment means then.
    return exc.message_dict if hasattr(exc, "error_dict") else {"payment_means": exc.messages}

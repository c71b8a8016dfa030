"""Reads of the customer page: which link a token opens, and what the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from invoicing.models import DocumentStatus, Invoice
from payments.statement import AccountRow, account_rows

from .models import PageLink, PageLinkStatus
from .tokens import token_hash


class LinkState:
    OPEN = "open"
    UNKNOWN = "unknown"  # tampered, mistyped, or never made: 404
    EXPIRED = "expired"  # 410
    REVOKED = "revoked"  # 410


def page_link_for_token(token: str, *, as_of: datetime) -> tuple[PageLink | None, str]:
    """The link ``token`` opens and its state; the link only when the state is ``open``, so no
    caller can show data of an expired or revoked link by mistake."""
    digest = token_hash(token)
    if digest is None:
        return None, LinkState.UNKNOWN
    link = PageLink.objects.select_related("customer", "invoice").filter(token_hash=digest).first()
    if link is None:
        return None, LinkState.UNKNOWN
    if link.status == PageLinkStatus.REVOKED:
        return None, LinkState.REVOKED
    if as_of >= link.expires_at:
        return None, LinkState.EXPIRED
    return link, LinkState.OPEN


def customer_invoice(*, customer, invoice_id: int) -> Invoice | None:
    """An issued document of ``customer`` — never one of another customer, whatever id is asked for."""
    return (
        Invoice.objects.filter(customer=customer, pk=invoice_id)
        .exclude(status=DocumentStatus.DRAFT)
        .prefetch_related("documents")
        .first()
    )


@dataclass
class AccountView:
    """What the page shows of the customer's account (one currency block per currency)."""

    items: list[AccountRow] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)  # open receivables per currency


def account_view(*, customer, today: date) -> AccountView:
    """The customer's open items (the account statement's rows: invoices, fees, interest, credits)."""
    rows = account_rows(customer=customer, as_of=today)
    view = AccountView(items=rows)
    for row in rows:
        if not row.is_credit:
            view.totals[row.currency] = view.totals.get(row.currency, Decimal("0.00")) + row.open_amount
    return view


def first_viewed_at(invoice) -> datetime | None:
    """When the customer first opened a page link made for ``invoice`` (None: never)."""
    return (
        PageLink.objects.filter(invoice=invoice, first_viewed_at__isnull=False)
        .order_by("first_viewed_at")
        .values_list("first_viewed_at", flat=True)
        .first()
    )

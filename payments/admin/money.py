"""Where money went, as the admin shows it: an invoice's payments, Skonto, write-offs and returns,
and a payment's allocations, refunds, credit and rest (``payments.selectors.invoice_money`` /
``payment_money``), worded with ``core.formatting`` and linked both ways."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext, pgettext

from core.formatting import date_text, money_text, number_text
from invoicing.hooks import invoice_money_register

from ..selectors import MoneyRow, invoice_money, payment_money


def _label(row: MoneyRow) -> str:
    if row.kind == "skonto":
        return gettext("Skonto %(percent)s %%") % {"percent": number_text(row.percent)}
    return {
        "payment": pgettext("money row", "Payment"),
        "credit_note": pgettext("money row", "Credit note applied"),
        "write_off": pgettext("money row", "Written off"),
        "reversed": pgettext("money row", "Allocation reversed"),
        "refund": pgettext("money row", "Refunded"),
        "credit": pgettext("money row", "Kept as customer credit"),
        "returned": pgettext("money row", "Returned (return debit)"),
        "unapplied": pgettext("money row", "Not yet allocated"),
    }[row.kind]


def _vat_text(row: MoneyRow) -> str:
    """The Skonto's VAT correction per rate (§ 17 (1) UStG): "davon USt 19 %: 3,61 €"."""
    parts = []
    for part in row.vat_split:
        if part.get("vat_rate") in (None, ""):
            continue
        parts.append(
            gettext("VAT %(rate)s %%: %(vat)s")
            % {
                "rate": number_text(Decimal(part["vat_rate"])),
                "vat": money_text(Decimal(part["vat"]), row.currency),
            }
        )
    return "; ".join(parts)


def _row(row: MoneyRow, *, on: str) -> dict:
    link_url = link_text = ""
    if on == "invoice":
        if row.payment is not None:
            link_url = reverse("admin:payments_payment_change", args=[row.payment.pk])
            link_text = str(row.payment)
        elif row.credit_note is not None:
            link_url = reverse("admin:invoicing_invoice_change", args=[row.credit_note.pk])
            link_text = str(row.credit_note)
    elif row.invoice is not None:
        link_url = reverse("admin:invoicing_invoice_change", args=[row.invoice.pk])
        link_text = str(row.invoice)
    elif row.item is not None:
        link_text = str(row.item)
    note = row.note
    if row.kind == "skonto":
        note = _vat_text(row)
    return {
        "kind": row.kind,
        "day": date_text(row.day, empty=""),
        "what": _label(row),
        "link_url": link_url,
        "link_text": link_text,
        "amount": money_text(row.amount, row.currency),
        "note": note,
        "reversed": row.reversed,
    }


def _sum(rows: list[MoneyRow], *kinds: str) -> Decimal:
    return sum((row.amount for row in rows if row.kind in kinds and not row.reversed), Decimal("0"))


def invoice_money_panel(*, invoice) -> dict:
    """The invoice page's "payments and settlement": every movement and what it adds up to."""
    if invoice.is_draft:
        return {"rows": [], "totals": []}
    rows = invoice_money(invoice=invoice)
    currency = invoice.currency
    totals = []
    for label, amount in (
        (pgettext("money total", "Paid"), _sum(rows, "payment")),
        (pgettext("money total", "Credit notes applied"), _sum(rows, "credit_note")),
        (pgettext("money total", "Skonto granted"), _sum(rows, "skonto")),
        (pgettext("money total", "Written off"), _sum(rows, "write_off")),
    ):
        if amount:
            totals.append((label, money_text(amount, currency)))
    return {"rows": [_row(row, on="invoice") for row in rows], "totals": totals}


def payment_money_panel(*, payment) -> list[dict]:
    return [_row(row, on="payment") for row in payment_money(payment=payment)]


invoice_money_register(invoice_money_panel)

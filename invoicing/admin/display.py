"""Display helpers for the invoicing admin pages (badges, money, parties)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.formatting import money_text

from ..forms import (
    trimmed_decimal,
)
from ..models import (
    DocumentStatus,
    SettlementState,
    VatCategory,
)
from ..totals import AllowanceChargeInput, LineInput, compute_totals

# --- Display helpers ----------------------------------------------------------------------------


def badge(kind: str, label) -> str:
    """A coloured label; the colours live in templates/admin/invoicing/includes/styles.html."""
    return format_html('<span class="debitor-badge debitor-badge-{}">{}</span>', kind, label)


def money(amount: Decimal | None, currency: str, *, code: bool = True) -> str:
    """An amount for the reader (``core.formatting.money_text``: 1.190,00 € / €1,190.00).

    ``code`` is accepted for older callers and ignored: every amount shows its currency the one
    way the formatter writes it, in columns as on detail pages."""
    del code
    return money_text(amount, currency)


def decimal_text(value: Decimal, places: int = 0) -> str:
    """95 or 4.800,50 rather than 95.0000 or 4800,5000 (the column's scale), grouped in the
    interface's number format."""
    return number_format(Decimal(trimmed_decimal(value, places)), use_l10n=True, force_grouping=True)


def rate_label(category: str, rate: Decimal | None) -> str:
    if category == VatCategory.NOT_SUBJECT or rate is None:
        return category
    return f"{category} {number_format(rate, decimal_pos=2, use_l10n=True)} %"


def totals_of(lines: list[dict], allowances: list[dict], *, prepaid: Decimal, currency: str):
    """EN 16931 totals of rows as the services take them (invoicing.totals, nothing stored)."""
    return compute_totals(
        lines=[
            LineInput(
                quantity=row["quantity"],
                unit_price=row["unit_price"],
                vat_category=row["vat_category"],
                vat_rate=row["vat_rate"],
                price_base_quantity=row.get("price_base_quantity") or Decimal("1"),
                allowance_percent=row.get("allowance_percent"),
                allowance_amount=row.get("allowance_amount"),
            )
            for row in lines
        ],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=bool(row.get("is_charge")),
                vat_category=row["vat_category"],
                vat_rate=row["vat_rate"],
                amount=row.get("amount"),
                percent=row.get("percent"),
                base_amount=row.get("base_amount"),
                reason=row.get("reason") or "",
            )
            for row in allowances
        ],
        prepaid_amount=Decimal(str(prepaid or 0)),
        currency=currency,
    )


TOTAL_ROWS = [
    ("line_total", _("Sum of line net amounts")),
    ("allowance_total", _("Allowances")),
    ("charge_total", _("Charges")),
    ("tax_exclusive_total", _("Total net")),
    ("tax_total", _("VAT")),
    ("tax_inclusive_total", _("Total gross")),
    ("prepaid_amount", _("Prepaid")),
    ("amount_due", _("Amount due")),
]
STATUS_LABELS = dict(DocumentStatus.choices)


def _state_label(value: str) -> str:
    """An event's from/to: a document status, a settlement state or an ISO date."""
    if value in STATUS_LABELS:
        return STATUS_LABELS[value]
    if value in SettlementState.values:
        return SettlementState(value).label
    day = parse_date(value) if value else None
    return date_format(day, "SHORT_DATE_FORMAT") if day else value


def address_block(party: dict, *, extra: list[tuple[str, str]]) -> str:
    if not party:
        return "—"
    lines = [
        party.get("name"),
        party.get("street"),
        party.get("street2"),
        " ".join(filter(None, [party.get("postal_code"), party.get("city")])),
        party.get("country"),
    ]
    address = format_html_join("", "{}<br>", ((line,) for line in lines if line))
    details = format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((label, value) for label, value in extra if value))
    return format_html('<div class="debitor-party"><p>{}</p><dl>{}</dl></div>', address, details)

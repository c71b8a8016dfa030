"""The HTML of an issued invoice or credit note, from which the PDF is rendered.

Everything printed comes from what the document stored when it was issued (seller and buyer
snapshots, lines, allowances and charges, VAT breakdown, totals, terms): an invoice must show
the addresses and tax data it was issued with (§ 14 (4) UStG, GoBD), not today's master data,
so re-rendering gives the same document.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.girocode import girocode_svg
from core.languages import document_language, document_locale, percent_text
from core.money import minor_unit

from ..models import DocumentStatus, DocumentType, Invoice, VatCategory
from ..payment_means import is_card, is_direct_debit
from ..services.snapshots import line_exemption_reason
from ..totals import LineInput, line_amounts
from ..vatex import vatex_text

TEMPLATE = "invoicing/documents/invoice.html"

# § 286 (3) Satz 1 Hs. 2 BGB: a consumer defaults 30 days after due date and receipt of the invoice
# only if the invoice points this out. Dunning relies on the notice having been printed; this is
# the one place its wording lives (the German in the catalogue).
CONSUMER_DEFAULT_NOTICE = gettext_lazy(
    "Notice under § 286 (3) of the German Civil Code (BGB): you will be in default of payment at the "
    "latest if you do not pay within 30 days after the due date and receipt of this invoice."
)

# UN/ECE Recommendation 20/21 codes (BT-130) as the customary unit names of § 14 (4) Nr. 5 UStG:
# words are translated (context "unit of measure"), symbols are the same in every language.
# A code not listed here is printed as the code itself: still exact, merely less friendly.
UNIT_NAMES = {
    "C62": pgettext_lazy("unit of measure", "pcs"),
    "H87": pgettext_lazy("unit of measure", "pcs"),
    "EA": pgettext_lazy("unit of measure", "each"),
    "XPP": pgettext_lazy("unit of measure", "pcs"),
    "PR": pgettext_lazy("unit of measure", "pairs"),
    "SET": pgettext_lazy("unit of measure", "sets"),
    "LS": pgettext_lazy("unit of measure", "lump sum"),
    "HUR": pgettext_lazy("unit of measure", "h"),
    "MIN": pgettext_lazy("unit of measure", "min"),
    "DAY": pgettext_lazy("unit of measure", "day(s)"),
    "WEE": pgettext_lazy("unit of measure", "week(s)"),
    "MON": pgettext_lazy("unit of measure", "month(s)"),
    "QAN": pgettext_lazy("unit of measure", "quarter(s)"),
    "ANN": pgettext_lazy("unit of measure", "year(s)"),
    "KGM": "kg",
    "GRM": "g",
    "TNE": "t",
    "MTR": "m",
    "KMT": "km",
    "MTK": "m²",
    "MTQ": "m³",
    "LTR": "l",
    "KWH": "kWh",
    "P1": "%",
    "E48": pgettext_lazy("unit of measure", "service unit(s)"),
    "ZZ": pgettext_lazy("unit of measure", "unit(s)"),
}


def consumer_default_notice(language: str) -> str:
    """The § 286 (3) BGB notice in ``language``."""
    with translation.override(document_language(language)):
        return str(CONSUMER_DEFAULT_NOTICE)


@dataclass(frozen=True)
class DocumentFormat:
    """Amounts, dates, quantities and rates as the document's language writes them (CLDR via Babel).

    de: ``1.234,56 €``, ``27.11.2026``, ``19 %``; en: ``€1,234.56``, ``27 Nov 2026``, ``19%``.
    Money stays Decimal up to here; nothing is rounded that the totals engine has not rounded.
    """

    language: str

    @property
    def locale(self) -> str:
        return document_locale(self.language)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.locale)

    def price(self, amount: Decimal, currency: str) -> str:
        """A unit price keeps its up to four decimals (BT-146), but shows at least the currency's."""
        cents = minor_unit(currency)
        if amount == amount.quantize(cents):
            return format_currency(amount.quantize(cents), currency, locale=self.locale)
        return format_currency(
            amount.normalize(), currency, locale=self.locale, currency_digits=False, decimal_quantization=False
        )

    def date(self, value: date) -> str:
        with translation.override(self.language):
            pattern = pgettext("date format on documents (CLDR pattern)", "d MMM y")
        return format_date(value, pattern, locale=self.locale)

    def quantity(self, value: Decimal) -> str:
        return format_decimal(value, format="#,##0.####", locale=self.locale)

    def percent(self, value: Decimal) -> str:
        # German typesetting separates the sign with a no-break space (DIN 5008), English does not.
        return percent_text(format_decimal(value, format="#,##0.##", locale=self.locale), self.locale)

    def rate(self, value: Decimal) -> str:
        return format_decimal(value, format="#,##0.00######", locale=self.locale)

    def country(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code, code)

    def unit(self, code: str) -> str:
        name = UNIT_NAMES.get(code)
        if name is None:
            return code
        with translation.override(self.language):
            return str(name)


def category_label(category: str) -> str:
    """How a VAT category (UNCL 5305) is named on the document; call under the document's language."""
    labels = {
        VatCategory.STANDARD: _("taxable"),
        VatCategory.ZERO: _("zero rate"),
        VatCategory.EXEMPT: _("VAT exempt"),
        VatCategory.REVERSE_CHARGE: _("reverse charge"),
        VatCategory.INTRA_COMMUNITY: _("intra-community supply"),
        VatCategory.EXPORT: _("export"),
        VatCategory.NOT_SUBJECT: _("not subject to VAT"),
    }
    return labels.get(category, category)


def logo_data_uri(name: str) -> str | None:
    """The seller's logo as a data URI, read through Django's storage (any backend); None when absent.

    A data URI keeps the render free of file paths and network fetches. A logo that has gone
    missing from storage must not stop the invoice: it is printed without one.
    """
    if not name:
        return None
    mime = mimetypes.guess_type(name)[0]
    if mime not in ("image/png", "image/jpeg", "image/svg+xml", "image/gif", "image/webp"):
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: nothing in it can end the string or the <style> element."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,-–·/" else f"\\{ord(ch):06x}" for ch in text)
    return f'"{escaped}"'


def iban_blocks(iban: str) -> str:
    """An IBAN in groups of four, as DIN 5008 prints it for reading aloud and typing."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _address_lines(party: dict, fmt: DocumentFormat, *, home_country: str) -> list[str]:
    lines = [party.get("name", ""), party.get("street", ""), party.get("street2", "")]
    lines.append(" ".join(filter(None, [party.get("postal_code", ""), party.get("city", "")])))
    country = party.get("country", "")
    if country and country != home_country:
        # DIN 5008: the destination country is the last line of a foreign address, in capitals.
        lines.append(fmt.country(country).upper())
    return [line for line in lines if line]


def _note_lines(note: str, exemption_reasons: set[str]) -> list[str]:
    """The invoice note, without sentences the VAT breakdown already prints as a row's exemption reason."""
    return [line for line in note.splitlines() if line.strip() and line.strip() not in exemption_reasons]


def phone_text(e164: str) -> str:
    """A stored E.164 number grouped for reading (+49 30 1234567); anything else as stored."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def _reason_text(reason: str, code: str) -> str:
    return reason or (_("reason code %(code)s") % {"code": code} if code else "")


def _line_allowance_text(item, fmt: DocumentFormat, currency: str) -> str:
    """BG-27 as printed: the percentage or amount, with the line's own reason (BT-139/140) when it has one."""
    reason = _reason_text(item.allowance_reason, item.allowance_reason_code)
    if item.allowance_percent is not None:
        if reason:
            percent = fmt.percent(item.allowance_percent)
            return _("less %(percent)s: %(reason)s") % {"percent": percent, "reason": reason}
        return _("less %(percent)s discount") % {"percent": fmt.percent(item.allowance_percent)}
    if item.allowance_amount:
        amount = fmt.money(item.allowance_amount, currency)
        if reason:
            return _("less %(amount)s: %(reason)s") % {"amount": amount, "reason": reason}
        return _("less %(amount)s discount") % {"amount": amount}
    return ""


def _line_charge_text(item, fmt: DocumentFormat, currency: str) -> str:
    """BG-28 as printed: the charge with its reason (BT-144/145); a percentage also shows its amount."""
    if item.charge_percent is None and item.charge_amount is None:
        return ""
    reason = _reason_text(item.charge_reason, item.charge_reason_code)
    if item.charge_percent is not None:
        _gross, amounts = line_amounts(LineInput.of(item), currency=currency)
        return _("plus %(percent)s (%(amount)s): %(reason)s") % {
            "percent": fmt.percent(item.charge_percent),
            "amount": fmt.money(amounts.charge_amount, currency),
            "reason": reason,
        }
    return _("plus %(amount)s: %(reason)s") % {"amount": fmt.money(item.charge_amount, currency), "reason": reason}


def _period_text(start: date | None, end: date | None, fmt: DocumentFormat) -> str:
    """BG-26 as printed: both days, or the one the line states."""
    if start and end:
        return _("Period %(start)s – %(end)s") % {"start": fmt.date(start), "end": fmt.date(end)}
    if start:
        return _("Period from %(date)s") % {"date": fmt.date(start)}
    if end:
        return _("Period until %(date)s") % {"date": fmt.date(end)}
    return ""


def _line_rows(invoice: Invoice, fmt: DocumentFormat) -> list[dict]:
    rows = []
    for item in invoice.lines.order_by("position", "id"):
        allowance = _line_allowance_text(item, fmt, invoice.currency)
        per = ""
        if item.price_base_quantity != 1:
            per = _("per %(quantity)s %(unit)s") % {
                "quantity": fmt.quantity(item.price_base_quantity),
                "unit": fmt.unit(item.unit_code),
            }
        rows.append(
            {
                "position": item.position,
                "description": item.description,
                "item_number": item.item_number,
                "quantity": fmt.quantity(item.quantity),
                "unit": fmt.unit(item.unit_code),
                "unit_price": fmt.price(item.unit_price, invoice.currency),
                "per": per,
                "allowance": allowance,
                "charge": _line_charge_text(item, fmt, invoice.currency),
                "note": item.note,
                "period": _period_text(item.period_start, item.period_end, fmt),
                "vat": fmt.percent(item.vat_rate) if item.vat_category in ("S", "Z") else item.vat_category,
                # § 14 (4) Nr. 8 UStG: each exempt line states its own legal basis, even when the lines
                # of one invoice are exempt on different grounds (the breakdown row lists them all).
                "exemption": line_exemption_reason(item, fmt.language)
                if item.vat_category == VatCategory.EXEMPT
                else "",
                "net_amount": fmt.money(item.net_amount, invoice.currency),
            }
        )
    return rows


def _allowance_rows(invoice: Invoice, fmt: DocumentFormat) -> list[dict]:
    rows = []
    for item in invoice.allowances_charges.order_by("position", "id"):
        label = item.reason or (_("charge") if item.is_charge else _("allowance"))
        if item.percent is not None and item.base_amount is not None:
            label = _("%(reason)s (%(percent)s of %(base)s)") % {
                "reason": label,
                "percent": fmt.percent(item.percent),
                "base": fmt.money(item.base_amount, invoice.currency),
            }
        vat = fmt.percent(item.vat_rate) if item.vat_category in ("S", "Z") else category_label(item.vat_category)
        amount = item.computed_amount if item.is_charge else -item.computed_amount
        rows.append({"label": label, "vat": vat, "amount": fmt.money(amount, invoice.currency)})
    return rows


def _breakdown_rows(invoice: Invoice, fmt: DocumentFormat) -> list[dict]:
    rows = []
    for row in invoice.vat_breakdown.order_by("vat_category", "vat_rate", "id"):
        rows.append(
            {
                "category": row.vat_category,
                "label": category_label(row.vat_category),
                "rate": fmt.percent(row.vat_rate if row.vat_rate is not None else Decimal(0)),
                "taxable_amount": fmt.money(row.taxable_amount, invoice.currency),
                "tax_amount": fmt.money(row.tax_amount, invoice.currency),
                # Rows that stored only a VATEX code still print what the code stands for.
                "exemption_reason": row.exemption_reason or vatex_text(row.exemption_code, fmt.language),
                "exemption_code": row.exemption_code,
            }
        )
    return rows


def _discount_rows(invoice: Invoice, fmt: DocumentFormat) -> list[dict]:
    return [
        {
            "percent": fmt.percent(Decimal(offer["percent"])),
            "deadline": fmt.date(date.fromisoformat(offer["deadline"])),
            "discount_amount": fmt.money(Decimal(offer["discount_amount"]), invoice.currency),
            "amount_to_pay": fmt.money(Decimal(offer["amount_to_pay"]), invoice.currency),
        }
        for offer in invoice.discount_offers
    ]


def invoice_context(invoice: Invoice) -> dict:
    """The template context of an issued document; call under the document's language."""
    if invoice.status == DocumentStatus.DRAFT or not invoice.number:
        raise ValueError(f"Only issued documents are printed; invoice {invoice.pk} is a draft.")
    language = document_language(invoice.language)
    fmt = DocumentFormat(language)
    seller, buyer = invoice.seller, invoice.buyer
    currency = invoice.currency
    is_credit_note = invoice.document_type == DocumentType.CREDIT_NOTE
    home = seller.get("country", "DE")
    breakdown = _breakdown_rows(invoice, fmt)
    reasons = {row["exemption_reason"].strip() for row in breakdown if row["exemption_reason"]}
    categories = {row["category"] for row in breakdown}
    corrected = invoice.corrected_invoice if is_credit_note else None
    shipping = buyer.get("shipping")

    means = invoice.payment_means or {}
    direct_debit = is_direct_debit(means)
    girocode = None
    # A direct-debit invoice asks for no transfer (the customer must not pay twice).
    if not is_credit_note and currency == "EUR" and invoice.amount_due > 0 and not direct_debit:
        girocode = girocode_svg(
            name=seller.get("name", ""),
            iban=seller.get("iban", ""),
            bic=seller.get("bic", ""),
            amount=invoice.amount_due,
            reference=invoice.number,
        )

    exchange = None
    if currency != "EUR" and invoice.exchange_rate:
        exchange = {
            "tax_total_eur": fmt.money(invoice.tax_total_eur, "EUR") if invoice.tax_total_eur is not None else "",
            "rate": fmt.rate(invoice.exchange_rate),
            "currency": currency,
            "kind": _("BMF monthly average") if invoice.exchange_rate_kind == "monthly" else _("daily rate"),
            "date": fmt.date(invoice.exchange_rate_date) if invoice.exchange_rate_date else "",
            "month": (
                format_date(invoice.exchange_rate_date, "MM/y", locale=fmt.locale)
                if invoice.exchange_rate_date and invoice.exchange_rate_kind == "monthly"
                else ""
            ),
        }

    service = ""
    if invoice.service_period_start and invoice.service_period_end:
        service = f"{fmt.date(invoice.service_period_start)} – {fmt.date(invoice.service_period_end)}"
    elif invoice.service_date:
        service = fmt.date(invoice.service_date)

    title = _("Credit note") if is_credit_note else _("Invoice")
    # The translated sentence is split around its placeholders so CSS can put the counters in between.
    page_label = _("Page %(page)s of %(pages)s") % {"page": "counter(page)", "pages": "counter(pages)"}
    page_counters = " ".join(
        part if part in ("counter(page)", "counter(pages)") else css_string(part)
        for part in re.split(r"(counter\(pages?\))", page_label)
        if part
    )
    return {
        "invoice": invoice,
        "language": language,
        "title": title,
        "is_credit_note": is_credit_note,
        # A CSS value (@page margin box), not HTML: escaped for CSS, so autoescaping must not touch it.
        "running_title": mark_safe(f"{css_string(f'{title} {invoice.number} · ')} {page_counters}"),  # noqa: S308
        "seller": seller,
        "iban": iban_blocks(seller.get("iban", "")),
        "buyer": buyer,
        "seller_address": _address_lines(seller, fmt, home_country=home),
        "seller_line": " · ".join(_address_lines(seller, fmt, home_country=buyer.get("country", home) or home)),
        "seller_country": fmt.country(seller.get("country", "")) if seller.get("country") else "",
        "buyer_address": _address_lines(buyer, fmt, home_country=home),
        "shipping_address": _address_lines(shipping, fmt, home_country=home) if shipping else [],
        "buyer_vat_id_required": bool(categories & {VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY}),
        "logo": logo_data_uri(seller.get("logo", "")),
        "invoice_date": fmt.date(invoice.invoice_date),
        "due_date": fmt.date(invoice.due_date) if invoice.due_date and not is_credit_note else "",
        "service": service,
        "is_service_period": bool(invoice.service_period_start and invoice.service_period_end),
        "deliver_to_country": fmt.country(invoice.deliver_to_country) if invoice.deliver_to_country else "",
        "buyer_contact": [
            x
            for x in (invoice.buyer_contact_name, phone_text(invoice.buyer_contact_phone), invoice.buyer_contact_email)
            if x
        ],
        "corrected": {"number": corrected.number, "date": fmt.date(corrected.invoice_date)} if corrected else None,
        "lines": _line_rows(invoice, fmt),
        "allowances_charges": _allowance_rows(invoice, fmt),
        "breakdown": breakdown,
        "totals": {
            "line_total": fmt.money(invoice.line_total, currency),
            "tax_exclusive_total": fmt.money(invoice.tax_exclusive_total, currency),
            "tax_total": fmt.money(invoice.tax_total, currency),
            "tax_inclusive_total": fmt.money(invoice.tax_inclusive_total, currency),
            "prepaid_amount": fmt.money(-invoice.prepaid_amount, currency) if invoice.prepaid_amount else "",
            "amount_due": fmt.money(invoice.amount_due, currency),
        },
        "exchange": exchange,
        "notes": _note_lines(invoice.note, reasons),
        "payment_terms_text": invoice.payment_terms_text,
        # Set at issue (invoicing.payment_means): the pre-notification or the card payment is the
        # first line of the terms text; the template asks for a transfer only without a direct debit.
        "direct_debit": direct_debit,
        "paid_by_card": is_card(means),
        "discount_offers": _discount_rows(invoice, fmt),
        # segno's SVG holds only path data (the payload is not in it as text): safe to embed as markup.
        "girocode": mark_safe(girocode) if girocode else None,  # noqa: S308
        "consumer_notice": (
            str(CONSUMER_DEFAULT_NOTICE)
            if buyer.get("kind") == "consumer" and not is_credit_note and invoice.amount_due > 0
            else ""
        ),
    }


def invoice_html(invoice: Invoice) -> str:
    """The HTML of an issued invoice or credit note, in the invoice's language (``core.languages``).

    Prints every mandatory item of § 14 (4) UStG (and § 14a UStG for AE/K: the buyer's VAT ID),
    the VAT in EUR for foreign currencies (Art. 230 VAT Directive, § 16 (6) UStG) and, for
    consumers, the default notice of § 286 (3) BGB. Raises ValueError for drafts.
    """
    language = document_language(invoice.language)
    with translation.override(language):
        return render_to_string(TEMPLATE, invoice_context(invoice))

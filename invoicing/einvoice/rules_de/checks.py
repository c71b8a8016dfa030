"""Rules on the document itself: seller identity, type code, Skonto syntax, specification, references."""

from __future__ import annotations

import re

from lxml import etree

from ..validation import XRECHNUNG_IDS
from .paths import (
    _AGREEMENT,
    _SELLER,
    _SETTLEMENT,
    _SKONTO_ENTRY,
    _TAXED_CATEGORIES,
    _TX,
    SKONTO_LINE,
    TYPE_CODES,
    _all,
    _filled,
    _text,
)


def _seller_tax_identity(root):
    """BR-DE-16: with S, Z, E, AE, K, G, L or M the seller's VAT ID (BT-31, schemeID VA), tax number
    (BT-32, schemeID FC) or a tax representative (BG-11) must be given."""
    categories = {
        (element.text or "").strip()
        for element in _all(
            root,
            f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement"
            "/ram:ApplicableTradeTax[normalize-space(ram:TypeCode) = 'VAT']/ram:CategoryCode"
            f" | {_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax"
            "[normalize-space(ram:TypeCode) = 'VAT']/ram:CategoryCode",
        )
    }
    if not categories & _TAXED_CATEGORIES:
        return []
    identified = _filled(
        root, f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA' or @schemeID = 'FC']"
    ) or bool(_all(root, f"{_AGREEMENT}/ram:SellerTaxRepresentativeTradeParty"))
    return [] if identified else _all(root, _SELLER) or [root]


def _type_code(root):
    return [
        code for code in _all(root, "rsm:ExchangedDocument/ram:TypeCode") if (code.text or "").strip() not in TYPE_CODES
    ]


def _skonto_syntax(root):
    """BR-DE-18: every BT-20 line that starts with '#' is a complete Skonto entry, and a line break
    follows the last one (the free text, if any, comes after it)."""
    failing = []
    for description in _all(root, f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description"):
        text = description.text or ""
        entries = [line.strip() for line in re.split(r"\r?\n", text) if line.strip().startswith("#")]
        if not entries:
            continue
        last = list(_SKONTO_ENTRY.finditer(text))[-1] if _SKONTO_ENTRY.search(text) else None
        line_break_after = last is not None and re.match(r"\s*\n", text[last.end() :]) is not None
        if not all(SKONTO_LINE.fullmatch(entry) for entry in entries) or not line_break_after:
            failing.append(description)
    return failing


def _specification_id(root):
    found = _all(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
    if any((element.text or "").strip() in XRECHNUNG_IDS for element in found):
        return []
    return found or [root]


def _corrected_invoice_reference(root):
    if _text(root, "rsm:ExchangedDocument/ram:TypeCode") != "384":
        return []
    return [] if _all(root, f"{_SETTLEMENT}/ram:InvoiceReferencedDocument") else [root]


def _empty_elements(root):
    """PEPPOL-EN16931-R008: no element without children and without text (the delivery group may be empty)."""
    return [
        element
        for element in root.iter(etree.Element)
        if len(element) == 0
        and not (element.text or "").strip()
        and etree.QName(element).localname != "ApplicableHeaderTradeDelivery"
    ]

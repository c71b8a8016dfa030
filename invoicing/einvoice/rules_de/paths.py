"""The XPath helpers, paths and code sets the XRechnung rules share."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from ..validation import NS

EMPTY_ELEMENTS = "PEPPOL-EN16931-R008"

_TX = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TX}/ram:ApplicableHeaderTradeAgreement"
_SELLER = f"{_AGREEMENT}/ram:SellerTradeParty"
_BUYER = f"{_AGREEMENT}/ram:BuyerTradeParty"
_DELIVERY = f"{_TX}/ram:ApplicableHeaderTradeDelivery"
_SETTLEMENT = f"{_TX}/ram:ApplicableHeaderTradeSettlement"
_PAYMENT_MEANS = f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"

# VAT categories for which the seller must be identifiable to the tax office (BR-DE-16).
_TAXED_CATEGORIES = {"S", "Z", "E", "AE", "K", "G", "L", "M"}
# UNTDID 1001 codes XRechnung admits for BT-3 (BR-DE-17).
TYPE_CODES = {"326", "380", "384", "389", "381", "875", "876", "877"}
_CREDIT_TRANSFER = {"30", "58"}
_CARD = {"48", "54", "55"}
_DIRECT_DEBIT = "59"

# One Skonto line of BT-20 (BR-DE-18): upper case, no whitespace, percent and base with a point
# and exactly two decimals, the base optional.
SKONTO_LINE = re.compile(r"#SKONTO#TAGE=[0-9]+#PROZENT=[0-9]+\.[0-9]{2}#(?:BASISBETRAG=-?[0-9]+\.[0-9]{2}#)?")
_SKONTO_ENTRY = re.compile(r"#.+#")
_TELEPHONE = re.compile(r".*\d.*\d.*\d.*")
# Exactly one @, at least two characters either side, no whitespace, no dot at either end or next to @.
_EMAIL = re.compile(r"[^@\s.][^@\s]*[^@\s.]@[^@\s.][^@\s]*[^@\s.]")


def _all(context: etree._Element, path: str) -> list[etree._Element]:
    return context.xpath(path, namespaces=NS)


def _filled(context: etree._Element, path: str) -> bool:
    """True when ``path`` selects at least one element with non-blank text."""
    return any((element.text or "").strip() for element in _all(context, path))


def _text(context: etree._Element, path: str) -> str:
    found = _all(context, path)
    return " ".join((found[0].text or "").split()) if found else ""


@dataclass(frozen=True)
class Rule:
    """``check(root)`` returns the elements at which the rule fails (empty: satisfied)."""

    id: str
    flag: str
    message: str
    check: Callable[[etree._Element], Iterable[etree._Element]]


def _each_missing(context_path: str, required: str) -> Callable[[etree._Element], list[etree._Element]]:
    """Fails at every element of ``context_path`` that has no filled ``required`` (any of a union)."""

    def check(root):
        return [context for context in _all(root, context_path) if not _filled(context, required)]

    return check


def _root_missing(required: str) -> Callable[[etree._Element], list[etree._Element]]:
    def check(root):
        return [] if _all(root, required) else [root]

    return check


def _matching_text(context_path: str, pattern: re.Pattern) -> Callable[[etree._Element], list[etree._Element]]:
    def check(root):
        return [e for e in _all(root, context_path) if not pattern.fullmatch(" ".join((e.text or "").split()))]

    return check

"""XRechnung 3.0.x (German CIUS of EN 16931) rules for CII, as explicit checks.

No package ships the KoSIT XRechnung Schematron for offline use, so the rules our documents
touch are written out here, each with its official id and flag (fatal/warning) as in the KoSIT
XRechnung Schematron for XRechnung 3.0.x ("XRechnung-CII-validation"), and messages phrased after
the official (German) rule texts of the XRechnung 3.0 specification, section "Geschäftsregeln".

Covered: BR-DE-1 to 11, 14 to 21, 23-a/b, 24-a/b (payment cards), 25-a/b (direct debit), 26 to
28, 30 and 31 (creditor identifier and debited account of a direct debit), and the PEPPOL rules
XRechnung 3.0 adopts for CII: PEPPOL-EN16931-R001 (business process BT-23), R008 (no empty
elements), R010 and R020 (buyer and seller electronic address BT-49/BT-34). Not covered (our
mapping does not produce what they check): BR-DE-22 (unique attachment names), the BR-DEX
extension rules and the remaining PEPPOL rules (R005, R040-R046, R053-R055, R061, R101, R110,
R111, R121, R130).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree
from schwifty import IBAN

from .validation import FATAL, NS, WARNING, XRECHNUNG_IDS, Violation

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


def _invalid_iban(path: str) -> Callable[[etree._Element], list[etree._Element]]:
    """The account in ``path`` below each matching payment means is a plausible IBAN (check digits,
    length and national format, per schwifty)."""

    def check(means_list):
        failing = []
        for means in means_list:
            accounts = _all(means, path)
            if not accounts:
                failing.append(means)
            for account in accounts:
                try:
                    IBAN(account.text or "")
                except ValueError:
                    failing.append(account)
        return failing

    return check


def _credit_transfer_iban(root):
    means = [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") == "58"]
    return _invalid_iban("ram:PayeePartyCreditorFinancialAccount/ram:IBANID")(means)


def _direct_debit_iban(root):
    means = [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") == "59"]
    return _invalid_iban("ram:PayerPartyDebtorFinancialAccount/ram:IBANID")(means)


def _specification_id(root):
    found = _all(root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
    if any((element.text or "").strip() in XRECHNUNG_IDS for element in found):
        return []
    return found or [root]


def _credit_transfer_means(root):
    return [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") in _CREDIT_TRANSFER]


def _credit_transfer_account(root):
    return [m for m in _credit_transfer_means(root) if not _all(m, "ram:PayeePartyCreditorFinancialAccount")]


def _credit_transfer_only(root):
    direct_debit = bool(
        _all(
            root,
            f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
            f" | {_SETTLEMENT}/ram:CreditorReferenceID",
        )
    )
    return [
        m
        for m in _credit_transfer_means(root)
        if direct_debit
        or _all(m, "ram:ApplicableTradeSettlementFinancialCard | ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
    ]


def _means_with_code(root, codes: set[str]) -> list[etree._Element]:
    return [m for m in _all(root, _PAYMENT_MEANS) if _text(m, "ram:TypeCode") in codes]


def _direct_debit_given(root, means: etree._Element) -> bool:
    """BG-19 is there: its mandate reference (BT-89) or creditor identifier (BT-90) on the document,
    or the debited account (BT-91) in this payment means — as the KoSIT schematron reads it."""
    return bool(
        _all(
            root,
            f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"
            f" | {_SETTLEMENT}/ram:CreditorReferenceID",
        )
        or _all(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
    )


def _card_information(root):
    return [m for m in _means_with_code(root, _CARD) if not _all(m, "ram:ApplicableTradeSettlementFinancialCard")]


def _card_only(root):
    return [
        m
        for m in _means_with_code(root, _CARD)
        if _all(m, "ram:PayeePartyCreditorFinancialAccount") or _direct_debit_given(root, m)
    ]


def _direct_debit_information(root):
    return [m for m in _means_with_code(root, {_DIRECT_DEBIT}) if not _direct_debit_given(root, m)]


def _direct_debit_only(root):
    return [
        m
        for m in _means_with_code(root, {_DIRECT_DEBIT})
        if _all(m, "ram:PayeePartyCreditorFinancialAccount | ram:ApplicableTradeSettlementFinancialCard")
    ]


def _direct_debit_missing(required: str) -> Callable[[etree._Element], list[etree._Element]]:
    """Where BG-19 is given, ``required`` (relative to the root) must be too (BR-DE-30/31)."""

    def check(root):
        return [m for m in _all(root, _PAYMENT_MEANS) if _direct_debit_given(root, m) and not _filled(m, required)]

    return check


def _corrected_invoice_reference(root):
    if _text(root, "rsm:ExchangedDocument/ram:TypeCode") != "384":
        return []
    return [] if _all(root, f"{_SETTLEMENT}/ram:InvoiceReferencedDocument") else [root]


def _matching_text(context_path: str, pattern: re.Pattern) -> Callable[[etree._Element], list[etree._Element]]:
    def check(root):
        return [e for e in _all(root, context_path) if not pattern.fullmatch(" ".join((e.text or "").split()))]

    return check


def _empty_elements(root):
    """PEPPOL-EN16931-R008: no element without children and without text (the delivery group may be empty)."""
    return [
        element
        for element in root.iter(etree.Element)
        if len(element) == 0
        and not (element.text or "").strip()
        and etree.QName(element).localname != "ApplicableHeaderTradeDelivery"
    ]


RULES: tuple[Rule, ...] = (
    Rule("BR-DE-1", FATAL, "An invoice must contain payment instructions (BG-16).", _root_missing(_PAYMENT_MEANS)),
    Rule(
        "BR-DE-2",
        FATAL,
        'The group "SELLER CONTACT" (BG-6) must be transmitted.',
        lambda root: [s for s in _all(root, _SELLER) if not _all(s, "ram:DefinedTradeContact")],
    ),
    Rule(
        "BR-DE-3",
        FATAL,
        'The element "Seller city" (BT-37) must be transmitted.',
        _each_missing(_SELLER, "ram:PostalTradeAddress/ram:CityName"),
    ),
    Rule(
        "BR-DE-4",
        FATAL,
        'The element "Seller post code" (BT-38) must be transmitted.',
        _each_missing(_SELLER, "ram:PostalTradeAddress/ram:PostcodeCode"),
    ),
    Rule(
        "BR-DE-5",
        FATAL,
        'The element "Seller contact point" (BT-41) must be transmitted.',
        _each_missing(f"{_SELLER}/ram:DefinedTradeContact", "ram:PersonName | ram:DepartmentName"),
    ),
    Rule(
        "BR-DE-6",
        FATAL,
        'The element "Seller contact telephone number" (BT-42) must be transmitted.',
        _each_missing(f"{_SELLER}/ram:DefinedTradeContact", "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
    ),
    Rule(
        "BR-DE-7",
        FATAL,
        'The element "Seller contact email address" (BT-43) must be transmitted.',
        _each_missing(f"{_SELLER}/ram:DefinedTradeContact", "ram:EmailURIUniversalCommunication/ram:URIID"),
    ),
    Rule(
        "BR-DE-8",
        FATAL,
        'The element "Buyer city" (BT-52) must be transmitted.',
        _each_missing(_BUYER, "ram:PostalTradeAddress/ram:CityName"),
    ),
    Rule(
        "BR-DE-9",
        FATAL,
        'The element "Buyer post code" (BT-53) must be transmitted.',
        _each_missing(_BUYER, "ram:PostalTradeAddress/ram:PostcodeCode"),
    ),
    Rule(
        "BR-DE-10",
        FATAL,
        'The element "Deliver to city" (BT-77) must be transmitted when "DELIVER TO ADDRESS" (BG-15) is.',
        _each_missing(f"{_DELIVERY}/ram:ShipToTradeParty/ram:PostalTradeAddress", "ram:CityName"),
    ),
    Rule(
        "BR-DE-11",
        FATAL,
        'The element "Deliver to post code" (BT-78) must be transmitted when "DELIVER TO ADDRESS" (BG-15) is.',
        _each_missing(f"{_DELIVERY}/ram:ShipToTradeParty/ram:PostalTradeAddress", "ram:PostcodeCode"),
    ),
    Rule(
        "BR-DE-14",
        FATAL,
        'The element "VAT category rate" (BT-119) must be transmitted.',
        _each_missing(f"{_SETTLEMENT}/ram:ApplicableTradeTax", "ram:RateApplicablePercent"),
    ),
    Rule(
        "BR-DE-15",
        FATAL,
        'The element "Buyer reference" (BT-10) must be transmitted.',
        lambda root: [] if _filled(root, f"{_AGREEMENT}/ram:BuyerReference") else [root],
    ),
    Rule(
        "BR-DE-16",
        FATAL,
        "If the VAT category codes S, Z, E, AE, K, G, L or M are used, at least one of "
        '"Seller VAT identifier" (BT-31), "Seller tax registration identifier" (BT-32) or '
        '"SELLER TAX REPRESENTATIVE PARTY" (BG-11) must be transmitted.',
        _seller_tax_identity,
    ),
    Rule(
        "BR-DE-17",
        WARNING,
        '"Invoice type code" (BT-3) should only be one of the UNTDID 1001 codes 326, 380, 384, 389, 381, '
        "875, 876, 877.",
        _type_code,
    ),
    Rule(
        "BR-DE-18",
        FATAL,
        'Cash discount (Skonto) terms in "Payment terms" (BT-20) must be written as lines '
        '"#SKONTO#TAGE=n#PROZENT=n.nn#", optionally followed by "BASISBETRAG=n.nn#", upper case, '
        "without whitespace, percent and amount with a point and two decimals, and a line break after "
        "the last entry.",
        _skonto_syntax,
    ),
    Rule(
        "BR-DE-19",
        WARNING,
        '"Payment account identifier" (BT-84) should be a correct IBAN when "Payment means type code" '
        "(BT-81) is 58 (SEPA credit transfer).",
        _credit_transfer_iban,
    ),
    Rule(
        "BR-DE-20",
        WARNING,
        '"Debited account identifier" (BT-91) should be a correct IBAN when "Payment means type code" '
        "(BT-81) is 59 (SEPA direct debit).",
        _direct_debit_iban,
    ),
    Rule(
        "BR-DE-21",
        WARNING,
        '"Specification identifier" (BT-24) should match the identifier of the XRechnung standard.',
        _specification_id,
    ),
    Rule(
        "BR-DE-23-a",
        FATAL,
        'If "Payment means type code" (BT-81) is a credit transfer code (30, 58), "CREDIT TRANSFER" '
        "(BG-17) must be transmitted.",
        _credit_transfer_account,
    ),
    Rule(
        "BR-DE-23-b",
        FATAL,
        'If "Payment means type code" (BT-81) is a credit transfer code (30, 58), "PAYMENT CARD '
        'INFORMATION" (BG-18) and "DIRECT DEBIT" (BG-19) must not be transmitted.',
        _credit_transfer_only,
    ),
    Rule(
        "BR-DE-24-a",
        FATAL,
        'If "Payment means type code" (BT-81) is a payment card code (48, 54, 55), exactly one "PAYMENT CARD '
        'INFORMATION" (BG-18) must be transmitted.',
        _card_information,
    ),
    Rule(
        "BR-DE-24-b",
        FATAL,
        'If "Payment means type code" (BT-81) is a payment card code (48, 54, 55), "CREDIT TRANSFER" (BG-17) '
        'and "DIRECT DEBIT" (BG-19) must not be transmitted.',
        _card_only,
    ),
    Rule(
        "BR-DE-25-a",
        FATAL,
        'If "Payment means type code" (BT-81) is the direct debit code (59), exactly one "DIRECT DEBIT" (BG-19) '
        "must be transmitted.",
        _direct_debit_information,
    ),
    Rule(
        "BR-DE-25-b",
        FATAL,
        'If "Payment means type code" (BT-81) is the direct debit code (59), "CREDIT TRANSFER" (BG-17) and '
        '"PAYMENT CARD INFORMATION" (BG-18) must not be transmitted.',
        _direct_debit_only,
    ),
    Rule(
        "BR-DE-26",
        WARNING,
        'If "Invoice type code" (BT-3) is 384 (corrected invoice), "PRECEDING INVOICE REFERENCE" (BG-3) '
        "should be transmitted at least once.",
        _corrected_invoice_reference,
    ),
    Rule(
        "BR-DE-30",
        FATAL,
        'If "DIRECT DEBIT" (BG-19) is transmitted, "Bank assigned creditor identifier" (BT-90) must be transmitted.',
        _direct_debit_missing(f"/rsm:CrossIndustryInvoice/{_SETTLEMENT}/ram:CreditorReferenceID"),
    ),
    Rule(
        "BR-DE-31",
        FATAL,
        'If "DIRECT DEBIT" (BG-19) is transmitted, "Debited account identifier" (BT-91) must be transmitted.',
        _direct_debit_missing("ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    ),
    Rule(
        "BR-DE-27",
        WARNING,
        '"Seller contact telephone number" (BT-42) should contain at least three digits.',
        _matching_text(
            f"{_SELLER}/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber", _TELEPHONE
        ),
    ),
    Rule(
        "BR-DE-28",
        WARNING,
        '"Seller contact email address" (BT-43) should contain exactly one @, with at least two characters '
        "on either side, neither whitespace nor a dot next to it, and no dot at the start or end.",
        _matching_text(f"{_SELLER}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID", _EMAIL),
    ),
    Rule(
        "PEPPOL-EN16931-R001",
        FATAL,
        "Business process (BT-23) must be provided.",
        _root_missing("rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
    ),
    Rule(EMPTY_ELEMENTS, FATAL, "Document must not contain empty elements.", _empty_elements),
    Rule(
        "PEPPOL-EN16931-R010",
        FATAL,
        "Buyer electronic address (BT-49) must be provided.",
        _each_missing(_BUYER, "ram:URIUniversalCommunication/ram:URIID"),
    ),
    Rule(
        "PEPPOL-EN16931-R020",
        FATAL,
        "Seller electronic address (BT-34) must be provided.",
        _each_missing(_SELLER, "ram:URIUniversalCommunication/ram:URIID"),
    ),
)


def location(element: etree._Element) -> str:
    """An XPath with the usual CII prefixes, positional only where siblings share a name."""
    steps = []
    while element is not None:
        qname = etree.QName(element)
        prefix = next((p for p, uri in NS.items() if uri == qname.namespace), None)
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = element.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))


def check(tree: etree._ElementTree, rules: Iterable[Rule] = RULES) -> list[Violation]:
    """Every failure of the XRechnung rules in ``tree``, one violation per failing element."""
    root = tree.getroot()
    return [
        Violation(rule.id, rule.message, location(element), rule.flag) for rule in rules for element in rule.check(root)
    ]

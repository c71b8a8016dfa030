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

The list of rules is here; the shared XPath helpers and code sets are in ``paths``, the checks
of the document in ``checks``, those of the payment means (BG-16 to BG-19) in ``payment``.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..validation import FATAL, NS, WARNING, Violation
from .checks import (
    _corrected_invoice_reference,
    _empty_elements,
    _seller_tax_identity,
    _skonto_syntax,
    _specification_id,
    _type_code,
)
from .paths import (
    _AGREEMENT,
    _BUYER,
    _DELIVERY,
    _EMAIL,
    _PAYMENT_MEANS,
    _SELLER,
    _SETTLEMENT,
    _TELEPHONE,
    EMPTY_ELEMENTS,
    SKONTO_LINE,
    TYPE_CODES,
    Rule,
    _all,
    _each_missing,
    _filled,
    _matching_text,
    _root_missing,
)
from .payment import (
    _card_information,
    _card_only,
    _credit_transfer_account,
    _credit_transfer_iban,
    _credit_transfer_only,
    _direct_debit_iban,
    _direct_debit_information,
    _direct_debit_missing,
    _direct_debit_only,
)

__all__ = ["EMPTY_ELEMENTS", "RULES", "SKONTO_LINE", "TYPE_CODES", "Rule", "check", "location"]

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

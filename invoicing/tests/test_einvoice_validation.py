"""Validation of CII e-invoices: XML safety, XSD, EN 16931 Schematron (SaxonC), XRechnung BR-DE.

The fixtures in ``fixtures/einvoice`` are hand-written from EN 16931-1, the Factur-X 1.0 EN 16931
profile and XRechnung 3.0; each negative test changes one thing in a valid document with lxml
and expects the exact rule id.
"""

from __future__ import annotations

import shutil
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import (
    CODEDB_NAME,
    NS,
    XSLT_PATH,
    Schematron,
    ValidationSetupError,
    Violation,
    cii_validate,
    default_rules,
    is_valid,
    load_rules,
    parse_cii,
    violations_summary,
)
from invoicing.tests.factories import (
    foreign_business,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_issued,
)

FIXTURES = Path(__file__).parent / "fixtures" / "einvoice"
TX = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
AGREEMENT = f"{TX}/ram:ApplicableHeaderTradeAgreement"
SELLER = f"{AGREEMENT}/ram:SellerTradeParty"
BUYER = f"{AGREEMENT}/ram:BuyerTradeParty"
SETTLEMENT = f"{TX}/ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
PAYMENT_MEANS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
SHIP_TO = f"{TX}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress"
CONTACT = f"{SELLER}/ram:DefinedTradeContact"
CONTEXT = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
TERMS = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description"
TYPE_CODE = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def mutated(xml: bytes, *changes) -> bytes:
    """``xml`` after each change(root) was applied, serialised as a document again."""
    root = etree.fromstring(xml)
    for change in changes:
        change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def nodes(root, path: str) -> list:
    found = root.xpath(path, namespaces=NS)
    assert found, f"nothing at {path}: the test would not change the document"
    return found


def remove(path: str):
    def change(root):
        for node in nodes(root, path):
            node.getparent().remove(node)

    return change


def set_text(path: str, text: str):
    def change(root):
        for node in nodes(root, path):
            node.text = text

    return change


def add_amount(path: str, delta: str):
    def change(root):
        node = nodes(root, path)[0]
        node.text = str(Decimal(node.text) + Decimal(delta))

    return change


def insert_first(path: str, tag: str, text: str):
    def change(root):
        parent = nodes(root, path)[0]
        prefix, name = tag.split(":")
        element = etree.Element(f"{{{NS[prefix]}}}{name}")
        element.text = text
        parent.insert(0, element)

    return change


def fatal_rules(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations if v.flag == "fatal"}


def rules_and_flags(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.rule, v.flag) for v in violations}


# --- valid documents ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["en16931_standard.xml", "en16931_reverse_charge.xml"])
def test_the_hand_written_factur_x_en16931_invoices_have_no_violation_at_all(name):
    assert cii_validate(fixture(name)) == []


def test_the_hand_written_xrechnung_invoice_has_no_violation_with_the_german_rules():
    assert cii_validate(fixture("xrechnung.xml"), xrechnung=True) == []


def test_the_german_rules_apply_only_when_xrechnung_is_asked_for():
    # The Factur-X fixture has no seller contact, business process or electronic addresses.
    german = {v.rule for v in cii_validate(fixture("en16931_standard.xml"), xrechnung=True)}
    assert {"BR-DE-2", "BR-DE-21", "PEPPOL-EN16931-R001", "PEPPOL-EN16931-R010", "PEPPOL-EN16931-R020"} <= german
    assert cii_validate(fixture("en16931_standard.xml")) == []


def test_the_xrechnung_identifier_is_unknown_to_the_factur_x_profile_unless_validated_as_xrechnung():
    violations = cii_validate(fixture("xrechnung.xml"))
    assert fatal_rules(violations) == {"FX-SCH-A-000556"}


# --- EN 16931 business rules --------------------------------------------------------------------


def test_a_grand_total_that_is_not_net_plus_vat_breaks_br_co_15():
    xml = mutated(
        fixture("en16931_standard.xml"),
        add_amount(f"{TOTALS}/ram:GrandTotalAmount", "0.01"),
        add_amount(f"{TOTALS}/ram:DuePayableAmount", "0.01"),
    )
    violations = cii_validate(xml)
    assert fatal_rules(violations) == {"BR-CO-15"}
    assert not is_valid(violations)
    assert violations_summary(violations).startswith(
        "BR-CO-15: Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + "
    )


def test_a_reverse_charge_invoice_without_the_buyer_vat_id_breaks_br_ae_02():
    xml = mutated(fixture("en16931_reverse_charge.xml"), remove(f"{BUYER}/ram:SpecifiedTaxRegistration"))
    assert "BR-AE-02" in fatal_rules(cii_validate(xml))


def test_a_vat_total_that_is_not_the_sum_of_the_breakdown_breaks_br_co_14():
    xml = mutated(
        fixture("en16931_standard.xml"),
        add_amount(f"{TOTALS}/ram:TaxTotalAmount", "0.01"),
        add_amount(f"{TOTALS}/ram:GrandTotalAmount", "0.01"),
        add_amount(f"{TOTALS}/ram:DuePayableAmount", "0.01"),
    )
    assert fatal_rules(cii_validate(xml)) == {"BR-CO-14"}


def test_a_line_total_that_is_not_the_sum_of_the_lines_breaks_br_co_10():
    xml = mutated(fixture("en16931_standard.xml"), add_amount(f"{TOTALS}/ram:LineTotalAmount", "1.00"))
    assert "BR-CO-10" in fatal_rules(cii_validate(xml))


def test_a_violation_points_at_the_element_it_is_about():
    xml = mutated(fixture("en16931_reverse_charge.xml"), remove(f"{BUYER}/ram:SpecifiedTaxRegistration"))
    (violation,) = [v for v in cii_validate(xml) if v.rule == "BR-AE-02"]
    assert violation.location.startswith("/rsm:CrossIndustryInvoice[1]")
    assert "Reverse charge" in violation.message


# --- XML and XSD --------------------------------------------------------------------------------


def test_an_unknown_element_is_an_xsd_violation_with_its_line():
    xml = mutated(fixture("en16931_standard.xml"), insert_first(AGREEMENT, "ram:Unknown", "x"))
    xsd = [v for v in cii_validate(xml) if v.rule == "XSD"]
    assert len(xsd) == 1
    assert "ram:Unknown" in xsd[0].message
    assert xsd[0].location.startswith("line ")
    assert xsd[0].flag == "fatal"


def test_malformed_xml_is_reported_with_its_line_and_nothing_else_runs():
    xml = b'<?xml version="1.0"?>\n<rsm:CrossIndustryInvoice xmlns:rsm="urn:x">\n<a></b>\n</rsm:CrossIndustryInvoice>'
    (violation,) = cii_validate(xml)
    assert (violation.rule, violation.location, violation.flag) == ("XML", "line 3", "fatal")


def test_an_external_entity_is_not_resolved_and_the_document_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">'
        "&xxe;</rsm:CrossIndustryInvoice>"
    ).encode()
    violations = cii_validate(xml)
    assert [v.rule for v in violations] == ["XML"]
    assert "TOP-SECRET-VALUE" not in repr(violations)


def test_a_billion_laughs_document_is_refused_without_expanding_it():
    entities = "".join(f'<!ENTITY e{i} "&e{i - 1};&e{i - 1};&e{i - 1};&e{i - 1};">' for i in range(1, 20))
    xml = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e0 "lol">{entities}]><r>&e19;</r>'.encode()
    assert [v.rule for v in cii_validate(xml)] == ["XML"]


# --- XRechnung (BR-DE) --------------------------------------------------------------------------

FATAL = "fatal"
WARNING = "warning"
BR_DE_CASES = [
    ("BR-DE-1", FATAL, [remove(PAYMENT_MEANS)]),
    ("BR-DE-2", FATAL, [remove(CONTACT)]),
    ("BR-DE-3", FATAL, [remove(f"{SELLER}/ram:PostalTradeAddress/ram:CityName")]),
    ("BR-DE-4", FATAL, [remove(f"{SELLER}/ram:PostalTradeAddress/ram:PostcodeCode")]),
    ("BR-DE-5", FATAL, [remove(f"{CONTACT}/ram:PersonName")]),
    ("BR-DE-6", FATAL, [remove(f"{CONTACT}/ram:TelephoneUniversalCommunication")]),
    ("BR-DE-7", FATAL, [remove(f"{CONTACT}/ram:EmailURIUniversalCommunication")]),
    ("BR-DE-8", FATAL, [remove(f"{BUYER}/ram:PostalTradeAddress/ram:CityName")]),
    ("BR-DE-9", FATAL, [remove(f"{BUYER}/ram:PostalTradeAddress/ram:PostcodeCode")]),
    ("BR-DE-10", FATAL, [remove(f"{SHIP_TO}/ram:CityName")]),
    ("BR-DE-11", FATAL, [remove(f"{SHIP_TO}/ram:PostcodeCode")]),
    ("BR-DE-14", FATAL, [remove(f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent")]),
    ("BR-DE-15", FATAL, [remove(f"{AGREEMENT}/ram:BuyerReference")]),
    ("BR-DE-16", FATAL, [remove(f"{SELLER}/ram:SpecifiedTaxRegistration")]),
    ("BR-DE-17", WARNING, [set_text(TYPE_CODE, "383")]),
    (
        "BR-DE-19",
        WARNING,
        [set_text(f"{PAYMENT_MEANS}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID", "DE89370400440532013001")],
    ),
    (
        "BR-DE-21",
        WARNING,
        [set_text(f"{CONTEXT}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "urn:cen.eu:en16931:2017")],
    ),
    ("BR-DE-23-a", FATAL, [remove(f"{PAYMENT_MEANS}/ram:PayeePartyCreditorFinancialAccount")]),
    ("BR-DE-23-b", FATAL, [insert_first(SETTLEMENT, "ram:CreditorReferenceID", "DE98ZZZ09999999999")]),
    ("BR-DE-26", WARNING, [set_text(TYPE_CODE, "384")]),
    ("BR-DE-27", WARNING, [set_text(f"{CONTACT}/ram:TelephoneUniversalCommunication/ram:CompleteNumber", "08")]),
    ("BR-DE-28", WARNING, [set_text(f"{CONTACT}/ram:EmailURIUniversalCommunication/ram:URIID", "a@debitor.example")]),
    ("PEPPOL-EN16931-R001", FATAL, [remove(f"{CONTEXT}/ram:BusinessProcessSpecifiedDocumentContextParameter")]),
    ("PEPPOL-EN16931-R008", FATAL, [set_text(f"{BUYER}/ram:ID", "")]),
    ("PEPPOL-EN16931-R010", FATAL, [remove(f"{BUYER}/ram:URIUniversalCommunication")]),
    ("PEPPOL-EN16931-R020", FATAL, [remove(f"{SELLER}/ram:URIUniversalCommunication")]),
]


@pytest.mark.parametrize(("rule", "flag", "changes"), BR_DE_CASES, ids=[case[0] for case in BR_DE_CASES])
def test_each_xrechnung_rule_catches_the_document_that_breaks_it(rule, flag, changes):
    violations = cii_validate(mutated(fixture("xrechnung.xml"), *changes), xrechnung=True)
    assert (rule, flag) in rules_and_flags(violations)


def test_a_direct_debit_account_that_is_no_iban_breaks_br_de_20():
    def to_direct_debit(root):
        means = nodes(root, PAYMENT_MEANS)[0]
        nodes(means, "ram:TypeCode")[0].text = "59"
        account = nodes(means, "ram:PayeePartyCreditorFinancialAccount")[0]
        account.tag = f"{{{NS['ram']}}}PayerPartyDebtorFinancialAccount"
        nodes(account, "ram:IBANID")[0].text = "DE00123"

    violations = cii_validate(mutated(fixture("xrechnung.xml"), to_direct_debit), xrechnung=True)
    assert ("BR-DE-20", WARNING) in rules_and_flags(violations)


def test_a_warning_alone_leaves_the_xrechnung_valid():
    xml = mutated(
        fixture("xrechnung.xml"),
        set_text(f"{CONTEXT}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "urn:cen.eu:en16931:2017"),
    )
    violations = cii_validate(xml, xrechnung=True)
    assert [v.rule for v in violations] == ["BR-DE-21"]
    assert is_valid(violations)
    assert violations_summary(violations) == ""


def test_an_empty_element_is_reported_once_and_fatal_in_xrechnung():
    xml = mutated(fixture("xrechnung.xml"), set_text(f"{BUYER}/ram:ID", ""))
    empty = [v for v in cii_validate(xml, xrechnung=True) if v.rule == "PEPPOL-EN16931-R008"]
    assert [(v.flag, v.location) for v in empty] == [
        (
            "fatal",
            "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
            "/ram:BuyerTradeParty/ram:ID",
        )
    ]


@pytest.mark.parametrize(
    "terms",
    [
        "#SKONTO#TAGE=14#PROZENT=2.00#\nZahlbar in 30 Tagen.",
        "#SKONTO#TAGE=7#PROZENT=3.00#\n#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=700.00#\n",
        "Zahlbar innerhalb von 30 Tagen ohne Abzug.",
    ],
    ids=["one tier and text", "two tiers with base", "no skonto"],
)
def test_skonto_lines_in_the_xrechnung_syntax_pass_br_de_18(terms):
    xml = mutated(fixture("xrechnung.xml"), set_text(TERMS, terms))
    assert "BR-DE-18" not in {v.rule for v in cii_validate(xml, xrechnung=True)}


@pytest.mark.parametrize(
    "terms",
    [
        "#SKONTO#TAGE=14#PROZENT=2.00#",
        "#SKONTO#TAGE=14#PROZENT=2.00# Zahlbar in 30 Tagen.",
        "#skonto#tage=14#prozent=2.00#\n",
        "#SKONTO#TAGE=14#PROZENT=2#\n",
        "#SKONTO#TAGE=14#PROZENT=2,00#\n",
        "#SKONTO# TAGE=14#PROZENT=2.00#\n",
        "#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=700#\n",
        "#SKONTO#TAGE=14#PROZENT=2.00#\n#SKONTO#TAGE=30#PROZENT=1.00",
    ],
    ids=[
        "no line break at the end",
        "text on the skonto line",
        "lower case",
        "percent without decimals",
        "decimal comma",
        "whitespace inside",
        "base without decimals",
        "second line unterminated",
    ],
)
def test_skonto_lines_that_break_the_xrechnung_syntax_fail_br_de_18(terms):
    xml = mutated(fixture("xrechnung.xml"), set_text(TERMS, terms))
    assert ("BR-DE-18", FATAL) in rules_and_flags(cii_validate(xml, xrechnung=True))


# --- fail closed --------------------------------------------------------------------------------


def test_a_missing_schematron_file_is_a_setup_error_not_a_pass(tmp_path):
    with pytest.raises(ValidationSetupError, match="not found"):
        load_rules(xslt_path=tmp_path / "missing.xslt")


def test_a_missing_xsd_is_a_setup_error(tmp_path):
    with pytest.raises(ValidationSetupError, match="not found"):
        load_rules(xsd_path=tmp_path / "missing.xsd")


def test_a_schematron_that_does_not_compile_is_a_setup_error(tmp_path):
    broken = tmp_path / "broken.xslt"
    broken.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">'
        '<xsl:template match="/"><xsl:value-of select="(("/></xsl:template></xsl:stylesheet>'
    )
    with pytest.raises(ValidationSetupError, match="does not compile"):
        load_rules(xslt_path=broken)


def test_the_schematron_without_its_code_lists_is_a_setup_error_at_load_and_at_run(tmp_path):
    copy = tmp_path / XSLT_PATH.name
    shutil.copy(XSLT_PATH, copy)
    assert not (tmp_path / CODEDB_NAME).exists()
    with pytest.raises(ValidationSetupError, match=CODEDB_NAME):
        load_rules(xslt_path=copy)
    tree, _ = parse_cii(fixture("en16931_standard.xml"))
    with pytest.raises(ValidationSetupError, match="run failed"):
        Schematron(copy).run(tree)


def test_a_stylesheet_whose_output_is_not_svrl_is_a_setup_error(tmp_path):
    identity = tmp_path / "identity.xslt"
    identity.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">'
        '<xsl:template match="/"><xsl:copy-of select="."/></xsl:template></xsl:stylesheet>'
    )
    rules = load_rules(xslt_path=identity)
    with pytest.raises(ValidationSetupError, match="not an SVRL report"):
        cii_validate(fixture("en16931_standard.xml"), rules=rules)


def test_an_svrl_report_in_which_no_rule_fired_is_a_setup_error(tmp_path):
    silent = tmp_path / "silent.xslt"
    silent.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        'xmlns:svrl="http://purl.oclc.org/dsdl/svrl" version="2.0"><xsl:template match="/">'
        "<svrl:schematron-output><svrl:active-pattern/></svrl:schematron-output>"
        "</xsl:template></xsl:stylesheet>"
    )
    with pytest.raises(ValidationSetupError, match="no fired rule|without any fired rule"):
        cii_validate(fixture("en16931_standard.xml"), rules=load_rules(xslt_path=silent))


def test_the_rules_are_compiled_once_per_process():
    assert default_rules() is default_rules()


def test_validation_from_several_threads_gives_each_document_its_own_result():
    good = fixture("en16931_standard.xml")
    bad = mutated(
        good,
        add_amount(f"{TOTALS}/ram:GrandTotalAmount", "0.01"),
        add_amount(f"{TOTALS}/ram:DuePayableAmount", "0.01"),
    )
    results: list[bool] = []

    def work(offset: int):
        for i in range(6):
            xml = bad if (i + offset) % 2 else good
            results.append(fatal_rules(cii_validate(xml)) == ({"BR-CO-15"} if xml is bad else set()))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 24


# --- documents built from issued invoices -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("invoicing_setup")
class TestBuiltDocuments:
    """The XML ``cii_build`` writes for an issued invoice, broken on purpose after building."""

    def test_a_built_invoice_with_a_broken_grand_total_breaks_br_co_15(self):
        xml = cii_build(make_issued(lines=[line(), line(vat_rate="7", unit_price="24.50")]))
        assert fatal_rules(cii_validate(xml)) == set()
        broken = mutated(
            xml,
            add_amount(f"{TOTALS}/ram:GrandTotalAmount", "1.00"),
            add_amount(f"{TOTALS}/ram:DuePayableAmount", "1.00"),
        )
        assert fatal_rules(cii_validate(broken)) == {"BR-CO-15"}

    def test_a_built_reverse_charge_invoice_without_the_buyer_vat_id_breaks_br_ae_02(self):
        invoice = make_issued(customer=foreign_business(), lines=[line(vat_category="AE", vat_rate="0")])
        xml = cii_build(invoice)
        assert fatal_rules(cii_validate(xml)) == set()
        broken = mutated(xml, remove(f"{BUYER}/ram:SpecifiedTaxRegistration"))
        assert "BR-AE-02" in fatal_rules(cii_validate(broken))

    def test_a_built_invoice_with_one_changed_vat_amount_breaks_br_co_14(self):
        xml = cii_build(make_issued(lines=[line(), line(vat_rate="7", unit_price="24.50")]))
        broken = mutated(xml, add_amount(f"{SETTLEMENT}/ram:ApplicableTradeTax[1]/ram:CalculatedAmount", "0.01"))
        assert "BR-CO-14" in fatal_rules(cii_validate(broken))

    @pytest.mark.parametrize("count", [2, 3])
    def test_a_built_invoice_exempt_on_several_legal_bases_passes_and_needs_its_reason_text(self, count):
        """Issue 13: several E lines share one breakdown row whose BT-120 names every basis (no one
        BT-121 fits them all); without that text the row breaks BR-E-10."""
        reasons = [
            "Steuerfrei nach § 4 Nr. 11 UStG",
            "Steuerfrei nach § 4 Nr. 12 Buchst. a UStG",
            "Steuerfrei nach § 4 Nr. 14 Buchst. b UStG",
        ][:count]
        lines = [line(vat_category="E", vat_rate="0", exemption_reason=reason) for reason in reasons]
        xml = cii_build(make_issued(lines=lines))
        assert fatal_rules(cii_validate(xml)) == set()
        row = f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='E']"
        assert nodes(etree.fromstring(xml), f"{row}/ram:ExemptionReason")[0].text == "; ".join(reasons)
        assert etree.fromstring(xml).xpath(f"{row}/ram:ExemptionReasonCode", namespaces=NS) == []
        assert "BR-E-10" in fatal_rules(cii_validate(mutated(xml, remove(f"{row}/ram:ExemptionReason"))))

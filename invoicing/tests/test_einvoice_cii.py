"""The EN 16931 CII XML (Factur-X EN 16931 and XRechnung 3.0) of issued invoices and credit notes.

Every document is built through the services, validated by ``cii_validate`` (XSD, EN 16931
schematron, BR-DE for XRechnung) and its key values are read back with XPath.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from customers.terms import XRECHNUNG_SKONTO_LINE
from customers.tests.factories import make_customer
from invoicing.einvoice import NotIssued, cii_build
from invoicing.einvoice.validation import cii_validate
from invoicing.models import ExchangeRate, Invoice
from invoicing.services import credit_note_create, invoice_change_due_date
from invoicing.tests.factories import (
    AT_VAT_ID,
    D0,
    T0,
    at,
    foreign_business,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
    make_issued,
    make_terms,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
DELIVERY = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery"
LINES = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
GUIDELINE = (
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
)
PROCESS = (
    "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
)
_ALLOWANCE = {"reason": "Rabatt", "amount": "1.00", "vat_category": "S", "vat_rate": "19"}
XRECHNUNG_CONTACT = {"contact_name": "Petra Buchhalter", "phone": "+49 89 1234567", "email": "rechnung@debitor.example"}


def built(invoice, *, xrechnung: bool = False) -> etree._Element:
    """The XML of an issued document after asserting that it validates with no fatal violation."""
    xml = cii_build(invoice, xrechnung=xrechnung)
    assert xml.startswith(b"<?xml")
    fatal = [v for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]
    assert fatal == [], "\n".join(f"{v.rule}: {v.message} ({v.location})" for v in fatal)
    return etree.fromstring(xml)


def values(tree, path: str) -> list[str]:
    return [str(v).strip() for v in tree.xpath(path, namespaces=NS)]


def value(tree, path: str) -> str:
    found = values(tree, path)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


def breakdown(tree) -> list[tuple[str, str, str, str]]:
    """(category, rate, taxable, tax) of each BG-23 row."""
    rows = []
    for node in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS):
        rows.append(
            (
                value(node, "ram:CategoryCode/text()"),
                "".join(values(node, "ram:RateApplicablePercent/text()")),
                value(node, "ram:BasisAmount/text()"),
                value(node, "ram:CalculatedAmount/text()"),
            )
        )
    return rows


def exemption_codes(tree) -> list[str]:
    return values(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:ExemptionReasonCode/text()")


def non_eu_business(**overrides):
    data = {
        "billing_country": "CH",
        "billing_postal_code": "8001",
        "billing_city": "Zürich",
        "billing_street": "Bahnhofstrasse 1",
        "vat_id": "",
        "tax_number": "",
    }
    return make_customer(**{**data, **overrides})


# --- one document per VAT category ------------------------------------------------------------


def test_standard_rated_invoice_with_19_and_7_percent_is_a_valid_factur_x_en16931():
    invoice = make_issued(
        lines=[
            line(item_number="B-100", quantity="2.5", unit_price="99.9900"),
            line(description="Fachbuch", unit_code="C62", quantity="3", unit_price="39.9", vat_rate="7"),
            line(
                description="Schrauben", unit_code="C62", quantity="1000", unit_price="4.2", price_base_quantity="100"
            ),
        ],
        purchase_order_reference="PO-4711",
    )
    tree = built(invoice)
    assert value(tree, GUIDELINE + "/text()") == "urn:cen.eu:en16931:2017"
    assert values(tree, PROCESS + "/text()") == []
    assert value(tree, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()") == "380"
    assert value(tree, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID/text()") == invoice.number
    assert breakdown(tree) == [("S", "7.00", "119.70", "8.38"), ("S", "19.00", "291.98", "55.48")]
    assert value(tree, f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == "PO-4711"
    assert value(tree, f"{LINES}[1]/ram:SpecifiedTradeProduct/ram:SellerAssignedID/text()") == "B-100"
    assert value(tree, f"{LINES}[1]//ram:NetPriceProductTradePrice/ram:ChargeAmount/text()") == "99.99"
    assert value(tree, f"{LINES}[3]//ram:NetPriceProductTradePrice/ram:BasisQuantity/text()") == "100"
    assert value(tree, f"{LINES}[3]//ram:NetPriceProductTradePrice/ram:BasisQuantity/@unitCode") == "C62"
    assert value(tree, f"{LINES}[1]//ram:BilledQuantity/@unitCode") == "HUR"
    assert value(tree, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == "58"
    assert value(tree, f"{SETTLEMENT}//ram:PayeePartyCreditorFinancialAccount/ram:IBANID/text()") == (
        "DE89370400440532013000"
    )
    assert value(tree, f"{SETTLEMENT}//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID/text()") == (
        "COBADEFFXXX"
    )
    assert value(tree, f"{SETTLEMENT}/ram:PaymentReference/text()") == invoice.number
    assert value(
        tree, f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()"
    ) == ("DE136695976")
    assert value(
        tree, f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']/text()"
    ) == ("143/123/45678")
    assert value(tree, f"{SETTLEMENT}//ram:DuePayableAmount/text()") == str(invoice.amount_due)
    assert value(
        tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString/text()"
    ) == (f"{invoice.due_date:%Y%m%d}")


def test_zero_rated_invoice_is_valid():
    tree = built(make_issued(lines=[line(vat_category="Z", vat_rate="0")]))
    assert breakdown(tree) == [("Z", "0.00", "200.00", "0.00")]
    assert exemption_codes(tree) == []


def test_exempt_invoice_states_the_exemption_reason_and_vatex_code():
    reason = "Steuerfrei nach § 4 Nr. 14 UStG"
    invoice = make_issued(
        lines=[line(vat_category="E", vat_rate="0", exemption_reason=reason, exemption_code="VATEX-EU-132-1C")]
    )
    tree = built(invoice)
    assert breakdown(tree) == [("E", "0.00", "200.00", "0.00")]
    assert value(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:ExemptionReason/text()") == reason
    assert exemption_codes(tree) == ["VATEX-EU-132-1C"]


def test_reverse_charge_invoice_carries_the_buyer_vat_id():
    invoice = make_issued(customer=foreign_business(), lines=[line(vat_category="AE", vat_rate="0")])
    tree = built(invoice)
    assert breakdown(tree) == [("AE", "0.00", "200.00", "0.00")]
    assert exemption_codes(tree) == ["VATEX-EU-AE"]
    assert value(
        tree, f"{AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']/text()"
    ) == (AT_VAT_ID)
    assert "13b UStG" in value(
        tree, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()"
    )


def test_intra_community_supply_states_the_deliver_to_country_and_delivery_date():
    invoice = make_issued(
        customer=foreign_business(),
        lines=[line(description="Maschine", unit_code="C62", quantity="1", vat_category="K", vat_rate="0")],
        deliver_to_country="AT",
    )
    tree = built(invoice)
    assert breakdown(tree) == [("K", "0.00", "100.00", "0.00")]
    assert exemption_codes(tree) == ["VATEX-EU-IC"]
    assert value(tree, f"{DELIVERY}/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID/text()") == "AT"
    # No separate shipping address: the goods went to the buyer's (billing) address.
    assert value(tree, f"{DELIVERY}/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CityName/text()") == "Wien"
    assert value(tree, f"{DELIVERY}/ram:ActualDeliverySupplyChainEvent//udt:DateTimeString/text()") == f"{D0:%Y%m%d}"


def test_export_invoice_is_valid():
    invoice = make_issued(customer=non_eu_business(), lines=[line(unit_code="C62", vat_category="G", vat_rate="0")])
    tree = built(invoice)
    assert breakdown(tree) == [("G", "0.00", "200.00", "0.00")]
    assert exemption_codes(tree) == ["VATEX-EU-G"]


def test_not_subject_invoice_has_no_vat_rates():
    invoice = make_issued(customer=non_eu_business(), lines=[line(vat_category="O", vat_rate=None)])
    tree = built(invoice)
    assert breakdown(tree) == [("O", "", "200.00", "0.00")]
    assert exemption_codes(tree) == ["VATEX-EU-O"]
    assert values(tree, f"{LINES}//ram:ApplicableTradeTax/ram:RateApplicablePercent/text()") == []


# --- allowances and charges ------------------------------------------------------------------


def test_line_allowances_and_document_allowances_and_charges_on_two_rates_are_valid():
    invoice = make_issued(
        lines=[
            line(quantity="3", unit_price="33.3333", allowance_percent="10"),
            line(description="Fachbuch", unit_code="C62", unit_price="39.90", vat_rate="7", allowance_amount="5.00"),
        ],
        allowances=[
            {"reason": "Treuerabatt", "reason_code": "95", "percent": "3", "base_amount": "90.00", "vat_category": "S",
             "vat_rate": "19"},
            {"is_charge": True, "reason": "Versand", "reason_code": "FC", "amount": "4.90", "vat_category": "S",
             "vat_rate": "7"},
        ],
    )  # fmt: skip
    tree = built(invoice)
    first = f"{LINES}[1]/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
    assert value(tree, f"{first}/ram:ChargeIndicator/udt:Indicator/text()") == "false"
    assert value(tree, f"{first}/ram:CalculationPercent/text()") == "10.00"
    assert value(tree, f"{first}/ram:BasisAmount/text()") == "100.00"
    assert value(tree, f"{first}/ram:ActualAmount/text()") == "10.00"
    second = f"{LINES}[2]/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
    assert value(tree, f"{second}/ram:ActualAmount/text()") == "5.00"
    assert values(tree, f"{second}/ram:CalculationPercent/text()") == []
    document = f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge"
    assert values(tree, f"{document}/ram:ChargeIndicator/udt:Indicator/text()") == ["false", "true"]
    assert values(tree, f"{document}/ram:ActualAmount/text()") == ["2.70", "4.90"]
    assert values(tree, f"{document}/ram:ReasonCode/text()") == ["95", "FC"]
    assert values(tree, f"{document}/ram:CategoryTradeTax/ram:RateApplicablePercent/text()") == ["19.00", "7.00"]
    assert value(tree, f"{SETTLEMENT}//ram:AllowanceTotalAmount/text()") == "2.70"
    assert value(tree, f"{SETTLEMENT}//ram:ChargeTotalAmount/text()") == "4.90"
    assert breakdown(tree) == [("S", "7.00", "79.70", "5.58"), ("S", "19.00", "87.30", "16.59")]


# --- currency, credit notes, Skonto, XRechnung ------------------------------------------------


def test_foreign_currency_invoice_states_the_vat_total_in_eur_as_well():
    ExchangeRate.objects.create(currency="USD", kind="monthly", date=D0.replace(day=1), units_per_eur=Decimal("1.25"))
    invoice = make_issued(customer=make_customer(currency="USD"), lines=[line(unit_price="1000.00")])
    assert invoice.tax_total_eur == Decimal("304.00")
    tree = built(invoice)
    assert value(tree, f"{SETTLEMENT}/ram:InvoiceCurrencyCode/text()") == "USD"
    assert value(tree, f"{SETTLEMENT}/ram:TaxCurrencyCode/text()") == "EUR"
    totals = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert value(tree, f"{totals}/ram:TaxTotalAmount[@currencyID='USD']/text()") == "380.00"
    assert value(tree, f"{totals}/ram:TaxTotalAmount[@currencyID='EUR']/text()") == "304.00"
    assert "1 EUR = 1.25 USD" in "".join(values(tree, "//ram:IncludedNote/ram:Content/text()"))


def test_credit_note_references_the_corrected_invoice_and_is_settled_by_offset():
    invoice = make_issued()
    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), reason="Reklamation", issue=True)
    tree = built(credit_note)
    assert value(tree, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()") == "381"
    reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert value(tree, f"{reference}/ram:IssuerAssignedID/text()") == invoice.number
    assert value(tree, f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString/text()") == f"{D0:%Y%m%d}"
    assert value(tree, f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == "97"
    assert values(tree, f"{SETTLEMENT}//ram:DueDateDateTime") == []
    assert invoice.number in value(tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description/text()")
    assert value(tree, f"{SETTLEMENT}//ram:DuePayableAmount/text()") == "238.00"


def skonto_invoice(**kwargs):
    terms = make_terms(days=30, tiers=[{"percent": "3.00", "days": 7}, {"percent": "2.00", "days": 14}])
    return make_issued(payment_terms=terms.pk, **kwargs)


def test_skonto_terms_are_the_printed_wording_in_factur_x():
    invoice = skonto_invoice()
    tree = built(invoice)
    text = value(tree, f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description/text()")
    assert text == invoice.payment_terms_text.strip()
    assert "#SKONTO#" not in text


def xrechnung_customer(**overrides):
    data = {
        "kind": "public",
        "legal_name": "Landratsamt Beispielkreis",
        "leitweg_id": "04011000-1234512345-06",
        "e_invoice_scheme": "0204",
        "e_invoice_address": "04011000-1234512345-06",
        "e_invoice_format": "xrechnung",
        "tax_number": "",
    }
    return make_customer(**{**data, **overrides})


def test_skonto_terms_follow_the_skonto_convention_in_xrechnung():
    make_company_profile(**XRECHNUNG_CONTACT)
    invoice = skonto_invoice(customer=xrechnung_customer())
    tree = built(invoice, xrechnung=True)
    text = tree.xpath(f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description/text()", namespaces=NS)[0]
    skonto, wording = text.split("\n")[:2], text.split("\n", 2)[2]
    assert skonto == ["#SKONTO#TAGE=7#PROZENT=3.00#", "#SKONTO#TAGE=14#PROZENT=2.00#"]
    assert all(XRECHNUNG_SKONTO_LINE.match(skonto_line) for skonto_line in skonto)
    assert wording == invoice.payment_terms_text


def test_xrechnung_for_a_public_buyer_carries_leitweg_id_addresses_and_seller_contact():
    make_company_profile(**XRECHNUNG_CONTACT)
    invoice = make_issued(customer=xrechnung_customer(), service_period_start=date(2026, 10, 1),
                          service_period_end=date(2026, 10, 31), service_date=None)  # fmt: skip
    tree = built(invoice, xrechnung=True)
    assert value(tree, GUIDELINE + "/text()") == (
        "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    )
    assert value(tree, PROCESS + "/text()") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert value(tree, f"{AGREEMENT}/ram:BuyerReference/text()") == "04011000-1234512345-06"
    buyer_address = f"{AGREEMENT}/ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"
    assert value(tree, f"{buyer_address}/text()") == "04011000-1234512345-06"
    assert value(tree, f"{buyer_address}/@schemeID") == "0204"
    seller = f"{AGREEMENT}/ram:SellerTradeParty"
    assert value(tree, f"{seller}/ram:URIUniversalCommunication/ram:URIID/@schemeID") == "EM"
    assert value(tree, f"{seller}/ram:DefinedTradeContact/ram:PersonName/text()") == "Petra Buchhalter"
    assert value(tree, f"{seller}/ram:DefinedTradeContact//ram:CompleteNumber/text()") == "+49 89 1234567"
    assert value(tree, f"{seller}/ram:DefinedTradeContact//ram:URIID/text()") == "rechnung@debitor.example"
    period = f"{SETTLEMENT}/ram:BillingSpecifiedPeriod"
    assert value(tree, f"{period}/ram:StartDateTime/udt:DateTimeString/text()") == "20261001"
    assert value(tree, f"{period}/ram:EndDateTime/udt:DateTimeString/text()") == "20261031"
    # The Factur-X rendering of the same invoice stays a plain EN 16931 document.
    assert value(built(invoice), GUIDELINE + "/text()") == "urn:cen.eu:en16931:2017"


def test_xrechnung_credit_note_is_valid():
    make_company_profile(**XRECHNUNG_CONTACT)
    invoice = make_issued(customer=xrechnung_customer())
    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), issue=True)
    tree = built(credit_note, xrechnung=True)
    assert value(tree, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()") == "381"
    assert value(tree, f"{AGREEMENT}/ram:BuyerReference/text()") == "04011000-1234512345-06"


# --- determinism and refusals -----------------------------------------------------------------


def test_the_same_invoice_always_gives_the_same_bytes():
    invoice = skonto_invoice(
        lines=[line(allowance_percent="5"), line(vat_rate="7", unit_price="12.3456")],
        allowances=[{"reason": "Rabatt", "amount": "1.00", "vat_category": "S", "vat_rate": "19"}],
    )
    first = cii_build(invoice)
    invoice.refresh_from_db()
    assert cii_build(invoice) == first
    assert cii_build(invoice, xrechnung=True) == cii_build(invoice, xrechnung=True)


def test_a_due_date_moved_after_issue_does_not_change_the_archived_e_invoice():
    invoice = make_issued()
    before = cii_build(invoice)
    invoice_change_due_date(invoice=invoice, new_due_date=date(2027, 1, 31), as_of=at(D0, 12), reason="Stundung")
    invoice.refresh_from_db()
    assert invoice.due_date == date(2027, 1, 31)
    assert cii_build(invoice) == before


def test_a_draft_has_no_e_invoice():
    draft = make_draft(as_of=T0)
    with pytest.raises(NotIssued):
        cii_build(draft)


def test_missing_xrechnung_data_is_left_out_so_validation_names_the_rule():
    """No seller contact person or phone in the snapshot: nothing is invented, BR-DE-5/6 fail closed.

    Issuing refuses such an invoice up front (test_services); a snapshot from before that check
    is simulated here."""
    make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 123456")
    invoice = make_issued(customer=xrechnung_customer())
    invoice.seller = {**invoice.seller, "contact_name": "", "phone": ""}
    violations = cii_validate(cii_build(invoice, xrechnung=True), xrechnung=True)
    assert {"BR-DE-5", "BR-DE-6"} <= {v.rule for v in violations if v.flag == "fatal"}


def test_building_a_prefetched_invoice_reads_only_the_due_date_history(django_assert_num_queries):
    invoice = make_issued(lines=[line(), line(vat_rate="7")], allowances=[_ALLOWANCE])
    loaded = (
        Invoice.objects.select_related("corrected_invoice")
        .prefetch_related("lines", "allowances_charges", "vat_breakdown")
        .get(pk=invoice.pk)
    )
    with django_assert_num_queries(1):
        cii_build(loaded)

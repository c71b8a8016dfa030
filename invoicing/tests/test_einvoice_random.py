"""Random documents: whatever a user can issue becomes a valid EN 16931 e-invoice.

(1) Hypothesis draws drafts — lines with random quantities, prices with up to four decimals,
price base quantities, line allowances and charges with their reasons, line notes and periods,
contract and project references, VAT categories that fit together as issuing requires,
document allowances and charges — which are issued, built as Factur-X (and XRechnung for a
public buyer) and validated. (2) The data generator's issued invoices are built and validated.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from customers.tests.factories import make_customer
from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import cii_validate
from invoicing.generator import generate
from invoicing.models import Invoice
from invoicing.services import credit_note_create, invoice_issue
from invoicing.tests.factories import (
    D0,
    T0,
    at,
    foreign_business,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

EXEMPTION = {"exemption_reason": "Steuerfrei nach § 4 Nr. 14 UStG", "exemption_code": "VATEX-EU-132-1C"}
# Which VAT categories a buyer's lines may carry together (issue.py: AE/K need the buyer's VAT ID,
# O stands alone, BR-O-11).
SCENARIOS = {
    "domestic": [("S", "19"), ("S", "7"), ("Z", "0"), ("E", "0")],
    "public": [("S", "19"), ("S", "7")],
    "eu_business": [("AE", "0"), ("K", "0"), ("S", "19")],
    "export": [("G", "0")],
    "not_subject": [("O", None)],
}
UNITS = ["HUR", "C62", "KGM", "DAY", "LS"]


def fatal_violations(xml: bytes, *, xrechnung: bool) -> list[str]:
    return [f"{v.rule}: {v.message}" for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]


CII = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def line_arithmetic_problems(xml: bytes) -> list[str]:
    """BT-131 = round(BT-129 × BT-146 ÷ BT-149) − Σ BT-136 + Σ BT-141, and each percent allowance or
    charge = base × percent ÷ 100 (PEPPOL-EN16931-R120, R040): rules the EN 16931 Schematron does not
    check, read back from the XML itself."""
    problems = []
    for item in etree.fromstring(xml).iterfind(".//ram:IncludedSupplyChainTradeLineItem", CII):

        def number(path, node=item):
            found = node.find(path, CII)
            return None if found is None else Decimal(found.text)

        quantity = number("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        price = number("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount")
        base = number("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity") or 1
        net = number(
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
        )
        expected = (quantity * price / base).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for charge in item.iterfind("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", CII):
            amount = number("ram:ActualAmount", charge)
            percent, basis = number("ram:CalculationPercent", charge), number("ram:BasisAmount", charge)
            if percent is not None and amount != (basis * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP):
                problems.append(f"line allowance/charge {amount} is not {percent} % of {basis}")
            is_charge = charge.find("ram:ChargeIndicator/udt:Indicator", CII).text == "true"
            expected += amount if is_charge else -amount
        if net != expected:
            problems.append(f"line net {net} is not {expected}")
    return problems


def customer_for(scenario: str):
    if scenario == "public":
        return make_customer(
            kind="public",
            leitweg_id="04011000-1234512345-06",
            e_invoice_scheme="0204",
            e_invoice_address="04011000-1234512345-06",
            e_invoice_format="xrechnung",
        )
    if scenario == "eu_business":
        return foreign_business()
    if scenario in ("export", "not_subject"):
        return make_customer(
            billing_country="CH", billing_postal_code="8001", billing_city="Zürich", vat_id="", tax_number=""
        )
    return make_customer()


@st.composite
def line_rows(draw, taxes):
    category, rate = draw(st.sampled_from(taxes))
    # Now and then a returned item (negative quantity), as drafts allow.
    sign = draw(st.sampled_from([1, 1, 1, 1, -1]))
    quantity = sign * draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("500"), places=4))
    row = line(
        description=draw(st.sampled_from(["Beratung", "Wartung & Pflege", "Ersatzteil <klein>", 'Lizenz "Pro"'])),
        item_number=draw(st.sampled_from(["", "A-1", "4711"])),
        quantity=str(quantity),
        unit_code=draw(st.sampled_from(UNITS)),
        unit_price=str(draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=4))),
        price_base_quantity=draw(st.sampled_from(["1", "1", "10", "100", "0.5"])),
        vat_category=category,
        vat_rate=rate,
    )
    allowance = draw(st.sampled_from(["none", "none", "percent", "amount"]))
    if allowance == "percent":
        row["allowance_percent"] = str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2)))
    elif allowance == "amount":
        row["allowance_amount"] = str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=2)))
    if allowance != "none":  # BT-139/140: text, code, both, or neither (then sent as code 95 "discount")
        row.update(
            draw(
                st.sampled_from(
                    [
                        {},
                        {"allowance_reason": "Treuerabatt"},
                        {"allowance_reason_code": "100"},
                        {"allowance_reason": "Rabatt", "allowance_reason_code": "95"},
                    ]
                )
            )
        )
    charge = draw(st.sampled_from(["none", "none", "percent", "amount"]))  # BG-28
    if charge == "percent":
        row["charge_percent"] = str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30"), places=2)))
    elif charge == "amount":
        row["charge_amount"] = str(draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("40"), places=2)))
    if charge != "none":  # BR-44: a text or a UNTDID 7161 code, or both
        row.update(
            draw(
                st.sampled_from(
                    [
                        {"charge_reason": "Fracht"},
                        {"charge_reason_code": "FC"},
                        {"charge_reason": "Verpackung", "charge_reason_code": "ABL"},
                    ]
                )
            )
        )
    if draw(st.booleans()):
        row["note"] = draw(st.sampled_from(["Lieferschein 4711", "Zeitraum laut Anlage & <Nachweis>"]))
    period = draw(st.sampled_from(["none", "both", "start", "end"]))  # BG-26
    if period in ("both", "start"):
        row["period_start"] = "2026-10-01"
    if period in ("both", "end"):
        row["period_end"] = draw(st.sampled_from(["2026-10-01", "2026-10-31"]))
    if category == "E":
        row.update(EXEMPTION)
    return row


@st.composite
def documents(draw):
    scenario = draw(st.sampled_from(sorted(SCENARIOS)))
    lines = draw(st.lists(line_rows(SCENARIOS[scenario]), min_size=1, max_size=5))
    taxes = sorted({(x["vat_category"], x["vat_rate"]) for x in lines}, key=str)
    allowances = []
    for tax in draw(st.lists(st.sampled_from(taxes), max_size=3)):
        row = {
            "is_charge": draw(st.booleans()),
            "reason": draw(st.sampled_from(["Rabatt", "Fracht", "Verpackung"])),
            "vat_category": tax[0],
            "vat_rate": tax[1],
        }
        if draw(st.booleans()):
            row["amount"] = str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("30"), places=2)))
        else:
            row["percent"] = str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=2)))
            row["base_amount"] = str(draw(st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2)))
        allowances.append(row)
    extra = {}
    if scenario == "eu_business" and any(x["vat_category"] == "K" for x in lines):
        extra["deliver_to_country"] = "AT"
    if draw(st.booleans()):
        extra.update(service_date=None, service_period_start=date(2026, 10, 1), service_period_end=date(2026, 10, 31))
    if draw(st.booleans()):  # BT-11, BT-12 and a buyer contact other than the customer's default (BG-9)
        extra.update(
            contract_reference="RV-17",
            project_reference="P-0815",
            project_name=draw(st.sampled_from(["", "Neubau"])),
            buyer_contact_name="Herr Kämmerer",
            buyer_contact_phone="+49 30 1234567",
        )
    credit = draw(st.booleans())
    return scenario, lines, allowances, extra, credit


@hypothesis_settings(
    max_examples=25,  # each example issues a document and runs the schematron; the CI profile is derandomized
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
def test_random_issued_documents_are_valid_e_invoices(document):
    scenario, lines, allowances, extra, credit = document
    event(f"{scenario}{' with credit note' if credit else ''}")  # --hypothesis-show-statistics
    make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 1234567")
    draft = make_draft(customer=customer_for(scenario), lines=lines, allowances=allowances, **extra)
    assume(draft.tax_inclusive_total > 0)
    invoice = invoice_issue(invoice=draft, as_of=T0)
    documents = [invoice]
    if credit:
        documents.append(credit_note_create(invoice=invoice, as_of=at(D0, 11), issue=True))
    for document_ in documents:
        for xrechnung in (False, True) if scenario == "public" else (False,):
            xml = cii_build(document_, xrechnung=xrechnung)
            assert fatal_violations(xml, xrechnung=xrechnung) == [], (document_.number, xrechnung, lines, allowances)
            assert line_arithmetic_problems(xml) == [], (document_.number, lines)
            assert cii_build(document_, xrechnung=xrechnung) == xml


# --- the data generator --------------------------------------------------------------------------


def test_generated_invoices_are_valid_e_invoices():
    """The generator writes rows in bulk, not through invoice_issue: its snapshots must still carry
    what the e-invoice needs (buyer address and VAT ID, deliver-to country for K)."""
    generate(seed=5, customers=30, invoices=60, years=1, as_of=date(2026, 11, 27))
    invoices = list(
        Invoice.objects.filter(status="issued")
        .select_related("corrected_invoice")
        .prefetch_related("lines", "allowances_charges", "vat_breakdown")
        .order_by("pk")
    )
    categories = {line.vat_category for invoice in invoices for line in invoice.lines.all()}
    assert len(invoices) == 60
    assert {"S", "AE", "K", "G", "O"} <= categories  # the seed covers the categories the generator uses
    for invoice in invoices:
        assert fatal_violations(cii_build(invoice), xrechnung=False) == [], invoice.number

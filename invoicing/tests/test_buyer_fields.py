"""Fields public buyers and larger B2B customers ask for (issue 13): contract and project reference
(BT-12, BT-11), the buyer's contact (BG-9), a note and a period per line (BT-127, BG-26), line
charges (BG-28) and reasons of their own for line allowances (BT-139/140).

Each is checked where it is entered (field errors naming the line), in the database (constraints),
in the e-invoice (validated with the official EN 16931 and XRechnung rules), in the PDF, on credit
notes and once issued (immutable).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from lxml import etree

from customers.tests.factories import make_customer
from invoicing.documents.html import invoice_html
from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import cii_validate
from invoicing.forms import CreditNoteForm
from invoicing.models import Invoice, InvoiceLine
from invoicing.services import credit_note_create, invoice_draft_update, invoice_issue
from invoicing.tests.factories import (
    D0,
    T0,
    at,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_draft,
    make_issued,
)
from invoicing.tests.test_einvoice_cii import AGREEMENT, LINES, NS, XRECHNUNG_CONTACT, xrechnung_customer
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


HEADER = {
    "contract_reference": "RV-2026-17",
    "project_reference": "PRJ-0815",
    "project_name": "Neubau Kreishaus",
    "buyer_contact_name": "Herr Kämmerer",
    "buyer_contact_phone": "+49 30 1234567",
    "buyer_contact_email": "kaemmerei@kreis.example",
}


def all_fields_lines() -> list[dict]:
    return [
        line(
            description="Bauleitung",
            quantity="10",
            unit_price="95.00",
            note="Leistungsnachweis liegt bei",
            period_start="2026-10-01",
            period_end="2026-10-31",
            allowance_percent="5",
            allowance_reason="Rahmenvertragsrabatt",
            allowance_reason_code="95",
            charge_percent="2.5",
            charge_reason="Dokumentation",
            charge_reason_code="ABL",
        ),
        line(
            description="Transport",
            quantity="3",
            unit_code="C62",
            unit_price="33.33",
            vat_rate="7",
            allowance_amount="1.99",
            allowance_reason_code="100",
            charge_amount="12.50",
            charge_reason_code="FC",
            period_end="2026-10-15",
        ),
        line(description="Reisekosten", quantity="1", unit_price="80.00", charge_amount="5.00", charge_reason="Maut"),
    ]


@pytest.fixture(autouse=True)
def english():
    """Messages are read in English here (the German wording is checked by test_translations)."""
    with translation.override("en"):
        yield


def validated(invoice, *, xrechnung: bool) -> etree._Element:
    xml = cii_build(invoice, xrechnung=xrechnung)
    fatal = [v for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]
    assert fatal == [], "\n".join(f"{v.rule}: {v.message} ({v.location})" for v in fatal)
    return etree.fromstring(xml)


def texts(tree, path: str) -> list[str]:
    return [str(v).strip() for v in tree.xpath(path, namespaces=NS)]


def field_errors(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- line amounts ------------------------------------------------------------------------------


def test_a_line_net_is_quantity_times_price_less_its_allowance_plus_its_charge():
    draft = make_draft(lines=all_fields_lines())
    first, second, third = draft.lines.order_by("position")
    # 950.00 − 5 % (47.50) + 2.5 % of 950.00 (23.75)
    assert first.net_amount == Decimal("926.25")
    # 99.99 − 1.99 + 12.50
    assert second.net_amount == Decimal("110.50")
    assert third.net_amount == Decimal("85.00")
    assert draft.line_total == Decimal("1121.75")


def test_a_charge_percent_is_rounded_once_in_the_money_module():
    draft = make_draft(lines=[line(quantity="1", unit_price="10.01", charge_percent="0.05", charge_reason="Zuschlag")])
    # 10.01 × 0.05 % = 0.0050 → 0.01 (half up), the one rounding of core.money
    assert draft.lines.get().net_amount == Decimal("10.02")


# --- the e-invoice -------------------------------------------------------------------------------


def test_an_invoice_using_every_new_field_passes_the_official_en16931_and_xrechnung_rules():
    make_company_profile(**XRECHNUNG_CONTACT)
    invoice = make_issued(customer=xrechnung_customer(), lines=all_fields_lines(), **HEADER)
    for xrechnung in (False, True):
        tree = validated(invoice, xrechnung=xrechnung)
        assert texts(tree, f"{AGREEMENT}/ram:ContractReferencedDocument/ram:IssuerAssignedID/text()") == ["RV-2026-17"]
        assert texts(tree, f"{AGREEMENT}/ram:SpecifiedProcuringProject/ram:ID/text()") == ["PRJ-0815"]
        assert texts(tree, f"{AGREEMENT}/ram:SpecifiedProcuringProject/ram:Name/text()") == ["Neubau Kreishaus"]
        contact = f"{AGREEMENT}/ram:BuyerTradeParty/ram:DefinedTradeContact"
        assert texts(tree, f"{contact}/ram:PersonName/text()") == ["Herr Kämmerer"]
        assert texts(tree, f"{contact}/ram:TelephoneUniversalCommunication/ram:CompleteNumber/text()") == [
            "+49301234567"
        ]
        assert texts(tree, f"{contact}/ram:EmailURIUniversalCommunication/ram:URIID/text()") == [
            "kaemmerei@kreis.example"
        ]
        first = f"{LINES}[1]"
        assert texts(tree, f"{first}/ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content/text()") == [
            "Leistungsnachweis liegt bei"
        ]
        period = f"{first}/ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod"
        assert texts(tree, f"{period}/ram:StartDateTime/udt:DateTimeString/text()") == ["20261001"]
        assert texts(tree, f"{period}/ram:EndDateTime/udt:DateTimeString/text()") == ["20261031"]
        charges = f"{first}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
        allowance = f"{charges}[ram:ChargeIndicator/udt:Indicator='false']"
        charge = f"{charges}[ram:ChargeIndicator/udt:Indicator='true']"
        assert texts(tree, f"{allowance}/ram:ActualAmount/text()") == ["47.50"]
        assert texts(tree, f"{allowance}/ram:ReasonCode/text()") == ["95"]
        assert texts(tree, f"{allowance}/ram:Reason/text()") == ["Rahmenvertragsrabatt"]
        assert texts(tree, f"{charge}/ram:CalculationPercent/text()") == ["2.50"]
        assert texts(tree, f"{charge}/ram:BasisAmount/text()") == ["950.00"]
        assert texts(tree, f"{charge}/ram:ActualAmount/text()") == ["23.75"]
        assert texts(tree, f"{charge}/ram:ReasonCode/text()") == ["ABL"]
        assert texts(tree, f"{charge}/ram:Reason/text()") == ["Dokumentation"]
        second = f"{LINES}[2]/ram:SpecifiedLineTradeSettlement"
        assert texts(tree, f"{second}/ram:BillingSpecifiedPeriod/ram:StartDateTime") == []
        assert texts(tree, f"{second}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString/text()") == [
            "20261015"
        ]
        # a code without text, and a text without code, are each enough (BR-42, BR-44)
        assert texts(tree, f"{second}/ram:SpecifiedTradeAllowanceCharge/ram:ReasonCode/text()") == ["100", "FC"]
        assert texts(tree, f"{LINES}[3]/ram:SpecifiedLineTradeSettlement//ram:Reason/text()") == ["Maut"]


def test_a_project_without_a_name_is_named_with_the_word_project_as_cii_requires_a_name():
    invoice = make_issued(project_reference="P-1")
    tree = validated(invoice, xrechnung=False)
    assert texts(tree, f"{AGREEMENT}/ram:SpecifiedProcuringProject/ram:Name/text()") == ["Projekt"]


def test_a_line_allowance_without_a_reason_is_still_sent_as_a_discount():
    invoice = make_issued(lines=[line(allowance_percent="10")])
    tree = validated(invoice, xrechnung=False)
    reason = f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge"
    assert texts(tree, f"{reason}/ram:ReasonCode/text()") == ["95"]
    assert texts(tree, f"{reason}/ram:Reason/text()") == ["Rabatt"]


def test_an_invoice_without_the_new_fields_has_none_of_their_elements():
    invoice = make_issued(customer=make_customer(contacts=[]))
    tree = validated(invoice, xrechnung=False)
    for path in (
        f"{AGREEMENT}/ram:ContractReferencedDocument",
        f"{AGREEMENT}/ram:SpecifiedProcuringProject",
        f"{AGREEMENT}/ram:BuyerTradeParty/ram:DefinedTradeContact",
        f"{LINES}/ram:AssociatedDocumentLineDocument/ram:IncludedNote",
        f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod",
        f"{LINES}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge",
    ):
        assert tree.xpath(path, namespaces=NS) == [], path


# --- the buyer's contact -------------------------------------------------------------------------


def test_the_buyers_contact_defaults_to_the_customers_invoice_contact():
    customer = make_customer(
        contacts=[
            {"name": "Zoe Einkauf", "email": "einkauf@example.com"},
            {
                "name": "Berta Buchhaltung",
                "email": "buchhaltung@example.com",
                "phone": "+49 89 7654321",
                "receives_invoices": True,
            },
        ]
    )
    draft = make_draft(customer=customer)
    assert (draft.buyer_contact_name, draft.buyer_contact_phone, draft.buyer_contact_email) == (
        "Berta Buchhaltung",
        "+49897654321",
        "buchhaltung@example.com",
    )


def test_a_contact_given_with_the_draft_replaces_the_default_and_an_empty_one_means_none():
    draft = make_draft(buyer_contact_name="Frau Sonder")
    assert (draft.buyer_contact_name, draft.buyer_contact_email) == ("Frau Sonder", "")
    assert make_draft(buyer_contact_name="").buyer_contact_name == ""


def test_a_customer_without_an_invoice_contact_gives_no_default():
    draft = make_draft(customer=make_customer(contacts=[{"name": "Zoe Einkauf", "email": "z@example.com"}]))
    assert (draft.buyer_contact_name, draft.buyer_contact_email) == ("", "")


# --- bad input: field errors naming the field and the line -----------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "words"),
    [
        ({"period_start": "2026-10-31", "period_end": "2026-10-01"}, "lines.1.period_end", "ends before it starts"),
        ({"period_start": "31.10.2026"}, "lines.1.period_start", "is not a date"),
        ({"charge_amount": "5.00"}, "lines.1.charge_reason", "BR-44"),
        ({"charge_percent": "5", "charge_amount": "5.00", "charge_reason": "x"}, "lines.1.charge_amount", "not both"),
        ({"charge_percent": "101", "charge_reason": "x"}, "lines.1.charge_percent", "below"),
        ({"charge_amount": "-1", "charge_reason": "x"}, "lines.1.charge_amount", "at least 0"),
        ({"charge_amount": "1.001", "charge_reason": "x"}, "lines.1.charge_amount", "decimal places"),
        ({"charge_amount": "1", "charge_reason_code": "XYZ"}, "lines.1.charge_reason_code", "UNTDID 7161"),
        ({"allowance_amount": "1", "allowance_reason_code": "FC"}, "lines.1.allowance_reason_code", "UNTDID 5189"),
        ({"allowance_reason": "Treue"}, "lines.1.allowance_reason", "needs the allowance"),
        ({"charge_reason_code": "FC"}, "lines.1.charge_reason", "needs the charge"),
        ({"note": "x" * 1001}, "lines.1.note", "1000"),
    ],
)
def test_bad_line_input_is_refused_on_its_field_of_its_line_and_nothing_is_saved(overrides, path, words):
    with pytest.raises(ValidationError) as exc:
        make_draft(lines=[line(), line(**overrides)])
    errors = field_errors(exc)
    assert path in errors, errors
    assert words in " ".join(errors[path])
    assert not InvoiceLine.objects.exists()


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"project_name": "Ohne Nummer"}, "project_name", "BT-11"),
        ({"contract_reference": "K" * 201}, "contract_reference", "200"),
        ({"buyer_contact_email": "not-an-address"}, "buyer_contact_email", "not-an-address"),
        ({"buyer_contact_phone": "abc"}, "buyer_contact_phone", "Phone abc"),
    ],
)
def test_bad_header_input_is_refused_on_its_field(data, path, words):
    with pytest.raises(ValidationError) as exc:
        make_draft(**data)
    errors = field_errors(exc)
    assert words in " ".join(errors[path]), errors


def test_a_draft_update_checks_the_project_name_against_the_stored_reference():
    draft = make_draft(project_reference="P-1")
    draft = invoice_draft_update(invoice=draft, as_of=T0, data={"project_name": "Kita"})
    assert draft.project_name == "Kita"
    with pytest.raises(ValidationError) as exc:
        invoice_draft_update(invoice=draft, as_of=T0, data={"project_reference": ""})
    assert "project_name" in field_errors(exc)


# --- the database holds the rules too --------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"period_start": date(2026, 10, 31), "period_end": date(2026, 10, 1)},
        {"charge_amount": Decimal("1"), "charge_percent": Decimal("1"), "charge_reason": "x"},
        {"charge_amount": Decimal("1")},
        {"charge_amount": Decimal("-1"), "charge_reason": "x"},
        {"charge_percent": Decimal("100.5"), "charge_reason": "x"},
        {"allowance_reason": "Treue"},
        {"charge_reason_code": "FC"},
    ],
)
def test_the_database_refuses_lines_that_break_the_rules(changes):
    draft = make_draft()
    row = draft.lines.get()
    for field, value in changes.items():
        setattr(row, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_the_database_refuses_a_project_name_without_a_project():
    draft = make_draft()
    draft.project_name = "Kita"
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


# --- issued: frozen, printed, credited ---------------------------------------------------------------


def test_once_issued_the_new_fields_cannot_be_changed(django_db_blocker):
    invoice = make_issued(lines=all_fields_lines(), **HEADER)
    invoice.contract_reference = "other"
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.save()
    row = invoice.lines.order_by("position").first()
    row.note = "changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_full_credit_note_carries_the_references_contact_and_line_fields():
    invoice = make_issued(lines=all_fields_lines(), **HEADER)
    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), issue=True)
    for field in HEADER:
        assert getattr(credit_note, field) == getattr(invoice, field), field
    copied = [
        (x.note, x.period_start, x.period_end, x.charge_percent, x.charge_amount, x.charge_reason_code, x.net_amount)
        for x in credit_note.lines.order_by("position")
    ]
    original = [
        (x.note, x.period_start, x.period_end, x.charge_percent, x.charge_amount, x.charge_reason_code, x.net_amount)
        for x in invoice.lines.order_by("position")
    ]
    assert copied == original
    assert credit_note.tax_inclusive_total == invoice.tax_inclusive_total
    validated(credit_note, xrechnung=False)


def test_the_pdf_prints_references_contact_line_note_period_charge_and_reasons():
    invoice = make_issued(lines=all_fields_lines(), language="en", **HEADER)
    html = invoice_html(invoice)
    for text in (
        "Contract",
        "RV-2026-17",
        "PRJ-0815",
        "Neubau Kreishaus",
        "Herr Kämmerer<br>+49 30 1234567<br>kaemmerei@kreis.example",
        "Leistungsnachweis liegt bei",
        "Period 1 Oct 2026 – 31 Oct 2026",
        "Period until 15 Oct 2026",
        "less 5%: Rahmenvertragsrabatt",
        "less €1.99: reason code 100",
        "plus 2.5% (€23.75): Dokumentation",
        "plus €12.50: reason code FC",
        "plus €5.00: Maut",
    ):
        assert text in html, text


def test_issuing_keeps_the_drafts_contact_even_when_the_customers_contact_changes():
    customer = make_customer()
    draft = make_draft(customer=customer)
    customer.contacts.update(name="Neue Person")
    invoice = invoice_issue(invoice=draft, as_of=T0)
    assert invoice.buyer_contact_name == "Anna Schmidt"


# --- API -------------------------------------------------------------------------------------------

API_LINE = {
    "description": "Bauleitung",
    "quantity": "10",
    "unit_code": "HUR",
    "unit_price": "95.00",
    "vat_category": "S",
    "vat_rate": "19.00",
    "note": "Leistungsnachweis liegt bei",
    "period_start": "2026-10-01",
    "period_end": "2026-10-31",
    "allowance_percent": "5.00",
    "allowance_reason": "Rahmenvertragsrabatt",
    "allowance_reason_code": "95",
    "charge_percent": "2.50",
    "charge_reason": "Dokumentation",
    "charge_reason_code": "ABL",
}


def test_the_api_writes_and_reads_every_new_field(accountant):
    customer = make_customer()
    body = {"customer": customer.pk, "service_date": "2026-11-27", "lines": [API_LINE], **HEADER}

    response = client_for(accountant).post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 201, response.content
    data = client_for(accountant).get(f"/api/v1/invoices/{response.json()['id']}/").json()
    assert {field: data[field] for field in HEADER} == {**HEADER, "buyer_contact_phone": "+49301234567"}
    (row,) = data["lines"]
    assert {field: row[field] for field in API_LINE if field not in ("quantity", "unit_price")} == {
        field: value for field, value in API_LINE.items() if field not in ("quantity", "unit_price")
    }
    assert row["charge_amount"] is None and row["net_amount"] == "926.25"
    listed = client_for(accountant).get("/api/v1/invoices/").json()["results"][0]
    assert listed["contract_reference"] == "RV-2026-17"


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"period_start": "2026-10-31", "period_end": "2026-10-01"}, "#/lines/0/period_end"),
        ({"charge_reason": "", "charge_reason_code": ""}, "#/lines/0/charge_reason"),
        ({"charge_reason_code": "ZZZZ"}, "#/lines/0/charge_reason_code"),
        ({"charge_reason_code": "XY"}, "#/lines/0/charge_reason_code"),
        ({"allowance_reason_code": "FC"}, "#/lines/0/allowance_reason_code"),
        ({"charge_amount": "1.00"}, "#/lines/0/charge_amount"),
    ],
)
def test_bad_api_input_is_a_400_problem_pointing_at_the_field_of_the_line(accountant, change, pointer):
    body = {"customer": make_customer().pk, "service_date": "2026-11-27", "lines": [{**API_LINE, **change}]}

    response = client_for(accountant).post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 400, response.content
    pointers = {error["pointer"] for error in response.json().get("errors", [])}
    assert pointer in pointers, response.json()
    assert not Invoice.objects.exists()


def test_the_openapi_schema_describes_the_new_fields():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    line_fields = set(components["InvoiceLineInputRequest"]["properties"])
    assert {"note", "period_start", "period_end", "charge_percent", "charge_amount", "charge_reason"} <= line_fields
    assert {"allowance_reason", "allowance_reason_code", "charge_reason_code"} <= line_fields
    assert set(HEADER) <= set(components["InvoiceDetail"]["properties"])
    assert set(HEADER) <= set(components["InvoiceDraftCreateRequest"]["properties"])
    assert components["InvoiceLineInputRequest"]["properties"]["charge_reason_code"]["maxLength"] == 3


# --- admin -----------------------------------------------------------------------------------------


def admin_rows(prefix: str, entries: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(entries)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, entry in enumerate(entries):
        data |= {f"{prefix}-{index}-{field}": value for field, value in entry.items()}
    return data


def admin_form(customer, lines: list[dict], **header) -> dict:
    return (
        {"customer": customer.pk, "service_date": "2026-11-27", "currency": "", "language": "", **header}
        | admin_rows("lines", lines)
        | admin_rows("allowances_charges", [])
    )


def test_an_accountant_enters_the_new_fields_in_the_admin(accountant):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(accountant)
    page = client.get("/admin/invoicing/invoice/add/").content.decode()
    for name in ("contract_reference", "project_name", "buyer_contact_email", "lines-0-charge_reason_code"):
        assert f'name="{name}"' in page, name
    assert "Line charge %" in page and "Buyer&#x27;s contact" in page

    response = client.post("/admin/invoicing/invoice/add/", admin_form(make_customer(), [API_LINE], **HEADER))

    assert response.status_code == 302, response.context and response.context["errors"]
    invoice = Invoice.objects.get()
    assert (invoice.contract_reference, invoice.project_name, invoice.buyer_contact_phone) == (
        "RV-2026-17",
        "Neubau Kreishaus",
        "+49301234567",
    )
    row = invoice.lines.get()
    assert (row.note, row.period_end, row.charge_reason_code, row.net_amount) == (
        "Leistungsnachweis liegt bei",
        date(2026, 10, 31),
        "ABL",
        Decimal("926.25"),
    )


def test_a_bad_line_charge_in_the_admin_is_reported_on_its_row_and_nothing_is_saved(accountant):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(accountant)
    bad = {**API_LINE, "charge_reason": "", "charge_reason_code": "", "period_end": "2026-09-30"}

    response = client.post("/admin/invoicing/invoice/add/", admin_form(make_customer(), [API_LINE, bad]))

    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert forms[0].errors == {}
    assert "BR-44" in forms[1].errors["charge_reason"][0]
    assert "ends before it starts" in forms[1].errors["period_end"][0]
    assert not Invoice.objects.exists()


def test_a_partial_credit_by_quantity_credits_a_line_charge_in_proportion():
    invoice = make_issued(lines=[line(quantity="4", unit_price="50.00", charge_amount="10.00", charge_reason="Maut")])
    (row,) = invoice.lines.all()
    form = CreditNoteForm({"mode": "partial", f"quantity_{row.pk}": "1", "issue": "on"}, invoice=invoice)
    assert form.is_valid(), form.errors

    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), lines=form.credit_lines(), issue=True)

    credited = credit_note.lines.get()
    # a quarter of 200.00 + 10.00
    assert (credited.charge_amount, credited.charge_reason, credited.net_amount) == (
        Decimal("2.50"),
        "Maut",
        Decimal("52.50"),
    )
    validated(credit_note, xrechnung=False)


def test_a_partial_credit_by_net_amount_drops_the_lines_allowance_and_charge():
    invoice = make_issued(
        lines=[line(allowance_percent="10", allowance_reason="Treue", charge_percent="5", charge_reason_code="FC")]
    )
    (row,) = invoice.lines.all()
    form = CreditNoteForm({"mode": "partial", f"amount_{row.pk}": "20.00"}, invoice=invoice)
    assert form.is_valid(), form.errors

    credit_note = credit_note_create(invoice=invoice, as_of=at(D0, 11), lines=form.credit_lines())

    credited = credit_note.lines.get()
    assert (credited.net_amount, credited.allowance_reason, credited.charge_reason_code) == (Decimal("20.00"), "", "")


def test_an_issued_invoice_shows_the_new_fields_as_text_in_the_admin(accountant):
    invoice = make_issued(lines=all_fields_lines(), **HEADER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(accountant)

    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()

    for text in (
        "RV-2026-17",
        "PRJ-0815",
        "Herr Kämmerer",
        "kaemmerei@kreis.example",
        "Leistungsnachweis liegt bei",
        "Rahmenvertragsrabatt",
        "Dokumentation",
    ):
        assert text in page, text
    assert 'name="lines-0-charge_reason"' not in page  # issued rows are text, not inputs

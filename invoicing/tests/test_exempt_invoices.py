"""Exempt and special invoices (issue 13): every exemption reason stated, VATEX codes with their
text, characters the document fonts cannot draw refused where typed, versioned rendering.

The XML is checked by the official EN 16931 and XRechnung rules (``cii_validate``); the PDF's text
by ``pdftotext`` (poppler), the way a reader's copy-and-paste sees it.
"""

from __future__ import annotations

import io
import subprocess
import unicodedata
from datetime import timedelta

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from core.fonts import document_coverage, undrawable
from customers.models import Customer
from invoicing.einvoice import cii_build
from invoicing.einvoice.validation import cii_validate
from invoicing.services import documents as documents_service
from invoicing.services import invoice_draft_create, invoice_issue
from invoicing.services.documents import (
    RENDER_VERSION,
    invoice_document_get,
    invoice_document_verify,
    invoice_documents_render,
)
from invoicing.services.draft_cleaning import clean_lines
from invoicing.services.issue_checks import InvoiceIssueError
from invoicing.tests.factories import (
    D0,
    T0,
    invoicing_setup,  # noqa: F401  (fixture)
    line,
    make_company_profile,
    make_customer,
    make_draft,
    make_issued,
)
from invoicing.tests.test_einvoice_cii import NS, SETTLEMENT, XRECHNUNG_CONTACT, xrechnung_customer
from invoicing.tests.test_invoice_pdf_content import render
from invoicing.vatex import VATEX, vatex_category, vatex_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

HOSPITAL = "Steuerfrei nach § 4 Nr. 14 Buchst. b UStG (Krankenhausbehandlung)"
ELEVEN = "Steuerfrei nach § 4 Nr. 11 UStG (Versicherungsvertreter)"
TWELVE_A = "Steuerfrei nach § 4 Nr. 12 Buchst. a UStG (Vermietung von Grundstücken)"
EMOJI = "🤝"  # HANDSHAKE: no document font has it (DejaVu Sans does draw 😀, in black and white)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def exempt(reason: str = "", code: str = "", **overrides) -> dict:
    return line(vat_category="E", vat_rate="0", exemption_reason=reason, exemption_code=code, **overrides)


def pdftotext(data: bytes) -> str:
    """The text layer as poppler reads it, whitespace collapsed so wrapped lines read as one sentence."""
    result = subprocess.run(  # noqa: S603
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode("utf-8").split())


def between(text: str, start: str, end: str) -> str:
    """The text from ``start`` to ``end``: one table row, wherever pdftotext put its cells."""
    assert start in text, (start, text)
    return text.split(start, 1)[1].split(end, 1)[0]


def validated(invoice) -> etree._Element:
    """The Factur-X and the XRechnung XML both pass every official rule; the Factur-X tree is returned."""
    trees = []
    for xrechnung in (False, True):
        xml = cii_build(invoice, xrechnung=xrechnung)
        fatal = [v for v in cii_validate(xml, xrechnung=xrechnung) if v.flag == "fatal"]
        assert fatal == [], "\n".join(f"{v.rule}: {v.message}" for v in fatal)
        trees.append(etree.fromstring(xml))
    return trees[0]


def exempt_tax(tree) -> tuple[list[str], list[str]]:
    """(BT-120 texts, BT-121 codes) of the category E breakdown row(s)."""
    rows = tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax[ram:CategoryCode='E']", namespaces=NS)
    reasons = [t for row in rows for t in row.xpath("ram:ExemptionReason/text()", namespaces=NS)]
    codes = [t for row in rows for t in row.xpath("ram:ExemptionReasonCode/text()", namespaces=NS)]
    return reasons, codes


def xrechnung_issued(lines, **data) -> object:
    make_company_profile(**XRECHNUNG_CONTACT)
    return make_issued(customer=xrechnung_customer(), lines=lines, **data)


# --- 1. several exemption reasons in one invoice ---------------------------------------------------


def test_two_exemption_reasons_are_both_in_the_breakdown_and_each_line_prints_its_own():
    invoice = xrechnung_issued(
        [exempt(ELEVEN, description="Vermittlung Versicherung"), exempt(TWELVE_A, description="Miete Lager")]
    )

    tree = validated(invoice)
    reasons, codes = exempt_tax(tree)
    assert reasons == [f"{ELEVEN}; {TWELVE_A}"]
    assert codes == []  # two legal bases: no single code fits both
    text = pdftotext(render(invoice))
    assert ELEVEN in between(text, "Vermittlung Versicherung", "Miete Lager")
    assert TWELVE_A not in between(text, "Vermittlung Versicherung", "Miete Lager")
    assert TWELVE_A in between(text, "Miete Lager", "Gesamtbetrag netto")
    assert text.count(ELEVEN) == text.count(TWELVE_A) == 2  # its line, and the breakdown row


def test_three_reasons_with_codes_and_a_repeated_one_are_each_stated_once():
    invoice = xrechnung_issued(
        [
            exempt(HOSPITAL, "VATEX-EU-132-1B", description="Stationäre Behandlung"),
            exempt(ELEVEN, description="Vermittlung Versicherung"),
            exempt(HOSPITAL, "VATEX-EU-132-1B", description="Nachsorge"),
            exempt("", "VATEX-EU-132-1I", description="Fortbildung"),
        ]
    )

    tree = validated(invoice)
    reasons, codes = exempt_tax(tree)
    education = vatex_text("VATEX-EU-132-1I", "de")
    assert reasons == [f"{HOSPITAL}; {ELEVEN}; {education}"]
    assert codes == []
    text = pdftotext(render(invoice))
    rows = ["Stationäre Behandlung", "Vermittlung Versicherung", "Nachsorge", "Fortbildung", "Gesamtbetrag netto"]
    for start, end, reason in zip(rows, rows[1:], (HOSPITAL, ELEVEN, HOSPITAL, education), strict=False):
        assert reason in between(text, start, end), (start, text)
    assert text.count(HOSPITAL) == 3 and text.count(ELEVEN) == 2 and text.count(education) == 2


def test_one_code_shared_by_every_exempt_line_is_sent_as_the_code():
    invoice = xrechnung_issued([exempt(HOSPITAL, "VATEX-EU-132-1B"), exempt("", "vatex-eu-132-1b")])

    reasons, codes = exempt_tax(validated(invoice))

    assert reasons == [f"{HOSPITAL}; {vatex_text('VATEX-EU-132-1B', 'de')}"]
    assert codes == ["VATEX-EU-132-1B"]


def test_the_draft_breakdown_shows_every_reason_before_issue():
    from invoicing.selectors import vat_breakdown_of

    draft = make_draft(lines=[exempt(ELEVEN), exempt(TWELVE_A)])

    (row,) = vat_breakdown_of(draft)

    assert row["exemption_reason"] == f"{ELEVEN}; {TWELVE_A}"


# --- 2. a VATEX code without a text ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_line_with_only_a_vatex_code_prints_and_sends_the_codes_text(language):
    invoice = xrechnung_issued([exempt("", "VATEX-EU-132-1I", description="Seminar")], language=language)
    expected = vatex_text("VATEX-EU-132-1I", language)
    assert ("Erziehung" if language == "de" else "education") in expected

    reasons, codes = exempt_tax(validated(invoice))
    assert (reasons, codes) == ([expected], ["VATEX-EU-132-1I"])
    text = pdftotext(render(invoice))
    assert expected in between(text, "Seminar", "Gesamtbetrag netto" if language == "de" else "Total net")
    assert text.count(expected) == 2  # under the line and under the breakdown row


@pytest.mark.parametrize("code", ["VATEX-EU-999", "4 Nr. 14", "VATEX-XX-1"])
def test_an_unknown_vatex_code_is_refused_at_draft_check(code):
    with pytest.raises(ValidationError) as caught:
        make_draft(lines=[line(), exempt("", code)])

    (message,) = caught.value.message_dict["lines.1.exemption_code"]
    assert code.upper() in message and "VATEX" in message


def test_issuing_an_old_draft_with_an_unknown_code_is_refused_naming_the_line():
    draft = make_draft(lines=[exempt("", "VATEX-EU-132-1I")])
    draft.lines.update(exemption_code="VATEX-EU-NOPE")  # stored before codes were checked

    with pytest.raises(InvoiceIssueError) as caught:
        invoice_issue(invoice=draft, as_of=T0)

    assert "lines.0.exemption_code" in caught.value.message_dict


@pytest.mark.usefixtures("english")  # the assertions quote the English wording
@pytest.mark.parametrize(
    ("category", "code", "belongs"),
    [
        ("E", "VATEX-EU-AE", "reverse charge"),
        ("E", "VATEX-EU-G", "export outside the EU"),
        ("E", "VATEX-EU-IC", "intra-community supply"),
        ("E", "vatex-eu-o", "not subject to VAT"),
        ("AE", "VATEX-EU-132-1I", "exempt"),
        ("K", "VATEX-EU-G", "export outside the EU"),
        ("S", "VATEX-EU-79-C", "exempt"),
    ],
)
def test_a_vatex_code_of_another_category_is_refused_on_its_line_naming_the_code_and_its_category(
    category, code, belongs
):
    with pytest.raises(ValidationError) as caught:
        make_draft(
            lines=[
                line(),
                line(
                    vat_category=category,
                    vat_rate="0" if category != "S" else "19",
                    exemption_reason="Steuerfrei",
                    exemption_code=code,
                ),
            ]
        )

    (message,) = caught.value.message_dict["lines.1.exemption_code"]
    assert code.upper() in message and belongs in message
    assert "lines.0.exemption_code" not in caught.value.message_dict


def test_every_vatex_code_is_accepted_exactly_on_lines_of_its_own_category():
    expected = {"VATEX-EU-AE": "AE", "VATEX-FR-AE": "AE", "VATEX-EU-G": "G", "VATEX-EU-IC": "K", "VATEX-EU-O": "O"}
    for code in ("VATEX-EU-D", "VATEX-EU-F", "VATEX-EU-I", "VATEX-EU-J", "VATEX-EU-79-C", "VATEX-EU-309"):
        assert vatex_category(code) == "E"
    for category in ("E", "AE", "K", "G", "O", "S"):
        rows = [
            line(vat_category=category, vat_rate="19" if category == "S" else "0", exemption_code=code)
            for code in VATEX
        ]
        try:
            clean_lines(rows, on=D0)
            refused = set()
        except ValidationError as caught:
            refused = {key for key in caught.message_dict}
        accepted = {code for index, code in enumerate(VATEX) if f"lines.{index}.exemption_code" not in refused}
        assert accepted == {code for code in VATEX if expected.get(code, "E") == category}, category
        assert refused <= {f"lines.{index}.exemption_code" for index in range(len(VATEX))}


def test_the_breakdown_codes_of_the_special_categories_are_codes_of_their_category():
    from invoicing.services.snapshots import EXEMPTION_CODES

    assert all(vatex_category(code) == category for category, code in EXEMPTION_CODES.items())


@pytest.mark.usefixtures("english")  # the assertions quote the English wording
def test_issuing_an_old_draft_with_a_code_of_another_category_is_refused_naming_the_line():
    draft = make_draft(lines=[line(), exempt("", "VATEX-EU-132-1I")])
    draft.lines.filter(vat_category="E").update(exemption_code="VATEX-EU-AE")  # stored before the check

    with pytest.raises(InvoiceIssueError) as caught:
        invoice_issue(invoice=draft, as_of=T0)

    (message,) = caught.value.message_dict["lines.1.exemption_code"]
    assert "VATEX-EU-AE" in message and "reverse charge" in message


def test_the_vatex_list_is_the_code_list_the_official_validator_checks():
    from invoicing.einvoice.validation import CODEDB_NAME, RULES_DIR

    root = etree.parse(str(RULES_DIR / CODEDB_NAME))
    accepted = {e.get("value") for e in root.iter("enumeration") if (e.get("value") or "").startswith("VATEX-")}
    assert set(VATEX) == accepted
    assert all(vatex_text(code, "de") and vatex_text(code, "en") for code in VATEX)


# --- 3. characters the fonts cannot draw ------------------------------------------------------------


def test_a_cjk_customer_name_is_printed_with_real_glyphs_of_an_embedded_subset_font():
    name = "山田商事株式会社"
    invoice = make_issued(customer=make_customer(legal_name=name))

    data = render(invoice)

    assert name in pdftotext(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = {
            str(font.BaseFont) for page in pdf.pages for font in page.Resources.Font.values() if "/BaseFont" in font
        }
    cjk = [f for f in fonts if "CJK" in f]
    assert cjk, fonts
    assert all("+" in f for f in cjk)  # a subset (ABCDEF+Noto-Sans-CJK-SC), not the whole 20 MB font
    assert len(data) < 400_000


@pytest.mark.parametrize("field", ["description", "exemption_reason"])
def test_an_emoji_in_a_line_is_refused_at_draft_check_with_its_name(field):
    row = {**exempt("§ 4 Nr. 14 UStG"), field: f"Behandlung {EMOJI}"}
    with pytest.raises(ValidationError) as caught:
        make_draft(lines=[row])

    (message,) = caught.value.message_dict[f"lines.0.{field}"]
    assert "HANDSHAKE" in message and "U+1F91D" in message


def test_the_admin_line_row_refuses_an_emoji_on_its_field():
    from invoicing.forms import InvoiceLineForm

    form = InvoiceLineForm(data={**line(description=f"Beratung {EMOJI}"), "position": 1}, invoice=None)

    assert not form.is_valid()
    assert "HANDSHAKE" in " ".join(form.errors["description"])


def test_an_unknown_vatex_code_is_refused_on_the_admin_line_row():
    from invoicing.forms import InvoiceLineForm

    form = InvoiceLineForm(data={**exempt("", "VATEX-EU-999"), "position": 1}, invoice=None)

    assert not form.is_valid()
    assert "VATEX-EU-999" in " ".join(form.errors["exemption_code"])


@pytest.mark.usefixtures("english")  # the assertions quote the English wording
def test_a_vatex_code_of_another_category_is_refused_on_the_admin_line_row():
    from invoicing.forms import InvoiceLineForm

    form = InvoiceLineForm(data={**exempt("", "VATEX-EU-G"), "position": 1}, invoice=None)

    assert not form.is_valid()
    assert "export outside the EU" in " ".join(form.errors["exemption_code"])


def test_an_emoji_in_the_invoice_note_is_refused_at_draft_check():
    with pytest.raises(ValidationError) as caught:
        make_draft(note=f"Danke {EMOJI}")

    assert "HANDSHAKE" in caught.value.message_dict["note"][0]


def test_an_emoji_in_a_line_is_refused_by_the_api_with_a_problem_naming_it(accountant):
    from rest_framework.test import APIClient

    customer = make_customer()
    client = APIClient()
    client.force_authenticate(accountant)
    body = {
        "customer": customer.pk,
        "service_date": D0.isoformat(),
        "lines": [line(description=f"Beratung {EMOJI}")],
    }

    response = client.post("/api/v1/invoices/", body, format="json")

    assert response.status_code == 400, response.content
    problem = response.json()
    assert any(e["pointer"] == "#/lines/0/description" and "HANDSHAKE" in e["message"] for e in problem["errors"])


def test_issuing_refuses_a_customer_name_stored_before_the_check_naming_the_character():
    customer = make_customer()
    Customer.objects.filter(pk=customer.pk).update(legal_name=f"Blumen {EMOJI} GmbH")  # legacy data
    draft = invoice_draft_create(
        customer=Customer.objects.get(pk=customer.pk),
        as_of=T0,
        data={"service_date": D0},
        lines=[line()],
        allowances_charges=[],
    )

    with pytest.raises(InvoiceIssueError) as caught:
        invoice_issue(invoice=draft, as_of=T0)

    assert "HANDSHAKE" in " ".join(caught.value.message_dict["customer"])


def test_issuing_refuses_a_company_profile_stored_before_the_check_naming_field_and_character():
    from core.models import CompanyProfile

    draft = make_draft()
    CompanyProfile.objects.filter(pk=1).update(managing_directors=f"Petra {EMOJI} Buchhalter")

    with pytest.raises(InvoiceIssueError) as caught:
        invoice_issue(invoice=draft, as_of=T0)

    (message,) = caught.value.message_dict["seller"]
    assert "HANDSHAKE" in message and str(CompanyProfile._meta.get_field("managing_directors").verbose_name) in message


@hypothesis_settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=20))
def test_any_line_description_is_accepted_exactly_when_every_character_can_be_drawn(text):
    """A class of inputs: whatever is typed, the check names each undrawable character or accepts it all."""
    coverage = document_coverage()
    missing = [
        c
        for c in dict.fromkeys(text.strip())  # surrounding whitespace is trimmed before anything is checked
        if c not in "\n\r\t" and (ord(c) not in coverage or unicodedata.category(c) == "Cc")
    ]
    assert undrawable(text.strip()) == missing
    try:
        rows = clean_lines([line(description=text)], on=D0)
    except ValidationError as exc:
        messages = " ".join(exc.message_dict.get("lines.0.description", []))
        if missing:
            assert all(f"U+{ord(c):04X}" in messages for c in missing)
        else:
            assert "cannot be printed" not in messages
    else:
        assert not missing
        assert rows[0]["description"] == text.strip()


# --- 4. versioned rendering ---------------------------------------------------------------------------


def _rendered(invoice):
    invoice_documents_render(invoice_id=invoice.pk, as_of=T0 + timedelta(minutes=5))
    return {d.kind: d for d in invoice.documents.all()}


def test_stored_originals_record_the_renderer_version_they_were_made_with():
    documents = _rendered(make_issued())

    assert {d.render_version for d in documents.values()} == {RENDER_VERSION}
    assert all(invoice_document_verify(document=d) for d in documents.values())


def test_a_new_renderer_version_does_not_fail_the_check_of_an_older_original(monkeypatch):
    invoice = make_issued()
    documents = _rendered(invoice)
    # The next version prints differently (other fonts, other texts): re-rendering gives other bytes.
    from invoicing.documents import html as html_module

    real = html_module.invoice_html
    monkeypatch.setattr(html_module, "invoice_html", lambda inv: real(inv).replace("Rechnung", "Rechnung (neu)"))
    monkeypatch.setattr(documents_service, "RENDER_VERSION", RENDER_VERSION + 1)

    for document in documents.values():
        if document.kind == "pdf":
            assert invoice_document_verify(document=document)
    # The current renderer really differs: an original of the new version would not match it.
    pdf = invoice_document_get(invoice=invoice, kind="pdf")
    monkeypatch.setattr(documents_service, "RENDER_VERSION", pdf.render_version)
    assert not invoice_document_verify(document=pdf)


@pytest.mark.parametrize("bump", [0, 1], ids=["current version", "older version"])
def test_a_tampered_stored_file_is_detected_whatever_its_version(monkeypatch, bump):
    invoice = make_issued()
    pdf = _rendered(invoice)["pdf"]
    monkeypatch.setattr(documents_service, "RENDER_VERSION", RENDER_VERSION + bump)
    path = default_storage.path(pdf.file.name)
    with open(path, "r+b") as handle:
        data = bytearray(handle.read())
        data[len(data) // 2] ^= 0xFF
        handle.seek(0)
        handle.write(data)

    assert not invoice_document_verify(document=pdf)


def test_issuing_refuses_a_buyer_contact_and_line_texts_stored_before_the_check_naming_the_field():
    """The draft copies the customer's invoice contact after its own fields were checked: a name typed
    before the font check reached the printed BG-9 unchecked, and so did line notes and reasons
    written around the services."""
    from customers.models import Contact
    from invoicing.models import InvoiceLine

    customer = make_customer(
        contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}]
    )
    Contact.objects.filter(customer=customer).update(name=f"Anna {EMOJI} Schmidt")  # legacy data
    draft = invoice_draft_create(
        customer=customer, as_of=T0, data={"service_date": D0}, lines=[line()], allowances_charges=[]
    )
    InvoiceLine.objects.filter(invoice=draft).update(note=f"Danke {EMOJI}")
    assert draft.buyer_contact_name == f"Anna {EMOJI} Schmidt"

    with pytest.raises(InvoiceIssueError) as caught:
        invoice_issue(invoice=draft, as_of=T0)

    problems = caught.value.message_dict
    assert "HANDSHAKE" in " ".join(problems["buyer_contact_name"])
    assert "HANDSHAKE" in " ".join(problems["lines.0.note"])

"""The documents of issued invoices: PDF/A-3b with embedded Factur-X, XRechnung, stored originals.

The PDF's structure is read back with pikepdf (what a PDF/A validator and an e-invoice reader
look at): the OutputIntent, the XMP identification, embedded fonts, the attachment with its
AFRelationship and the Factur-X XMP. The text layer's § 14 content is tested in
test_invoice_pdf_content.py; the XML's rules in test_einvoice_*.py.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pikepdf
import pytest
from django.db import IntegrityError, InternalError, transaction
from lxml import etree

from core.models import Job
from invoicing.einvoice import validation
from invoicing.models import DocumentState, InvoiceDocument, InvoiceDocumentState, InvoiceEvent
from invoicing.services import credit_note_create
from invoicing.services.documents import (
    RENDER_JOB,
    TASK_KIND,
    DocumentsNotReady,
    invoice_document_get,
    invoice_document_read,
    invoice_document_verify,
    invoice_documents_recheck,
    invoice_documents_render,
)
from tasks.models import FollowUpTask

from .factories import T0, at, invoicing_setup, make_company_profile, make_customer, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

RENDERED_AT = T0 + timedelta(minutes=5)
FX = "{urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#}"
CII_TYPE_CODE = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}ExchangedDocument"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def with_contact():
    return make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 123456")


@pytest.fixture
def broken_mapping(monkeypatch):
    """A mapping bug: the XML states a grand total that is not net + VAT (EN 16931 BR-CO-15)."""
    from invoicing.einvoice import cii

    original = cii.cii_build

    def broken(invoice, **kwargs):
        tree = etree.fromstring(original(invoice, **kwargs))
        grand = tree.find(".//{*}SpecifiedTradeSettlementHeaderMonetarySummation/{*}GrandTotalAmount")
        grand.text = str(Decimal(grand.text) + 1)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    monkeypatch.setattr(cii, "cii_build", broken)
    return original


def rendered(invoice) -> InvoiceDocumentState:
    return invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)


def stored_bytes(invoice, kind: str) -> bytes:
    return invoice_document_read(invoice_document_get(invoice=invoice, kind=kind))


def public_customer():
    return make_customer(
        kind="public",
        legal_name="Landratsamt Beispielkreis",
        leitweg_id="04011000-1234512345-06",
        e_invoice_scheme="0204",
        e_invoice_address="04011000-1234512345-06",
    )


# --- Scheduling ----------------------------------------------------------------------------------


def test_issuing_records_the_documents_as_due_with_a_durable_job():
    invoice = make_issued()

    state = InvoiceDocumentState.objects.get(invoice=invoice)
    assert state.state == DocumentState.PENDING
    assert state.xrechnung is False
    job = Job.objects.get(kind=RENDER_JOB)
    assert job.payload == {"invoice_id": invoice.pk}
    assert job.status == Job.Status.PENDING


def test_a_public_sector_customer_is_due_an_xrechnung():
    with_contact()
    invoice = make_issued(customer=public_customer())

    assert InvoiceDocumentState.objects.get(invoice=invoice).xrechnung is True


# --- The PDF/A-3 -----------------------------------------------------------------------------------


def test_the_pdf_is_pdf_a_3b_with_embedded_fonts_and_the_factur_x_xml():
    invoice = make_issued()

    state = rendered(invoice)

    assert state.state == DocumentState.READY, state.summary
    pdf_bytes = stored_bytes(invoice, "pdf")
    xml_bytes = stored_bytes(invoice, "facturx")
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert meta[f"{FX}DocumentType"] == "INVOICE"
        assert meta[f"{FX}DocumentFileName"] == "factur-x.xml"
        assert meta[f"{FX}Version"] == "1.0"
        assert meta[f"{FX}ConformanceLevel"] == "EN 16931"
        schemas = etree.tostring(etree.fromstring(pdf.Root.Metadata.read_bytes()))
        assert b"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in schemas
        assert b"pdfaExtension:schemas" in schemas or b"extension/" in schemas

        fonts = [font for page in pdf.pages for font in page.Resources.Font.values()]
        assert fonts
        for font in fonts:
            descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont

        assert list(pdf.attachments) == ["factur-x.xml"]
        spec = pdf.attachments["factur-x.xml"]
        assert spec.obj.AFRelationship == "/Data"
        assert spec.obj.EF.F.Subtype == "/text/xml"
        assert spec.get_file().read_bytes() == xml_bytes
        # WeasyPrint lists the file spec twice in /AF (harmless: the same object).
        assert {ref.objgen for ref in pdf.Root.AF} == {spec.obj.objgen}
        assert pdf.Root.Lang == "de"
    tree = etree.fromstring(xml_bytes)
    assert tree.findtext(f"{CII_TYPE_CODE}/{{*}}ID") == invoice.number


def test_stored_files_carry_their_sha256_and_the_renderer():
    invoice = make_issued()
    rendered(invoice)

    documents = {d.kind: d for d in invoice.documents.all()}
    assert set(documents) == {"pdf", "facturx"}
    for document in documents.values():
        assert hashlib.sha256(document.file.read()).hexdigest() == document.sha256
        assert document.size == document.file.size
        assert "WeasyPrint" in document.renderer
    assert documents["pdf"].filename == f"{invoice.number}.pdf"
    event = invoice.events.get(kind=InvoiceEvent.Kind.DOCUMENTS_CREATED)
    assert event.data == {"pdf": documents["pdf"].sha256, "facturx": documents["facturx"].sha256}


def test_rendering_an_issued_invoice_again_gives_the_same_bytes():
    invoice = make_issued()
    rendered(invoice)

    for document in invoice.documents.all():
        assert invoice_document_verify(document=document), document.kind


def test_the_render_job_is_idempotent_and_keeps_the_first_original():
    invoice = make_issued()
    rendered(invoice)
    first = {d.kind: (d.pk, d.sha256) for d in invoice.documents.all()}

    state = rendered(invoice)

    assert state.state == DocumentState.READY
    assert {d.kind: (d.pk, d.sha256) for d in invoice.documents.all()} == first
    assert invoice.events.filter(kind=InvoiceEvent.Kind.DOCUMENTS_CREATED).count() == 1


def test_a_credit_note_gets_its_own_pdf_and_xml():
    invoice = make_issued()
    credit_note = credit_note_create(invoice=invoice, as_of=T0, reason="Reklamation", issue=True)

    state = rendered(credit_note)

    assert state.state == DocumentState.READY, state.summary
    xml = etree.fromstring(stored_bytes(credit_note, "facturx"))
    assert xml.findtext(f"{CII_TYPE_CODE}/{{*}}TypeCode") == "381"
    with pikepdf.open(io.BytesIO(stored_bytes(credit_note, "pdf"))) as pdf:
        assert "factur-x.xml" in pdf.attachments


def test_an_xrechnung_recipient_gets_the_standalone_xrechnung_too():
    with_contact()
    invoice = make_issued(customer=public_customer())

    state = rendered(invoice)

    assert state.state == DocumentState.READY, state.summary
    xml = etree.fromstring(stored_bytes(invoice, "xrechnung"))
    guideline = xml.findtext("{*}ExchangedDocumentContext/{*}GuidelineSpecifiedDocumentContextParameter/{*}ID")
    assert guideline == "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    assert {d.kind for d in invoice.documents.all()} == {"pdf", "facturx", "xrechnung"}


def test_english_invoices_are_tagged_english():
    invoice = make_issued(customer=make_customer(language="en"), language="en")
    rendered(invoice)

    with pikepdf.open(io.BytesIO(stored_bytes(invoice, "pdf"))) as pdf:
        assert pdf.Root.Lang == "en"
        assert str(pdf.docinfo.Title).startswith("Invoice ")


# --- Fail closed -----------------------------------------------------------------------------------


def test_an_invalid_e_invoice_is_neither_stored_nor_sent_and_opens_a_task(broken_mapping):
    invoice = make_issued()

    state = rendered(invoice)

    assert state.state == DocumentState.INVALID
    assert "BR-CO-15" in {p["rule"] for p in state.problems}  # and BR-CO-16, which follows from it
    assert state.summary.startswith("BR-CO-15")
    assert not invoice.documents.exists()
    task = FollowUpTask.objects.get(kind=TASK_KIND)
    assert invoice.number in task.title
    assert "BR-CO-15" in task.description
    with pytest.raises(DocumentsNotReady, match="e-invoice invalid: BR-CO-15"):
        invoice_document_get(invoice=invoice, kind="pdf")
    assert invoice.events.filter(kind=InvoiceEvent.Kind.E_INVOICE_INVALID).exists()


def test_an_xrechnung_that_breaks_a_german_rule_is_refused_with_its_rule_id(monkeypatch):
    from invoicing.einvoice import cii

    with_contact()
    invoice = make_issued(customer=public_customer())
    original = cii.cii_build

    def without_contact(inv, **kwargs):  # a snapshot taken before issue checked the contact
        inv.seller = {**inv.seller, "contact_name": "", "phone": ""}
        return original(inv, **kwargs)

    monkeypatch.setattr(cii, "cii_build", without_contact)

    state = rendered(invoice)

    assert state.state == DocumentState.INVALID
    assert {"BR-DE-5", "BR-DE-6"} <= {p["rule"] for p in state.problems if p["document"] == "xrechnung"}


def test_a_recheck_after_the_cause_is_fixed_stores_the_documents(broken_mapping, monkeypatch):
    from invoicing.einvoice import cii

    invoice = make_issued()
    assert rendered(invoice).state == DocumentState.INVALID
    monkeypatch.setattr(cii, "cii_build", broken_mapping)  # the mapping is fixed

    state = invoice_documents_recheck(invoice=invoice, as_of=RENDERED_AT)
    assert state.state == DocumentState.PENDING
    assert Job.objects.filter(kind=RENDER_JOB, status=Job.Status.PENDING).count() == 1

    assert rendered(invoice).state == DocumentState.READY
    assert invoice.documents.count() == 2


def test_rules_that_cannot_run_are_an_error_never_a_pass(monkeypatch):
    invoice = make_issued()

    def broken(*args, **kwargs):
        raise validation.ValidationSetupError("EN 16931 rules: XSLT failed to compile")

    monkeypatch.setattr(validation, "cii_validate", broken)

    with pytest.raises(validation.ValidationSetupError):
        rendered(invoice)
    assert InvoiceDocumentState.objects.get(invoice=invoice).state == DocumentState.PENDING
    assert not invoice.documents.exists()


def test_a_draft_has_no_documents():
    from .factories import make_draft

    draft = make_draft()

    with pytest.raises(DocumentsNotReady, match="draft"):
        invoice_documents_render(invoice_id=draft.pk, as_of=RENDERED_AT)


# --- Archive -----------------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_a_stored_original():
    invoice = make_issued()
    rendered(invoice)
    document = invoice.documents.get(kind="pdf")

    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        InvoiceDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        InvoiceDocument.objects.filter(pk=document.pk).delete()
    assert InvoiceDocument.objects.get(pk=document.pk).sha256 == document.sha256


def test_a_tampered_file_is_refused_instead_of_served(media_root):
    invoice = make_issued()
    rendered(invoice)
    document = invoice.documents.get(kind="pdf")
    (media_root / document.file.name).write_bytes(b"%PDF-1.7 forged")

    with pytest.raises(RuntimeError, match="SHA-256"):
        invoice_document_read(document)


def test_the_document_state_is_written_once_per_invoice():
    invoice = make_issued()

    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceDocumentState.objects.create(invoice=invoice, updated_at=at(T0.date()))


# --- XRechnung prerequisites are checked before issue --------------------------------------------


def test_issuing_to_an_xrechnung_recipient_needs_the_seller_contact_first():
    from invoicing.models import Invoice
    from invoicing.services import InvoiceIssueError, invoice_issue

    from .factories import make_draft

    make_company_profile(contact_name="", phone="")
    draft = make_draft(customer=public_customer())

    with pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)

    message = " ".join(refused.value.message_dict["seller"])
    assert "BR-DE-5" in message and "BR-DE-6" in message and "BR-DE-7" not in message
    assert Invoice.objects.get(pk=draft.pk).status == "draft"
    assert not InvoiceDocumentState.objects.exists()


def test_issuing_to_an_xrechnung_recipient_needs_its_electronic_address_and_reference():
    from invoicing.services import InvoiceIssueError, invoice_issue

    from .factories import make_draft

    with_contact()
    customer = make_customer(kind="business", e_invoice_format="xrechnung")
    draft = make_draft(customer=customer)

    with pytest.raises(InvoiceIssueError) as refused:
        invoice_issue(invoice=draft, as_of=T0)

    assert "BT-49" in " ".join(refused.value.message_dict["customer"])
    assert "BR-DE-15" in " ".join(refused.value.message_dict["buyer_reference"])


def test_a_zugferd_customer_is_not_held_to_xrechnung_rules():
    make_company_profile(contact_name="", phone="")

    invoice = make_issued()

    assert invoice.status == "issued"

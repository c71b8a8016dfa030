"""Downloading the PDF and the e-invoices through the API and the admin, with permissions."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.test import Client

from core.api.problems import PROBLEM_CONTENT_TYPE
from invoicing.models import DocumentState
from invoicing.services.documents import RENDER_VERSION, invoice_documents_render
from tests.conftest import client_for

from .factories import T0, invoicing_setup, make_company_profile, make_customer, make_draft, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

INVOICES = "/api/v1/invoices/"
RENDERED_AT = T0 + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def document_url(invoice, kind: str) -> str:
    return f"{INVOICES}{invoice.pk}/documents/{kind}/"


def ready(invoice):
    state = invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)
    assert state.state == DocumentState.READY, state.summary
    return invoice


@pytest.fixture
def invalid_invoice(monkeypatch):
    """An issued invoice whose e-invoice failed validation (a mapping bug breaks BR-CO-15)."""
    from lxml import etree

    from invoicing.einvoice import cii

    original = cii.cii_build

    def broken(invoice, **kwargs):
        tree = etree.fromstring(original(invoice, **kwargs))
        grand = tree.find(".//{*}GrandTotalAmount")
        grand.text = "0.01"
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    monkeypatch.setattr(cii, "cii_build", broken)
    invoice = make_issued()
    assert invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT).state == DocumentState.INVALID
    return invoice


def public_customer():
    return make_customer(
        kind="public",
        leitweg_id="04011000-1234512345-06",
        e_invoice_scheme="0204",
        e_invoice_address="04011000-1234512345-06",
    )


def test_a_viewer_downloads_the_pdf_with_its_hash(viewer):
    invoice = ready(make_issued())
    pdf = invoice.documents.get(kind="pdf")

    response = client_for(viewer).get(document_url(invoice, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    body = response.content
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == pdf.sha256
    assert response["ETag"] == f'"{pdf.sha256}"'
    assert response["Digest"] == "sha-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_the_xml_documents_download_as_xml(viewer):
    make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 123456")
    invoice = ready(make_issued(customer=public_customer()))

    for kind in ("facturx", "xrechnung"):
        response = client_for(viewer).get(document_url(invoice, kind))
        assert response.status_code == 200, kind
        assert response["Content-Type"] == "application/xml"
        assert response.content.startswith(b"<?xml")


def test_the_invoice_lists_its_documents_with_links(viewer):
    invoice = ready(make_issued())

    data = client_for(viewer).get(f"{INVOICES}{invoice.pk}/").json()

    documents = data["documents"]
    assert documents["state"] == "ready"
    assert documents["problems"] == []
    files = {f["kind"]: f for f in documents["files"]}
    assert set(files) == {"pdf", "facturx"}
    assert files["pdf"]["url"].endswith(document_url(invoice, "pdf"))
    assert files["pdf"]["sha256"] == invoice.documents.get(kind="pdf").sha256
    assert files["pdf"]["render_version"] == RENDER_VERSION  # issue 13: which rendering made it


def test_an_invalid_e_invoice_shows_its_rules_and_answers_409(invalid_invoice, viewer):
    invoice = invalid_invoice

    detail = client_for(viewer).get(f"{INVOICES}{invoice.pk}/").json()
    response = client_for(viewer).get(document_url(invoice, "pdf"))

    assert detail["documents"]["state"] == "invalid"
    assert "BR-CO-15" in {p["rule"] for p in detail["documents"]["problems"]}
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    problem = response.json()
    assert problem["type"].endswith("documents-not-ready")
    assert problem["detail"].startswith("e-invoice invalid: BR-CO-15")


def test_documents_still_being_created_answer_409_and_drafts_too(viewer):
    pending = make_issued()
    draft = make_draft()

    response = client_for(viewer).get(document_url(pending, "pdf"))
    assert response.status_code == 409
    assert "being created" in response.json()["detail"]
    assert client_for(viewer).get(f"{INVOICES}{pending.pk}/").json()["documents"]["state"] == "pending"

    response = client_for(viewer).get(document_url(draft, "pdf"))
    assert response.status_code == 409
    assert "draft" in response.json()["detail"]
    assert client_for(viewer).get(f"{INVOICES}{draft.pk}/").json()["documents"]["state"] is None


def test_an_unknown_document_kind_is_404(viewer):
    invoice = ready(make_issued())

    assert client_for(viewer).get(f"{INVOICES}{invoice.pk}/documents/zip/").status_code == 404


def test_anonymous_clients_get_no_documents(api_client):
    invoice = ready(make_issued())

    response = api_client.get(document_url(invoice, "pdf"))

    assert response.status_code in (401, 403)
    assert b"%PDF" not in response.content


def test_a_viewer_may_not_trigger_a_recheck_but_an_accountant_may(invalid_invoice, viewer, accountant):
    invoice = invalid_invoice
    url = f"{INVOICES}{invoice.pk}/documents/recheck/"

    assert client_for(viewer).post(url).status_code == 403
    response = client_for(accountant).post(url)

    assert response.status_code == 200
    assert response.json()["documents"]["state"] == "pending"


def test_the_invoice_list_with_documents_takes_a_fixed_number_of_queries(viewer, django_assert_num_queries):
    for _ in range(3):
        ready(make_issued())
    client = client_for(viewer)

    with django_assert_num_queries(7):  # force_authenticate: no session queries (see test_api for those)
        response = client.get(INVOICES)

    assert {len(row["documents"]["files"]) for row in response.json()["results"]} == {2}


# --- Admin -----------------------------------------------------------------------------------


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_change_page_links_the_documents_and_a_viewer_downloads(viewer):
    invoice = ready(make_issued())
    client = admin_client(viewer)

    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()
    url = f"/admin/invoicing/invoice/{invoice.pk}/document/pdf/"
    assert url in page
    assert invoice.documents.get(kind="pdf").sha256 in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_admin_shows_why_an_e_invoice_is_invalid(invalid_invoice, accountant):
    invoice = invalid_invoice
    client = admin_client(accountant)

    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()

    assert "e-invoice invalid: BR-CO-15" in page
    assert f"/admin/invoicing/invoice/{invoice.pk}/documents/recheck/" in page
    response = client.post(f"/admin/invoicing/invoice/{invoice.pk}/documents/recheck/")
    assert response.status_code == 302
    invoice.document_state.refresh_from_db()
    assert invoice.document_state.state == DocumentState.PENDING


def test_the_admin_recheck_is_refused_to_viewers(invalid_invoice, viewer):
    invoice = invalid_invoice

    response = admin_client(viewer).post(f"/admin/invoicing/invoice/{invoice.pk}/documents/recheck/")

    assert response.status_code == 403
    invoice.document_state.refresh_from_db()
    assert invoice.document_state.state == DocumentState.INVALID


def test_an_admin_action_creates_the_documents_of_invoices_issued_without_them(accountant):
    from core.models import Job
    from invoicing.models import InvoiceDocumentState

    without = make_issued()
    InvoiceDocumentState.objects.filter(invoice=without).delete()  # as generated history has none
    done = ready(make_issued())
    Job.objects.all().delete()

    response = admin_client(accountant).post(
        "/admin/invoicing/invoice/", {"action": "create_documents", "_selected_action": [without.pk, done.pk]}
    )

    assert response.status_code == 302
    assert InvoiceDocumentState.objects.get(invoice=without).state == DocumentState.PENDING
    assert list(Job.objects.values_list("payload", flat=True)) == [{"invoice_id": without.pk}]
    assert invoice_documents_render(invoice_id=without.pk, as_of=RENDERED_AT).state == DocumentState.READY

"""Issue through the API; a real Celery worker creates the documents after commit."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage

from invoicing.models import DocumentState, InvoiceDocumentState
from tests.conftest import SERVICES_REQUIRED, client_for, missing_service, redis_url_from_env
from tests.support.celery_worker import start_worker, wait_for

from .factories import invoicing_setup, line, make_customer, reseed_after_module  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.broker,
    pytest.mark.usefixtures("invoicing_setup", "reseed_after_module"),
]


def test_a_worker_stores_the_pdf_of_an_invoice_issued_through_the_api(accountant):
    if redis_url_from_env() is None and SERVICES_REQUIRED:
        missing_service("CI runs this against Redis; set CELERY_BROKER_URL=redis://...")
    customer = make_customer()
    client = client_for(accountant)
    draft = client.post("/api/v1/invoices/", {"customer": customer.pk, "lines": [line()]}, format="json").json()

    with start_worker() as worker:
        response = client.post(f"/api/v1/invoices/{draft['id']}/issue/", {}, format="json")
        assert response.status_code == 200, response.content
        state = wait_for(
            lambda: InvoiceDocumentState.objects.filter(invoice_id=draft["id"]).exclude(state="pending").first(),
            timeout=60,
            what=f"the documents to be created\n{worker.log()}",
        )

    assert state.state == DocumentState.READY, state.summary
    pdf = state.invoice.documents.get(kind="pdf")
    with default_storage.open(pdf.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == pdf.sha256
    download = client.get(f"/api/v1/invoices/{draft['id']}/documents/pdf/")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")

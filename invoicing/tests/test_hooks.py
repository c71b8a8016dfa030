"""What follows an issue hangs off invoicing.hooks, inside the issuing transaction."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing import hooks
from invoicing.models import InvoiceDocumentState
from invoicing.services import InvoiceIssueError, invoice_issue
from invoicing.services.documents import invoice_documents_schedule

from .factories import T0, invoicing_setup, make_draft, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


@pytest.fixture
def registered():
    """A hook registered for one test, and taken out again."""
    seen = []

    def hook(*, invoice, as_of):
        seen.append((invoice.number, invoice.status, as_of))

    hooks.on_invoice_issued(hook)
    yield seen
    hooks._ON_ISSUED.remove(hook)


def test_the_documents_are_scheduled_by_a_registered_hook():
    assert invoice_documents_schedule in hooks.invoice_issued_hooks()
    invoice = make_issued()
    assert InvoiceDocumentState.objects.filter(invoice=invoice).exists()


def test_a_registered_hook_sees_the_issued_document_once(registered):
    invoice = make_issued()
    assert registered == [(invoice.number, "issued", invoice.issued_at)]
    hooks.on_invoice_issued(hooks._ON_ISSUED[-1])  # registering again keeps one registration
    assert len([h for h in hooks.invoice_issued_hooks() if h is hooks._ON_ISSUED[-1]]) == 1


def test_a_refused_issue_runs_no_hook(registered):
    draft = make_draft(invoice_date=date(2099, 1, 1))  # refused: an invoice date in the future
    with pytest.raises(InvoiceIssueError):
        invoice_issue(invoice=draft, as_of=T0)
    assert registered == []

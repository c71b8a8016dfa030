"""DOCUMENT_TRANSITIONS is the truth: every allowed status change passes through
``invoice_transition`` with its event, every other one is refused before anything is written."""

from __future__ import annotations

import itertools

import pytest

from invoicing.models import DOCUMENT_TRANSITIONS, DocumentStatus, Invoice, InvoiceEvent
from invoicing.services import credit_note_create
from invoicing.services.drafts import DocumentStateConflict
from invoicing.services.transitions import invoice_transition

from .factories import D0, T0, invoicing_setup, make_draft, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


def _document_in(status: str) -> Invoice:
    if status == DocumentStatus.DRAFT:
        return make_draft()
    invoice = make_issued()
    if status == DocumentStatus.CANCELLED:
        credit_note_create(invoice=invoice, as_of=T0, issue=True)  # credited in full: cancelled
        invoice.refresh_from_db()
    assert invoice.status == status
    return invoice


def test_every_status_has_a_row_in_the_table():
    assert set(DOCUMENT_TRANSITIONS) == set(DocumentStatus.values)


@pytest.mark.parametrize(("current", "to"), list(itertools.product(DocumentStatus.values, repeat=2)))
def test_a_status_change_passes_exactly_when_the_table_allows_it(current, to):
    invoice = _document_in(current)
    events = InvoiceEvent.objects.filter(invoice=invoice).count()
    if to in DOCUMENT_TRANSITIONS[current]:
        if to == DocumentStatus.ISSUED:  # what issuing writes alongside (a number and a date)
            invoice.number, invoice.invoice_date = "T-1", D0
        fields = None if to == DocumentStatus.ISSUED else ["cancelled_at"]
        invoice.cancelled_at = T0 if to == DocumentStatus.CANCELLED else None
        event = invoice_transition(invoice=invoice, to=to, as_of=T0, update_fields=fields)
        assert Invoice.objects.get(pk=invoice.pk).status == to
        assert (event.from_state, event.to_state, event.kind) == (current, to, to)
    else:
        with pytest.raises(DocumentStateConflict) as refused:
            invoice_transition(invoice=invoice, to=to, as_of=T0)
        assert str(DocumentStatus(to).label) in str(refused.value)
        assert Invoice.objects.get(pk=invoice.pk).status == current
        assert InvoiceEvent.objects.filter(invoice=invoice).count() == events

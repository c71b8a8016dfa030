"""Disputes: opened on an issued invoice or some of its lines, one open per invoice, resolved for
us, withdrawn, or settled with a credit note issued through invoicing's services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework.models import Dispute, DisputeStatus
from casework.services import dispute_resolve, dispute_resolve_with_credit_note
from casework.services.disputes import DISPUTE_TASK, DisputeConflict
from core.models import Event
from invoicing.models import DocumentStatus, DocumentType
from invoicing.services import credit_note_create, invoice_draft_create
from invoicing.tests.factories import T0, invoicing_setup, line  # noqa: F401
from payments.tests.factories import make_invoice
from tasks.models import FollowUpTask

from .factories import TAKEN, make_dispute

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal
LATER = TAKEN + timedelta(days=5)


@pytest.fixture
def invoice(customer):
    """Two lines at 19 %: 100.00 net (119.00 gross) and 50.00 net (59.50 gross); 178.50 in all."""
    return make_invoice(
        customer=customer,
        lines=[
            line(description="Beratung", quantity="1", unit_price="100.00"),
            line(description="Reisekosten", quantity="1", unit_price="50.00"),
        ],
    )


def task_of(dispute):
    return FollowUpTask.objects.get(kind=DISPUTE_TASK, object_id=str(dispute.pk))


def test_opening_a_dispute_records_it_with_an_event_and_a_task(customer, invoice):
    dispute = make_dispute(invoice=invoice, reason="quality", description="Lieferung beschädigt")
    assert dispute.status == DisputeStatus.OPEN and dispute.amount == D("178.50")
    assert dispute.customer_id == customer.pk and dispute.currency == "EUR"
    event = Event.objects.get(type="dispute.opened")
    assert event.customer_id == customer.pk and event.data["reason_code"] == "quality"
    assert event.data["invoice"] == invoice.number and event.data["amount"] == "178.50"
    task = task_of(dispute)
    assert task.is_open and task.created_by_rule == "casework.dispute_opened" and task.customer_id == customer.pk
    assert invoice.number in task.title


def test_a_dispute_on_some_lines_defaults_to_their_gross_and_may_not_exceed_it(customer, invoice):
    travel = invoice.lines.get(position=2)
    dispute = make_dispute(invoice=invoice, reason="price", lines=[travel])
    assert dispute.amount == D("59.50") and list(dispute.lines.all()) == [travel]
    dispute_resolve(dispute=dispute, outcome="withdrawn", as_of=LATER)
    with pytest.raises(ValidationError) as refused:
        make_dispute(invoice=invoice, reason="price", lines=[travel], amount=D("59.51"))
    assert "59,50" in refused.value.message_dict["amount"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "mood"}, "reason"),
        ({"reason": "other"}, "description"),
        ({"amount": D("0")}, "amount"),
        ({"amount": D("1.001")}, "amount"),
        ({"amount": D("178.51")}, "amount"),
        ({"amount": "lots"}, "amount"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(invoice, overrides, field):
    with pytest.raises(ValidationError) as refused:
        make_dispute(invoice=invoice, **{"reason": "price", **overrides})
    assert field in refused.value.message_dict
    assert not Dispute.objects.exists() and not FollowUpTask.objects.filter(kind=DISPUTE_TASK).exists()


def test_lines_of_another_invoice_are_refused(customer, invoice):
    other = make_invoice(customer=customer)
    with pytest.raises(ValidationError) as refused:
        make_dispute(invoice=invoice, lines=[other.lines.get()])
    assert "lines" in refused.value.message_dict


def test_only_an_issued_invoice_can_be_disputed(customer, invoice):
    draft = invoice_draft_create(
        customer=customer, as_of=T0, document_type=DocumentType.INVOICE, data={}, lines=[line()]
    )
    credit_note = credit_note_create(invoice=make_invoice(customer=customer), as_of=T0, issue=True)
    for document in (draft, credit_note):
        with pytest.raises(ValidationError) as refused:
            make_dispute(invoice=document)
        assert "invoice" in refused.value.message_dict


def test_an_invoice_has_one_open_dispute_at_most_and_the_database_holds_it(invoice):
    first = make_dispute(invoice=invoice)
    with pytest.raises(DisputeConflict):
        make_dispute(invoice=invoice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            invoice=invoice,
            customer_id=invoice.customer_id,
            amount=D("1"),
            currency="EUR",
            reason="price",
            opened_at=T0,
        )
    dispute_resolve(dispute=first, outcome="resolved", as_of=LATER)
    assert make_dispute(invoice=invoice, as_of=LATER).is_open


def test_resolving_in_our_favour_closes_the_task_and_is_final(accountant, invoice):
    dispute = make_dispute(invoice=invoice)
    dispute_resolve(dispute=dispute, outcome="resolved", as_of=LATER, by=accountant, note="Lieferschein unterschrieben")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED and dispute.resolved_by == accountant
    assert dispute.resolved_at == LATER and dispute.resolution_note == "Lieferschein unterschrieben"
    task = task_of(dispute)
    assert not task.is_open and "Lieferschein" in task.resolution
    assert Event.objects.get(type="dispute.resolved").customer_id == invoice.customer_id
    with pytest.raises(DisputeConflict):
        dispute_resolve(dispute=dispute, outcome="withdrawn", as_of=LATER)
    with pytest.raises(ValidationError) as refused:
        dispute_resolve(dispute=dispute, outcome="credited", as_of=LATER)
    assert "outcome" in refused.value.message_dict


def test_resolving_with_a_credit_note_for_the_disputed_lines_credits_exactly_them(customer, invoice):
    travel = invoice.lines.get(position=2)
    dispute = make_dispute(invoice=invoice, reason="not_received", lines=[travel])
    dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER, note="Reise nicht stattgefunden")
    dispute.refresh_from_db()
    credit_note = dispute.credit_note
    assert dispute.status == DisputeStatus.CREDITED
    assert credit_note.document_type == DocumentType.CREDIT_NOTE and credit_note.status == DocumentStatus.ISSUED
    assert credit_note.corrected_invoice_id == invoice.pk and credit_note.tax_inclusive_total == D("59.50")
    assert [(line.description, line.net_amount) for line in credit_note.lines.all()] == [("Reisekosten", D("50.00"))]
    invoice.refresh_from_db()
    assert invoice.open_amount == D("119.00") and invoice.credited_amount == D("59.50")
    assert not task_of(dispute).is_open
    event = Event.objects.get(type="dispute.credited")
    assert event.data["credit_note"] == credit_note.number and event.data["amount"] == "59.50"


@pytest.mark.parametrize("amount", ["20.00", "0.07", "33.33", "100.01"])
def test_a_partial_amount_is_credited_to_the_cent_as_a_price_reduction(invoice, amount):
    dispute = make_dispute(invoice=invoice, reason="price", amount=D(amount))
    dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER)
    dispute.refresh_from_db()
    assert dispute.credit_note.tax_inclusive_total == D(amount)
    invoice.refresh_from_db()
    assert invoice.open_amount == D("178.50") - D(amount)


def test_a_credit_note_smaller_than_the_dispute_may_be_given_never_a_larger_one(invoice):
    dispute = make_dispute(invoice=invoice, reason="price", amount=D("50.00"))
    with pytest.raises(ValidationError) as refused:
        dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER, amount=D("50.01"))
    assert "amount" in refused.value.message_dict
    dispute.refresh_from_db()
    assert dispute.is_open and dispute.credit_note is None
    dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER, amount=D("23.80"))
    dispute.refresh_from_db()
    assert dispute.credit_note.tax_inclusive_total == D("23.80")
    assert [line.net_amount for line in dispute.credit_note.lines.all()] == [D("20.00")]


def test_the_database_holds_the_status_and_the_credit_note_together(invoice):
    dispute = make_dispute(invoice=invoice)
    for change in (
        {"status": "credited", "resolved_at": LATER},
        {"status": "lost"},
        {"amount": D("0")},
        {"status": "resolved"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Dispute.objects.filter(pk=dispute.pk).update(**change)


def test_where_vat_rounding_skips_the_cent_the_credit_is_the_largest_gross_below_it(invoice):
    # At 19 %, a net of 0.02 is 0.02 gross and 0.03 is 0.04: no net gives 0.03.
    dispute = make_dispute(invoice=invoice, reason="price", amount=D("0.03"))
    dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER)
    dispute.refresh_from_db()
    assert dispute.credit_note.tax_inclusive_total == D("0.02")


@pytest.mark.parametrize("current", DisputeStatus.values)
@pytest.mark.parametrize("to", [DisputeStatus.RESOLVED, DisputeStatus.WITHDRAWN, DisputeStatus.CREDITED])
def test_every_pair_of_dispute_states_follows_the_table(invoice, current, to):
    from casework.models import DISPUTE_TRANSITIONS

    dispute = make_dispute(invoice=invoice, reason="price", amount=D("11.90"))
    if current != DisputeStatus.OPEN:
        fields = {"status": current, "resolved_at": LATER}
        if current == DisputeStatus.CREDITED:
            fields["credit_note"] = credit_note_create(
                invoice=invoice, as_of=LATER, lines=[line(quantity="1", unit_price="1.00")], issue=True
            )
        Dispute.objects.filter(pk=dispute.pk).update(**fields)
    allowed = to in DISPUTE_TRANSITIONS[current]
    call = (
        (lambda: dispute_resolve_with_credit_note(dispute=dispute, as_of=LATER))
        if to == DisputeStatus.CREDITED
        else (lambda: dispute_resolve(dispute=dispute, outcome=to, as_of=LATER))
    )
    if allowed:
        call()
        dispute.refresh_from_db()
        assert dispute.status == to
    else:
        with pytest.raises(DisputeConflict):
            call()

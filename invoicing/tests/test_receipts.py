"""The date an invoice reached the customer (§ 286 (3) BGB), stored on the invoice.

The first delivery report confirms it and is never overwritten; without one the daily job assumes
it DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS after the first sending (else the issue date), and a later
report replaces the assumption. The migration backfills it from delivery events.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from communications.models import OutboxMessage
from communications.services.outbox import message_recipients_add, message_subjects_add
from communications.services.tracking import message_track
from customers.tests.factories import make_customer
from invoicing.models import Invoice, InvoiceEvent
from invoicing.services.receipts import invoice_receipt_confirm, invoice_receipts_assume
from invoicing.tests.factories import BERLIN, D0, T0, invoicing_setup, make_draft, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]


@pytest.fixture(autouse=True)
def three_days(settings):
    settings.DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS = 3


@pytest.fixture
def customer():
    return make_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}])


@pytest.fixture
def invoice(customer):
    return make_issued(customer=customer)  # issued on D0 = 27.11.2026


def sent_mail(invoice, *, key: str = "pm-1") -> OutboxMessage:
    message = OutboxMessage.objects.create(
        customer=invoice.customer,
        template="invoice",
        language="de",
        from_email="Debitor Test GmbH <buchhaltung@debitor.example>",
        subject="Rechnung",
        body_text="…",
        status="sent",
        message_id=f"<{key}@debitor.example>",
        provider="Postmark",
        provider_message_id=key,
        cause="test",
        created_at=T0,
        sending_at=T0,
        sent_at=T0,
        updated_at=T0,
    )
    message_recipients_add(message=message, kind="to", entries=[{"name": "Anna Schmidt", "email": "anna@example.com"}])
    message_subjects_add(message=message, subjects=[invoice])
    return message


def deliver(message: OutboxMessage, at: datetime, event_id: str = "d-1"):
    return message_track(
        provider="Postmark",
        event_type="delivered",
        message_id=message.provider_message_id,
        metadata={"outbox_id": str(message.pk)},
        timestamp=at,
        event_id=event_id,
        recipient="anna@example.com",
        description="",
        mta_response="250 OK",
        raw={},
        as_of=at,
    )


def receipt(invoice: Invoice) -> tuple[date | None, str]:
    invoice.refresh_from_db()
    return invoice.received_on, invoice.received_on_basis


def test_the_first_delivery_report_is_stored_as_the_confirmed_date_of_receipt(invoice):
    # 23:30 UTC on 28 November is 29 November in Berlin: the date is the local one.
    deliver(sent_mail(invoice), datetime(2026, 11, 28, 23, 30, tzinfo=UTC))

    assert receipt(invoice) == (date(2026, 11, 29), "confirmed")


def test_a_later_delivery_report_never_overwrites_the_first_confirmation(invoice):
    deliver(sent_mail(invoice, key="first"), datetime(2026, 11, 28, 9, tzinfo=UTC))
    deliver(sent_mail(invoice, key="resent"), datetime(2026, 12, 3, 9, tzinfo=UTC))

    assert receipt(invoice) == (date(2026, 11, 28), "confirmed")
    assert invoice_receipt_confirm(invoice_id=invoice.pk, received_on=date(2026, 12, 9), as_of=T0) is False
    assert receipt(invoice) == (date(2026, 11, 28), "confirmed")


def test_without_a_report_receipt_is_assumed_days_after_the_issue_date_once_that_day_has_come(invoice):
    with time_machine.travel(datetime(2026, 11, 29, 6, tzinfo=BERLIN), tick=False):
        assert invoice_receipts_assume(as_of=datetime.now(BERLIN)) == 0
    assert receipt(invoice) == (None, "")

    with time_machine.travel(datetime(2026, 11, 30, 6, tzinfo=BERLIN), tick=False):
        assert invoice_receipts_assume(as_of=datetime.now(BERLIN)) == 1
        assert invoice_receipts_assume(as_of=datetime.now(BERLIN)) == 0  # once

    assert receipt(invoice) == (date(2026, 11, 30), "assumed")
    event = InvoiceEvent.objects.get(invoice=invoice, kind="receipt_assumed")
    assert (event.to_state, event.data["basis"], event.data["days"]) == ("2026-11-30", "issued", 3)


def test_an_invoice_sent_by_email_is_assumed_received_days_after_its_first_sending(invoice):
    InvoiceEvent.objects.create(invoice=invoice, kind="sent", at=datetime(2026, 12, 1, 9, tzinfo=BERLIN))

    with time_machine.travel(datetime(2026, 12, 3, 6, tzinfo=BERLIN), tick=False):
        assert invoice_receipts_assume(as_of=datetime.now(BERLIN)) == 0
    with time_machine.travel(datetime(2026, 12, 4, 6, tzinfo=BERLIN), tick=False):
        assert invoice_receipts_assume(as_of=datetime.now(BERLIN)) == 1

    assert receipt(invoice) == (date(2026, 12, 4), "assumed")


def test_a_real_confirmation_replaces_an_assumption(invoice):
    invoice_receipts_assume(as_of=datetime(2026, 12, 10, 6, tzinfo=BERLIN))
    assert receipt(invoice) == (date(2026, 11, 30), "assumed")

    deliver(sent_mail(invoice), datetime(2026, 12, 11, 9, tzinfo=UTC))

    assert receipt(invoice) == (date(2026, 12, 11), "confirmed")


def test_drafts_get_no_date_of_receipt(customer):
    draft = make_draft(customer=customer)

    assert invoice_receipts_assume(as_of=datetime(2027, 1, 10, tzinfo=BERLIN)) == 0
    assert invoice_receipt_confirm(invoice_id=draft.pk, received_on=D0, as_of=T0) is False
    assert receipt(draft) == (None, "")


def test_dunning_finds_invoices_by_their_date_of_receipt(customer):
    confirmed, assumed, unknown = (make_issued(customer=customer) for _ in range(3))
    invoice_receipt_confirm(invoice_id=confirmed.pk, received_on=date(2026, 11, 28), as_of=T0)
    Invoice.objects.filter(pk=assumed.pk).update(received_on=date(2026, 12, 2), received_on_basis="assumed")

    assert set(Invoice.objects.received_on_or_before(date(2026, 11, 30))) == {confirmed}
    assert set(Invoice.objects.received_on_or_before(date(2026, 12, 2))) == {confirmed, assumed}
    assert set(Invoice.objects.receipt_unknown()) == {unknown}


def test_a_date_of_receipt_needs_its_basis(invoice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(received_on=D0)


def test_only_the_receipt_columns_of_an_issued_invoice_may_change(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(received_on=D0, received_on_basis="assumed")
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(note="changed")


def test_the_assumption_job_takes_the_same_queries_for_three_or_thirty_invoices(customer, django_assert_num_queries):
    as_of = datetime.combine(D0 + timedelta(days=5), datetime.min.time(), tzinfo=BERLIN)
    for _ in range(3):
        make_issued(customer=customer)
    # candidates, then one chunk: savepoint, lock, update, events, their event-log entries, release
    with django_assert_num_queries(7) as few:
        assert invoice_receipts_assume(as_of=as_of) == 3
    Invoice.objects.update(received_on=None, received_on_basis="")
    for _ in range(27):
        make_issued(customer=customer)

    with django_assert_num_queries(len(few.captured_queries)):
        assert invoice_receipts_assume(as_of=as_of) == 30


def test_the_api_and_the_admin_show_the_date_of_receipt_and_its_basis(invoice, viewer, client, english):
    from tests.conftest import client_for

    invoice_receipt_confirm(invoice_id=invoice.pk, received_on=date(2026, 11, 28), as_of=T0)

    body = client_for(viewer).get(f"/api/v1/invoices/{invoice.pk}/").json()
    listed = client_for(viewer).get("/api/v1/invoices/").json()["results"][0]
    assert (body["received_on"], body["received_on_basis"]) == ("2026-11-28", "confirmed")
    assert (listed["received_on"], listed["received_on_basis"]) == ("2026-11-28", "confirmed")

    client.force_login(viewer)
    page = client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()
    assert "received by the customer on" in page.lower() and "confirmed by the delivery report" in page


@pytest.mark.parametrize("status", ["bounced", "failed", "cancelled", "queued", "sending"])
def test_no_receipt_is_assumed_while_the_invoice_mail_is_known_not_to_have_arrived(invoice, status):
    """§ 286 (3) BGB counts from receipt: a mail that bounced, failed, was stopped or has not left yet
    is evidence against it, so the job waits (a later successful sending starts the count)."""
    InvoiceEvent.objects.create(invoice=invoice, kind="sent", at=datetime(2026, 11, 27, 9, tzinfo=BERLIN))
    mail = sent_mail(invoice)
    OutboxMessage.objects.filter(pk=mail.pk).update(status=status)

    assert invoice_receipts_assume(as_of=datetime(2027, 1, 10, 6, tzinfo=BERLIN)) == 0
    assert receipt(invoice) == (None, "")

    resent = sent_mail(invoice, key="pm-2")
    OutboxMessage.objects.filter(pk=resent.pk).update(sent_at=datetime(2027, 1, 11, 9, tzinfo=BERLIN))
    InvoiceEvent.objects.create(invoice=invoice, kind="sent", at=datetime(2027, 1, 11, 9, tzinfo=BERLIN))
    assert invoice_receipts_assume(as_of=datetime(2027, 1, 14, 6, tzinfo=BERLIN)) == 1
    # the count runs from the sending that left, not from the first attempt
    assert receipt(invoice) == (date(2027, 1, 14), "assumed")


def test_a_cancelled_invoice_gets_no_assumed_receipt(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status="cancelled", cancelled_at=T0)

    assert invoice_receipts_assume(as_of=datetime(2027, 1, 10, 6, tzinfo=BERLIN)) == 0
    assert receipt(invoice) == (None, "")

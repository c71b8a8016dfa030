"""Invoices and credit notes by e-mail, automatic sending when documents are ready, due-date notices.

What the outbox row holds is what the customer gets: recipients, the rendered text, and the stored
originals as attachments, byte for byte.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from communications.models import OutboxMessage
from communications.selectors import messages_about, subjects_of
from communications.services.outbox import SEND_JOB_KIND
from core.models import Job
from customers.models import Contact
from invoicing.models import CustomerNotice, DocumentState, InvoiceDocumentState
from invoicing.services import credit_note_create, invoice_change_due_date
from invoicing.services.documents import (
    DocumentsNotReady,
    invoice_document_get,
    invoice_document_read,
    invoice_documents_render,
)
from invoicing.services.drafts import DocumentStateConflict
from invoicing.services.sending import NOT_SENT_TASK, NOTICE_NOT_SENT_TASK, NoRecipients, invoice_send
from tasks.models import FollowUpTask

from .factories import D0, T0, invoicing_setup, make_company_profile, make_customer, make_draft, make_issued  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

RENDERED_AT = T0 + timedelta(minutes=5)
SENT_AT = T0 + timedelta(hours=1)


def invoice_of(message):
    [invoice] = subjects_of(message)
    return invoice


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def manual_customer(**overrides):
    """A customer who wants invoices sent by hand: rendering sends nothing on its own."""
    return make_customer(invoice_delivery="manual", **overrides)


def public_customer(**overrides):
    return make_customer(
        kind="public",
        legal_name="Landratsamt Beispielkreis",
        leitweg_id="04011000-1234512345-06",
        e_invoice_scheme="0204",
        e_invoice_address="04011000-1234512345-06",
        contacts=[{"name": "Rechnungseingang", "email": "rechnung@landkreis.example", "receives_invoices": True}],
        **overrides,
    )


def ready(invoice):
    state = invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)
    assert state.state == DocumentState.READY, state.summary
    return invoice


def attachment_bytes(message) -> dict[str, bytes]:
    result = {}
    for attachment in message.attachments.order_by("id"):
        with default_storage.open(attachment.file.name, "rb") as stored:
            result[attachment.filename] = stored.read()
    return result


# --- invoice_send ---------------------------------------------------------------------------------


def test_sending_an_invoice_queues_one_message_with_the_stored_pdf_byte_for_byte(accountant):
    invoice = ready(make_issued(customer=manual_customer()))

    message = invoice_send(invoice=invoice, as_of=SENT_AT, by=accountant)

    pdf = invoice_document_get(invoice=invoice, kind="pdf")
    assert message.status == "queued"
    assert invoice_of(message) == invoice and message.customer == invoice.customer
    assert message.template == "invoice" and message.language == "de"
    assert [r["email"] for r in message.to] == ["anna@example.com"]
    assert attachment_bytes(message) == {pdf.filename: invoice_document_read(pdf)}
    attachment = message.attachments.get()
    assert (attachment.file.name, attachment.sha256) == (
        pdf.file.name,
        pdf.sha256,
    ) and attachment.content_type == "application/pdf"
    assert attachment.sha256 == pdf.sha256
    assert invoice.number in message.subject
    assert message.cause == "sent by accountant"
    assert message.created_by == accountant
    assert Job.objects.filter(kind=SEND_JOB_KIND, payload={"message_id": message.pk}).count() == 1


def test_the_invoice_history_records_when_its_mail_left(mailoutbox):
    from communications.services.outbox import message_send
    from invoicing.models import InvoiceEvent

    invoice = ready(make_issued(customer=manual_customer()))
    message = invoice_send(invoice=invoice, as_of=SENT_AT)

    message_send(message_id=message.pk, as_of=SENT_AT)

    assert len(mailoutbox) == 1
    event = invoice.events.get(kind=InvoiceEvent.Kind.SENT)
    assert (event.at, event.reason, event.data["outbox_id"]) == (SENT_AT, "anna@example.com", message.pk)


def test_one_message_about_two_invoices_is_found_from_each_and_records_in_both_histories(mailoutbox):
    from communications.services.outbox import message_queue, message_recipients, message_send
    from invoicing.models import InvoiceEvent

    customer = manual_customer()
    first, second = make_issued(customer=customer), make_issued(customer=customer)
    message = message_queue(
        customer=customer,
        template="invoice",
        language="de",
        subject="Zwei Rechnungen",
        body_text="Anbei.",
        to=message_recipients(customer=customer),
        cause="test",
        as_of=SENT_AT,
        subjects=[first, second, first],  # a subject given twice is linked once
    )

    message_send(message_id=message.pk, as_of=SENT_AT)

    assert subjects_of(message) == [first, second]
    assert list(messages_about(first)) == list(messages_about(second)) == [message]
    assert [i.events.filter(kind=InvoiceEvent.Kind.SENT).count() for i in (first, second)] == [1, 1]


def test_an_xrechnung_customer_also_gets_the_xrechnung_xml_byte_for_byte():
    make_company_profile(contact_name="Petra Buchhalter", phone="+49 89 123456")
    invoice = ready(make_issued(customer=public_customer(invoice_delivery="manual")))

    message = invoice_send(invoice=invoice, as_of=SENT_AT)

    pdf = invoice_document_get(invoice=invoice, kind="pdf")
    xml = invoice_document_get(invoice=invoice, kind="xrechnung")
    assert attachment_bytes(message) == {
        pdf.filename: invoice_document_read(pdf),
        xml.filename: invoice_document_read(xml),
    }
    assert {a.content_type for a in message.attachments.all()} == {"application/pdf", "application/xml"}
    assert "XRechnung" in message.body_text


def test_a_zugferd_customer_gets_no_separate_xml():
    invoice = ready(make_issued(customer=manual_customer()))

    message = invoice_send(invoice=invoice, as_of=SENT_AT)

    assert [a.content_type for a in message.attachments.all()] == ["application/pdf"]


def test_an_english_customer_gets_the_english_mail(english):
    invoice = ready(make_issued(customer=manual_customer(language="en")))

    message = invoice_send(invoice=invoice, as_of=SENT_AT)

    assert message.language == "en"
    assert message.body_text.startswith("Dear Anna Schmidt,")
    assert "€238.00" in message.body_text


def test_a_credit_note_is_sent_with_the_credit_note_template():
    invoice = ready(make_issued(customer=manual_customer()))
    credit_note = ready(credit_note_create(invoice=invoice, as_of=T0, by=None, lines=None, reason="Storno", issue=True))

    message = invoice_send(invoice=credit_note, as_of=SENT_AT)

    assert message.template == "credit_note"
    assert credit_note.number in message.subject
    assert invoice.number in message.body_text


def test_given_recipients_replace_the_contacts():
    invoice = ready(make_issued(customer=manual_customer()))

    message = invoice_send(invoice=invoice, as_of=SENT_AT, to=[{"name": "Einkauf", "email": "einkauf@example.com"}])

    assert [r["email"] for r in message.to] == ["einkauf@example.com"]


def test_a_document_is_not_sent_while_its_documents_are_being_created():
    invoice = make_issued(customer=manual_customer())

    with pytest.raises(DocumentsNotReady):
        invoice_send(invoice=invoice, as_of=SENT_AT)

    assert not OutboxMessage.objects.exists()


def test_a_document_with_an_invalid_e_invoice_is_never_sent(monkeypatch):
    from invoicing.einvoice import validation
    from invoicing.einvoice.validation import Violation

    def refuse(xml, **kwargs):
        return [Violation(rule="BR-CO-15", message="total wrong", location="/", flag="fatal")]

    monkeypatch.setattr(validation, "cii_validate", refuse)
    invoice = make_issued(customer=make_customer())  # wants e-mail: would be sent if it were valid
    state = invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)
    assert state.state == DocumentState.INVALID

    with pytest.raises(DocumentsNotReady, match="BR-CO-15"):
        invoice_send(invoice=invoice, as_of=SENT_AT)
    assert not OutboxMessage.objects.exists()


def test_a_draft_is_not_sent():
    draft = make_draft(customer=manual_customer())

    with pytest.raises(DocumentStateConflict):
        invoice_send(invoice=draft, as_of=SENT_AT)


def test_without_a_recipient_the_error_names_the_customer_and_what_to_set_up(english):
    customer = manual_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com"}])
    invoice = ready(make_issued(customer=customer))

    with pytest.raises(NoRecipients) as refused:
        invoice_send(invoice=invoice, as_of=SENT_AT)

    text = refused.value.message_dict["to"][0]
    assert customer.number in text and customer.legal_name in text and "receives invoices" in text
    assert not OutboxMessage.objects.exists()


def test_an_undeliverable_contact_is_not_a_recipient():
    customer = manual_customer()
    Contact.objects.filter(customer=customer).update(email_invalid_since=T0, email_invalid_reason="hard bounce")
    invoice = ready(make_issued(customer=customer))

    with pytest.raises(NoRecipients):
        invoice_send(invoice=invoice, as_of=SENT_AT)


def test_sending_twice_needs_send_again_which_points_to_the_first_message():
    invoice = ready(make_issued(customer=manual_customer()))
    first = invoice_send(invoice=invoice, as_of=SENT_AT)

    with pytest.raises(DocumentStateConflict):
        invoice_send(invoice=invoice, as_of=SENT_AT)
    again = invoice_send(invoice=invoice, as_of=SENT_AT + timedelta(days=1), resend=True)

    assert again.resend_of == first
    assert messages_about(invoice).count() == 2


def test_a_failed_message_does_not_count_as_sent():
    invoice = ready(make_issued(customer=manual_customer()))
    first = invoice_send(invoice=invoice, as_of=SENT_AT)
    OutboxMessage.objects.filter(pk=first.pk).update(status="cancelled")

    second = invoice_send(invoice=invoice, as_of=SENT_AT)

    assert second.pk != first.pk and second.resend_of is None


# --- Automatic sending when the documents become ready ----------------------------------------------


def test_a_customer_who_wants_e_mail_gets_the_invoice_once_its_documents_are_ready():
    invoice = make_issued(customer=make_customer())
    assert not OutboxMessage.objects.exists()  # nothing before the documents exist

    ready(invoice)

    message = messages_about(invoice).get()
    assert message.template == "invoice"
    assert message.cause == "issued: sent automatically"
    assert attachment_bytes(message) == {
        f"{invoice.number}.pdf": invoice_document_read(invoice_document_get(invoice=invoice, kind="pdf"))
    }


def test_rendering_twice_sends_once():
    invoice = make_issued(customer=make_customer())

    ready(invoice)
    ready(invoice)

    assert messages_about(invoice).count() == 1
    assert Job.objects.filter(kind=SEND_JOB_KIND).count() == 1


def test_a_customer_with_manual_delivery_gets_nothing_automatically():
    invoice = ready(make_issued(customer=manual_customer()))

    assert not messages_about(invoice).exists()


def test_without_a_recipient_the_documents_are_still_stored_and_a_task_opens():
    customer = make_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com"}])
    invoice = make_issued(customer=customer)

    state = invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)

    assert state.state == DocumentState.READY
    assert invoice.documents.count() == 2
    assert not OutboxMessage.objects.exists()
    task = FollowUpTask.objects.get(kind=NOT_SENT_TASK)
    assert task.object_id == str(invoice.pk) and task.customer_id == customer.pk
    assert invoice.number in task.title


def test_documents_of_an_invoice_issued_long_ago_are_stored_but_not_mailed():
    """Generated history or a backfill: a customer must not receive a years-old invoice by surprise."""
    invoice = make_issued(customer=make_customer())

    state = invoice_documents_render(invoice_id=invoice.pk, as_of=T0 + timedelta(days=400))

    assert state.state == DocumentState.READY
    assert not OutboxMessage.objects.exists()


def test_a_second_render_after_a_fix_sends_the_invoice_once(monkeypatch):
    from invoicing.einvoice import validation
    from invoicing.einvoice.validation import Violation
    from invoicing.services.documents import invoice_documents_recheck

    original = validation.cii_validate
    monkeypatch.setattr(
        validation, "cii_validate", lambda xml, **kw: [Violation(rule="BR-X", message="m", location="/", flag="fatal")]
    )
    invoice = make_issued(customer=make_customer())
    invoice_documents_render(invoice_id=invoice.pk, as_of=RENDERED_AT)
    assert not OutboxMessage.objects.exists()

    monkeypatch.setattr(validation, "cii_validate", original)
    invoice_documents_recheck(invoice=invoice, as_of=RENDERED_AT)
    ready(invoice)
    ready(invoice)

    assert messages_about(invoice).count() == 1


# --- Due-date notices ---------------------------------------------------------------------------------


def test_changing_the_due_date_queues_the_notice_and_links_it_to_the_outbox():
    invoice = ready(make_issued(customer=manual_customer()))

    invoice_change_due_date(
        invoice=invoice, new_due_date=D0 + timedelta(days=60), reason="Ratenzahlung vereinbart (intern)", as_of=SENT_AT
    )

    notice = CustomerNotice.objects.get(invoice=invoice)
    message = messages_about(invoice).get(template="due_date_changed")
    assert notice.status == CustomerNotice.Status.SENT
    assert notice.data["outbox_message_id"] == message.pk
    assert message.attachments.count() == 0
    assert f"{D0 + timedelta(days=60):%d.%m.%Y}" in message.body_text
    assert f"{D0 + timedelta(days=30):%d.%m.%Y}" in message.body_text  # the old due date (net 30)
    # The internal reason is for colleagues, not for the customer.
    assert "Ratenzahlung" not in message.body_text and "Ratenzahlung" not in message.body_html
    assert message.cause == "due date changed"


def test_a_due_date_change_without_a_recipient_keeps_the_notice_pending_and_opens_a_task():
    customer = manual_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com"}])
    invoice = ready(make_issued(customer=customer))

    changed = invoice_change_due_date(
        invoice=invoice, new_due_date=D0 + timedelta(days=60), reason="Zahlungsplan", as_of=SENT_AT
    )

    assert changed.due_date == D0 + timedelta(days=60)  # the change itself stands
    notice = CustomerNotice.objects.get(invoice=invoice)
    assert notice.status == CustomerNotice.Status.PENDING
    assert "outbox_message_id" not in notice.data
    assert not OutboxMessage.objects.filter(template="due_date_changed").exists()
    assert FollowUpTask.objects.filter(kind=NOTICE_NOT_SENT_TASK, customer=customer).count() == 1


def test_a_refused_due_date_change_queues_nothing():
    invoice = ready(make_issued(customer=manual_customer()))

    with pytest.raises(ValidationError):
        invoice_change_due_date(invoice=invoice, new_due_date=invoice.due_date, reason="x", as_of=SENT_AT)

    assert not OutboxMessage.objects.exists()
    assert not CustomerNotice.objects.exists()


def test_the_document_state_is_untouched_by_sending():
    invoice = ready(make_issued(customer=manual_customer()))

    invoice_send(invoice=invoice, as_of=SENT_AT)

    assert InvoiceDocumentState.objects.get(invoice=invoice).state == DocumentState.READY

"""End to end through a real SMTP server (aiosmtpd on a free local port): what actually arrives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from communications.models import OutboxMessage
from communications.services.inbound import reply_address_for
from communications.services.outbox import (
    FAILED_TASK_KIND,
    AttachmentSpec,
    MessageSendDeferred,
    message_queue,
    message_recipients,
    message_send,
)
from customers.models import Customer
from invoicing.models import InvoiceDocument
from invoicing.services.documents import invoice_document_get, invoice_document_read, invoice_documents_render
from invoicing.tests.factories import T0, make_company_profile, make_issued, seed_rates_and_terms
from tasks.models import FollowUpTask
from tests.support.smtp_server import smtp_server

SUBJECT = "Ihre Rechnung über 238,00 € – Müller & Söhne, Größe „XL“"


@pytest.fixture
def server(settings):
    with smtp_server() as server:
        settings.EMAIL_BACKEND = "communications.mail.SmtpEmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def mail_profile(db):
    seed_rates_and_terms()
    return make_company_profile(
        mail_from_name="Debitor Test GmbH",
        mail_from_email="rechnung@debitor.example",
        mail_reply_to="antwort@debitor.example",
        mail_bcc_archive="archiv@debitor.example",
    )


@pytest.fixture
def invoice(mail_profile):
    invoice = make_issued()
    # Sent by this test, not automatically when the documents are ready.
    Customer.objects.filter(pk=invoice.customer_id).update(invoice_delivery="manual")
    invoice_documents_render(invoice_id=invoice.pk, as_of=T0)
    return invoice


def queue_invoice_mail(invoice, *, to=None) -> OutboxMessage:
    documents = [invoice_document_get(invoice=invoice, kind=kind) for kind in ("pdf", "facturx")]
    return message_queue(
        customer=invoice.customer,
        subjects=[invoice],
        template="invoice",
        language="de",
        subject=SUBJECT,
        body_text="Guten Tag Frau Schmidt,\n\nanbei Ihre Rechnung – mit Umlauten: äöüß.",
        body_html="<p>Guten Tag Frau Schmidt,</p><p>anbei Ihre Rechnung – mit Umlauten: äöüß.</p>",
        to=to if to is not None else message_recipients(customer=invoice.customer),
        cause="invoice issued",
        as_of=T0,
        attachments=[
            AttachmentSpec(
                document.filename,
                "application/pdf" if document.kind == "pdf" else "application/xml",
                invoice_document_read(document),
                stored_name=document.file.name,
                stored_sha256=document.sha256,
            )
            for document in documents
        ],
    )


def test_what_arrives_carries_the_headers_both_bodies_and_the_stored_documents_byte_for_byte(server, invoice):
    message = queue_invoice_mail(invoice)

    sent = message_send(message_id=message.pk, as_of=T0 + timedelta(minutes=1))

    assert sent.status == "sent"
    assert (sent.provider, sent.provider_message_id) == ("smtp", message.message_id)
    [arrived] = server.received
    assert arrived.mail_from == "rechnung@debitor.example"
    # The archive copy is an envelope recipient only: no Bcc header reaches the customer.
    assert sorted(arrived.rcpt_tos) == ["anna@example.com", "archiv@debitor.example"]
    parsed = arrived.message()
    assert parsed["From"] == "Debitor Test GmbH <rechnung@debitor.example>"
    assert parsed["To"] == "Anna Schmidt <anna@example.com>"
    assert parsed["Reply-To"] == reply_address_for(outbox_id=message.pk, mailbox="antwort@debitor.example")
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"] == message.message_id
    # Folded RFC 2047 encoded words ("Subject:" CRLF " =?utf-8?b?…"); the parser keeps the folding
    # white space in front, mail clients drop it.
    assert parsed["Subject"].lstrip() == SUBJECT
    assert b"Subject: \r\n =?utf-8?" in arrived.data.split(b"\r\n\r\n")[0]
    assert parsed["Content-Language"] == "de"
    # Text travels with CRLF line ends (RFC 5321 § 2.3.8); read back it is the stored body.
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == message.body_text
    assert parsed.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n") == message.body_html

    stored = {d.filename: d for d in InvoiceDocument.objects.filter(invoice=invoice, kind__in=["pdf", "facturx"])}
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == [d.filename for d in message.attachments.all()]
    assert {a.get_filename() for a in attachments} == set(stored)
    for part in attachments:
        assert part.get_payload(decode=True) == invoice_document_read(stored[part.get_filename()])
    assert [a.get_content_type() for a in attachments] == ["application/pdf", "application/xml"]
    # The outbox did not copy the stored originals: it points at them.
    assert {a.file.name for a in message.attachments.all()} == {d.file.name for d in stored.values()}


def test_a_customer_address_refused_with_550_fails_the_message_although_the_archive_accepted(server, invoice):
    server.refuse("anna@example.com", "550 5.1.1 <anna@example.com>: Recipient address rejected: User unknown")
    message = queue_invoice_mail(invoice)

    failed = message_send(message_id=message.pk, as_of=T0)

    assert failed.status == "failed"
    assert "550" in failed.last_error and "anna@example.com" in failed.last_error
    assert FollowUpTask.objects.filter(kind=FAILED_TASK_KIND, object_id=str(message.pk)).count() == 1
    assert [r.rcpt_tos for r in server.received] == [["archiv@debitor.example"]]


def test_every_recipient_refused_with_550_fails_the_message(server, invoice, mail_profile):
    mail_profile.mail_bcc_archive = ""
    mail_profile.save()
    server.refuse("anna@example.com", "550 5.1.1 User unknown")
    message = queue_invoice_mail(invoice)

    assert message_send(message_id=message.pk, as_of=T0).status == "failed"
    assert server.received == []


def test_a_451_greylisting_is_retried_and_the_retry_delivers_exactly_once(server, invoice, mail_profile):
    mail_profile.mail_bcc_archive = ""
    mail_profile.save()
    server.refuse("anna@example.com", "451 4.7.1 Greylisted, please try again later")
    message = queue_invoice_mail(invoice)

    with pytest.raises(MessageSendDeferred):
        message_send(message_id=message.pk, as_of=T0)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "451" in message.last_error
    assert server.received == []

    server.handler.refuse.clear()  # the greylisting period is over
    assert message_send(message_id=message.pk, as_of=T0 + timedelta(minutes=5)).status == "sent"
    assert message_send(message_id=message.pk, as_of=T0 + timedelta(minutes=6)).status == "sent"
    assert len(server.received) == 1
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 2

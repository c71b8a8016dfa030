"""The anymail path with a real provider backend (Postmark): only the HTTP call is stubbed.

The assertions read the request Postmark's API would receive (its documented JSON for
``POST /email``) and answer with Postmark's documented response shapes.
"""

from __future__ import annotations

import base64
import json

import pytest
import responses

from communications.services.inbound import reply_address_for
from communications.services.outbox import (
    FAILED_TASK_KIND,
    AttachmentSpec,
    MessageSendDeferred,
    message_queue,
    message_recipients,
    message_send,
)
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, make_company_profile
from tasks.models import FollowUpTask

POSTMARK_URL = "https://api.postmarkapp.com/email"
PDF = b"%PDF-1.7\n\x00\x01\x02\xff binary that base64 must carry unchanged\n%%EOF"
XML = '<?xml version="1.0"?><Invoice>Straße</Invoice>'.encode()


@pytest.fixture
def postmark(settings):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "test-server-token"}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as stub:
        yield stub


@pytest.fixture
def message(db):
    make_company_profile(
        mail_from_name="Debitor Test GmbH",
        mail_from_email="rechnung@debitor.example",
        mail_reply_to="antwort@debitor.example",
        mail_bcc_archive="archiv@debitor.example",
    )
    customer = make_customer(
        contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}]
    )
    return message_queue(
        customer=customer,
        template="invoice",
        language="en",
        subject="Your invoice RE-2026-000001",
        body_text="Dear Ms Schmidt,\n\nplease find your invoice attached.",
        body_html="<p>Dear Ms Schmidt,</p>",
        to=message_recipients(customer=customer),
        cause="invoice issued",
        as_of=T0,
        attachments=[
            AttachmentSpec("RE-2026-000001.pdf", "application/pdf", PDF),
            AttachmentSpec("RE-2026-000001.xml", "application/xml", XML),
        ],
    )


def test_postmark_receives_recipients_subject_attachments_metadata_tag_and_message_id(postmark, message):
    postmark.post(
        POSTMARK_URL,
        json={
            "To": "Anna Schmidt <anna@example.com>",
            "SubmittedAt": "2026-11-27T08:00:01.4431547Z",
            "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
            "ErrorCode": 0,
            "Message": "OK",
        },
    )

    sent = message_send(message_id=message.pk, as_of=T0)

    request = postmark.calls[0].request
    assert request.headers["X-Postmark-Server-Token"] == "test-server-token"
    body = json.loads(request.body)
    assert body["From"] == "Debitor Test GmbH <rechnung@debitor.example>"
    assert body["To"] == "Anna Schmidt <anna@example.com>"
    assert body["Bcc"] == "archiv@debitor.example"
    assert body["ReplyTo"] == reply_address_for(outbox_id=message.pk, mailbox="antwort@debitor.example")
    assert body["Subject"] == "Your invoice RE-2026-000001"
    assert body["TextBody"] == message.body_text
    assert body["HtmlBody"] == message.body_html
    assert body["Metadata"] == {"outbox_id": str(message.pk)}
    assert body["Tag"] == "invoice"
    headers = {h["Name"]: h["Value"] for h in body["Headers"]}
    assert headers["Message-ID"] == message.message_id
    assert headers["Content-Language"] == "en"
    assert [(a["Name"], a["ContentType"], base64.b64decode(a["Content"])) for a in body["Attachments"]] == [
        ("RE-2026-000001.pdf", "application/pdf", PDF),
        ("RE-2026-000001.xml", "application/xml", XML),
    ]

    assert sent.status == "sent"
    assert (sent.provider, sent.provider_message_id) == ("postmark", "b7bc2f4a-e38e-4336-af7d-e6c392c2f817")


def test_postmark_refusing_the_customers_address_fails_the_message_with_a_task(postmark, message):
    # 422 ErrorCode 300: nothing was sent. The BCC archive is not named in the error, so anymail
    # alone would not call this a refusal; the outbox looks at the customer's recipients.
    postmark.post(
        POSTMARK_URL, status=422, json={"ErrorCode": 300, "Message": "Invalid 'To' address: 'anna@example.com'."}
    )

    failed = message_send(message_id=message.pk, as_of=T0)

    assert failed.status == "failed"
    assert "anna@example.com (invalid)" in failed.last_error
    assert FollowUpTask.objects.filter(kind=FAILED_TASK_KIND, object_id=str(message.pk)).count() == 1


def test_postmark_inactive_recipient_fails_the_message(postmark, message):
    postmark.post(
        POSTMARK_URL,
        status=422,
        json={
            "ErrorCode": 406,
            "Message": "You tried to send to a recipient that has been marked as inactive.\n"
            "Found inactive addresses: anna@example.com.\n"
            "Inactive recipients are ones that have generated a hard bounce or a spam complaint. ",
        },
    )

    assert message_send(message_id=message.pk, as_of=T0).status == "failed"


def test_a_postmark_request_error_fails_the_message(postmark, message):
    postmark.post(POSTMARK_URL, status=422, json={"ErrorCode": 1004, "Message": "The 'Tag' field is too long."})

    failed = message_send(message_id=message.pk, as_of=T0)

    assert failed.status == "failed"
    assert "422" in failed.last_error


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (500, {"ErrorCode": 500, "Message": "Internal Server Error"}),
        (503, {"ErrorCode": 0, "Message": "Service Unavailable"}),
        (429, {"ErrorCode": 429, "Message": "Rate limit exceeded"}),
        (401, {"ErrorCode": 10, "Message": "Request does not contain a valid Server token."}),
    ],
)
def test_a_postmark_server_error_is_retried_and_the_retry_sends_once(postmark, message, status, answer):
    postmark.post(POSTMARK_URL, status=status, json=answer)
    postmark.post(
        POSTMARK_URL,
        json={
            "To": "Anna Schmidt <anna@example.com>",
            "SubmittedAt": "2026-11-27T08:05:00.0000000Z",
            "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
            "ErrorCode": 0,
            "Message": "OK",
        },
    )

    with pytest.raises(MessageSendDeferred):
        message_send(message_id=message.pk, as_of=T0)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert str(status) in message.last_error

    sent = message_send(message_id=message.pk, as_of=T0)

    assert (sent.status, sent.attempts) == ("sent", 2)
    assert sent.provider_message_id == "0a129aee-e1cd-480d-b08d-4f48548ff48d"
    assert len(postmark.calls) == 2
    assert message_send(message_id=message.pk, as_of=T0).status == "sent"
    assert len(postmark.calls) == 2

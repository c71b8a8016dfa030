"""Inbound replies through the providers' real inbound webhooks: Postmark (JSON) and Mailgun
(raw MIME and parsed fields), matched by reply address, by headers, by sender, or not at all."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from anymail.inbound import AnymailInboundMessage
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

import communications.receivers  # noqa: F401  (connects the anymail receivers also before CommunicationsConfig.ready() does)
from communications.models import InboundAttachment, InboundMessage, OutboxMessage
from communications.selectors import subjects_of
from communications.services import inbound as inbound_services
from communications.services.inbound import inbound_receive, reply_address_for, reply_address_parse
from communications.services.outbox import message_recipients_add, message_subjects_add
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, invoicing_setup, make_issued  # noqa: F401  (fixture)
from tasks.models import FollowUpTask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "debitor-webhooks:Zq8Xv2LkP0wR"
SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
MAILBOX = "replies@debitor.example"
POSTMARK_URL = "/webhooks/anymail/postmark/inbound/"
MAILGUN_MIME_URL = "/webhooks/anymail/mailgun/inbound_mime/"
MAILGUN_URL = "/webhooks/anymail/mailgun/inbound/"
PDF_IN_POSTMARK = b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PDF_IN_MAILGUN = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


# --- Helpers ----------------------------------------------------------------------------------
def basic_auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def postmark(*, to: str = MAILBOX, sender: str = "anna@example.com", headers=(), message_id: str | None = None):
    data = fixture("postmark_inbound")
    data["ToFull"][0]["Email"] = to
    data["To"] = f'"Debitor Test GmbH" <{to}>'
    data["OriginalRecipient"] = to
    data["FromFull"]["Email"] = data["From"] = sender
    data["Headers"] += [{"Name": name, "Value": value} for name, value in headers]
    if message_id is not None:
        data["Headers"] = [h for h in data["Headers"] if h["Name"] != "Message-ID"]
        data["Headers"].append({"Name": "Message-ID", "Value": message_id})
    return data


def post_postmark(client, data: dict, headers: dict | None = None):
    return client.post(
        POSTMARK_URL,
        data=json.dumps(data),
        content_type="application/json",
        **(basic_auth() if headers is None else headers),
    )


def mailgun_sign(fields: dict, key: str = SIGNING_KEY) -> dict:
    fields = dict(fields)
    fields["signature"] = hmac.new(
        key.encode(), f"{fields['timestamp']}{fields['token']}".encode(), hashlib.sha256
    ).hexdigest()
    return fields


def mailgun_mime(*, to: str = MAILBOX, key: str = SIGNING_KEY) -> dict:
    fields = fixture("mailgun_inbound_mime")
    mime = email.message_from_string(fields["body-mime"], policy=policy.compat32)
    mime.replace_header("To", f"Debitor Test GmbH <{to}>")
    fields["body-mime"] = mime.as_string()
    fields["recipient"] = to
    return mailgun_sign(fields, key)


def stored_bytes(attachment: InboundAttachment) -> bytes:
    with default_storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


@pytest.fixture
def webhooks(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


@pytest.fixture
def owner():
    return get_user_model().objects.create_user("owner", "owner@debitor.example", "pw")


@pytest.fixture
def customer(owner):
    customer = make_customer(
        contacts=[
            {"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True},
            {"name": "Ben Huber", "email": "ben@example.com", "receives_reminders": True},
        ]
    )
    customer.account_owner = owner
    customer.save(update_fields=["account_owner"])
    return customer


@pytest.fixture
def invoice(customer):
    return make_issued(customer=customer)


def make_sent(customer, *, invoice=None, message_id: str = "<outbox-1.9f8e7d@debitor.example>", **fields):
    data = {
        "customer": customer,
        "template": "invoice" if invoice else "statement",
        "language": "de",
        "from_email": "Debitor Test GmbH <buchhaltung@debitor.example>",
        "subject": "Rechnung RE-2026-0001",
        "body_text": "Guten Tag Frau Schmidt, …",
        "status": "delivered",
        "message_id": message_id,
        "provider": "Postmark",
        "provider_message_id": "883953f4-6105-42a2-a16a-77a8eac79483",
        "cause": "invoice issued",
        "created_at": T0,
        "sending_at": T0,
        "sent_at": T0,
        "delivered_at": T0 + timedelta(minutes=1),
        "updated_at": T0,
    }
    message = OutboxMessage.objects.create(**{**data, **fields})
    message_recipients_add(message=message, kind="to", entries=[{"name": "Anna Schmidt", "email": "anna@example.com"}])
    message_subjects_add(message=message, subjects=[invoice] if invoice else [])
    return message


@pytest.fixture
def sent(customer, invoice):
    return make_sent(customer, invoice=invoice)


def reply_tasks():
    return FollowUpTask.objects.filter(kind="customer_reply")


# --- Reply addresses ------------------------------------------------------------------------------
def test_a_reply_address_names_its_outbox_message_and_survives_case_folding():
    address = reply_address_for(outbox_id=42, mailbox="Replies@Debitor.example")

    assert address.startswith("Replies+42.") and address.endswith("@Debitor.example")
    assert reply_address_parse(address) == 42
    assert reply_address_parse(address.upper()) == 42
    assert reply_address_for(outbox_id=42, mailbox="replies+old@debitor.example").startswith("replies+42.")


def test_a_guessed_or_altered_reply_address_names_nothing():
    signature = reply_address_for(outbox_id=42, mailbox=MAILBOX).split("+")[1].split(".")[1].split("@")[0]

    assert reply_address_parse(f"replies+43.{signature}@debitor.example") is None
    assert reply_address_parse("replies+42.0000000000000000@debitor.example") is None
    assert reply_address_parse("replies+42@debitor.example") is None
    assert reply_address_parse(MAILBOX) is None


# --- Postmark -------------------------------------------------------------------------------------
def test_a_postmark_reply_to_our_reply_address_is_matched_to_the_message_stored_and_given_to_the_account_owner(
    client, webhooks, sent, invoice, owner, english
):
    to = reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX)

    response = post_postmark(client, postmark(to=to))

    assert response.status_code == 200
    reply = InboundMessage.objects.get()
    assert reply.matched_by == "reply_address"
    assert (reply.customer, reply.in_reply_to, subjects_of(reply)) == (sent.customer, sent, [invoice])
    assert reply.contact == sent.customer.contacts.get(email="anna@example.com")
    assert (reply.provider, reply.provider_message_id) == ("Postmark", "73e6d360-66eb-11e1-8e72-a8904824019b")
    assert reply.message_id == "<CAE3f1c+5Yq7mA0b1pQ@mail.example.com>"
    assert (reply.from_email, reply.from_name) == ("anna@example.com", "Anna Schmidt")
    assert reply.to == [{"name": "Debitor Test GmbH", "email": to}]
    assert reply.subject == "AW: Rechnung RE-2026-0001"
    assert "Freitag überwiesen" in reply.body_text and "<p>" in reply.body_html
    assert reply.headers["X-Spam-Status"] == "No"
    assert reply.headers["envelope_sender"] == "anna@example.com"
    attachment = reply.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "Zahlungsavis 2026-11.pdf",
        "application/pdf",
        len(PDF_IN_POSTMARK),
    )
    assert stored_bytes(attachment) == PDF_IN_POSTMARK
    assert attachment.sha256 == hashlib.sha256(PDF_IN_POSTMARK).hexdigest()
    task = reply_tasks().get()
    assert (task.about, task.customer, task.assignee) == (reply, sent.customer, owner)
    assert task.title == f"Reply from {sent.customer.legal_name} about {invoice.number}: AW: Rechnung RE-2026-0001"


def test_a_reply_is_stored_with_the_time_it_arrived(client, webhooks, customer, time_machine):
    time_machine.move_to(datetime(2026, 11, 27, 9, 12, 47, tzinfo=UTC), tick=False)

    post_postmark(client, postmark())

    assert InboundMessage.objects.get().received_at == datetime(2026, 11, 27, 9, 12, 47, tzinfo=UTC)


def test_a_postmark_reply_is_matched_by_in_reply_to(client, webhooks, sent, invoice):
    post_postmark(client, postmark(headers=[("In-Reply-To", sent.message_id)], sender="someone@elsewhere.example"))

    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.in_reply_to, subjects_of(reply)) == ("headers", sent, [invoice])
    assert reply.contact is None  # written by someone who is not a contact


def test_a_reply_is_matched_by_the_nearest_message_in_references(client, webhooks, customer, sent):
    older = make_sent(customer, message_id="<outbox-0.000000@debitor.example>", provider_message_id="older")
    references = f"{older.message_id} <unrelated@mail.example.com> {sent.message_id}"

    post_postmark(client, postmark(headers=[("References", references)], sender="someone@elsewhere.example"))

    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.in_reply_to) == ("headers", sent)


def test_a_postmark_mail_from_a_known_contact_is_matched_by_its_sender(client, webhooks, customer, owner):
    post_postmark(client, postmark(sender="ANNA@example.com"))

    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.customer, reply.in_reply_to, subjects_of(reply)) == ("sender", customer, None, [])
    assert reply.contact == customer.contacts.get(email="anna@example.com")
    assert reply_tasks().get().assignee == owner


def test_a_sender_who_is_a_contact_of_two_customers_is_not_matched(client, webhooks, customer, english):
    make_customer(contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}])

    post_postmark(client, postmark())

    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.customer, reply.contact) == ("none", None, None)
    task = FollowUpTask.objects.get(kind="unmatched_reply")
    assert (task.about, task.customer, task.assignee) == (reply, None, None)
    assert task.title == "E-mail from anna@example.com matches no customer: AW: Rechnung RE-2026-0001"


def test_a_forged_reply_address_does_not_attach_the_mail_to_that_customer(client, webhooks, sent):
    genuine = reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX)
    forged = genuine.replace(f"+{sent.pk}.", f"+{sent.pk}.f").replace("@", "0@", 1)
    other_outbox_forged = f"replies+{sent.pk}.{'ab' * 8}@debitor.example"

    post_postmark(client, postmark(to=forged, sender="mallory@evil.example", message_id="<m1@evil.example>"))
    post_postmark(client, postmark(to=other_outbox_forged, sender="mallory@evil.example", message_id="<m2@evil>"))

    assert list(InboundMessage.objects.values_list("matched_by", "customer", "in_reply_to")) == [
        ("none", None, None),
        ("none", None, None),
    ]


def test_the_same_postmark_inbound_posted_twice_is_stored_once(client, webhooks, sent):
    data = postmark(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX))

    assert post_postmark(client, data).status_code == 200
    assert post_postmark(client, data).status_code == 200

    assert InboundMessage.objects.count() == 1
    assert InboundAttachment.objects.count() == 1
    assert reply_tasks().count() == 1


def test_a_reply_to_a_customer_without_an_account_owner_opens_an_unassigned_task(client, webhooks, sent, customer):
    customer.account_owner = None
    customer.save(update_fields=["account_owner"])

    post_postmark(client, postmark(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX)))

    task = reply_tasks().get()
    assert (task.customer, task.assignee) == (customer, None)


@pytest.mark.parametrize(
    "headers", [pytest.param({}, id="no basic auth"), pytest.param(basic_auth("x:wrong"), id="wrong password")]
)
def test_an_unauthenticated_postmark_inbound_post_is_refused_and_stores_nothing(client, webhooks, sent, headers):
    response = post_postmark(client, postmark(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX)), headers)

    assert response.status_code == 401  # communications/webhooks.py
    assert InboundMessage.objects.count() == 0
    assert FollowUpTask.objects.count() == 0


# --- Mailgun --------------------------------------------------------------------------------------
def test_a_mailgun_raw_mime_reply_to_our_reply_address_is_matched_with_its_attachment_intact(
    client, webhooks, sent, invoice, owner
):
    fields = mailgun_mime(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX))

    response = client.post(MAILGUN_MIME_URL, data=fields, **basic_auth())

    assert response.status_code == 200
    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.in_reply_to, subjects_of(reply), reply.provider) == (
        "reply_address",
        sent,
        [invoice],
        "Mailgun",
    )
    assert reply.message_id == "<20261127092009.GA4711@mail.example.com>"
    assert reply.subject == "AW: Rechnung RE-2026-0001 – Rückfrage"
    assert "Lieferschein hängt an" in reply.body_text
    attachment = reply.attachments.get()
    assert (attachment.filename, attachment.content_type) == ("Lieferschein LS-0815.pdf", "application/pdf")
    assert stored_bytes(attachment) == PDF_IN_MAILGUN
    assert reply_tasks().get().assignee == owner


def test_a_mailgun_parsed_reply_with_an_uploaded_attachment_is_matched_by_its_sender(client, webhooks, customer):
    receipt = b"%PDF-1.7\n\x00\x01\x02\xff Beleg\n%%EOF\n"
    fields = mailgun_sign(fixture("mailgun_inbound_parsed"))
    fields["attachment-1"] = SimpleUploadedFile("Überweisung.pdf", receipt, content_type="application/pdf")

    response = client.post(MAILGUN_URL, data=fields, **basic_auth())

    assert response.status_code == 200
    reply = InboundMessage.objects.get()
    assert (reply.matched_by, reply.customer, reply.contact.email) == ("sender", customer, "ben@example.com")
    assert reply.message_id == "<CAF9x2Lm0Zahlung4711@mail.example.com>"
    attachment = reply.attachments.get()
    assert attachment.filename == "Überweisung.pdf"
    assert stored_bytes(attachment) == receipt


def test_the_same_mailgun_inbound_posted_twice_is_stored_once(client, webhooks, sent):
    fields = mailgun_mime(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX))

    client.post(MAILGUN_MIME_URL, data=fields, **basic_auth())
    client.post(MAILGUN_MIME_URL, data=fields, **basic_auth())

    assert InboundMessage.objects.count() == 1
    assert reply_tasks().count() == 1


@pytest.mark.parametrize(
    "key, headers",
    [pytest.param("key-wrong", None, id="bad signature"), pytest.param(SIGNING_KEY, {}, id="no basic auth")],
)
def test_an_unauthenticated_mailgun_inbound_post_is_refused_and_stores_nothing(client, webhooks, sent, key, headers):
    fields = mailgun_mime(to=reply_address_for(outbox_id=sent.pk, mailbox=MAILBOX), key=key)

    response = client.post(MAILGUN_MIME_URL, data=fields, **(basic_auth() if headers is None else headers))

    assert response.status_code == (401 if headers == {} else 403)
    assert InboundMessage.objects.count() == 0


# --- The service's rules --------------------------------------------------------------------------
AS_OF = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def build(*, sender="anna@example.com", headers=(), attachments=()):
    return AnymailInboundMessage.construct(
        from_email=f"Anna Schmidt <{sender}>",
        to=MAILBOX,
        subject="Abwesenheitsnotiz",
        headers=list(headers),
        text="Ich bin bis 4. Dezember nicht im Büro.",
        attachments=[
            AnymailInboundMessage.construct_attachment(content_type=kind, content=data, filename=name)
            for name, kind, data in attachments
        ],
    )


def test_an_out_of_office_reply_opens_a_low_priority_task(customer):
    inbound_receive(
        provider="Postmark",
        message=build(headers=[("Message-ID", "<ooo@mail.example.com>"), ("Auto-Submitted", "auto-replied")]),
        as_of=AS_OF,
    )

    assert reply_tasks().get().priority == FollowUpTask.Priority.LOW


def test_an_oversized_attachment_is_refused_with_its_reason_and_the_rest_is_stored(customer, monkeypatch, english):
    monkeypatch.setattr(inbound_services, "MAX_ATTACHMENT_BYTES", 10)
    message = build(
        headers=[("Message-ID", "<big@mail.example.com>")],
        attachments=[("klein.txt", "text/plain", b"kurz"), ("riesig.bin", "application/octet-stream", b"x" * 11)],
    )

    reply = inbound_receive(provider="Postmark", message=message, as_of=AS_OF)

    assert [a.filename for a in reply.attachments.all()] == ["klein.txt"]
    assert reply.headers["X-Debitor-Refused-Attachments"] == [
        {"filename": "riesig.bin", "size": 11, "reason": "larger than 10\xa0bytes"}
    ]
    assert "riesig.bin" in reply_tasks().get().description


def test_a_file_name_cannot_leave_the_storage_folder(customer):
    message = build(
        headers=[("Message-ID", "<path@mail.example.com>")],
        attachments=[("../../../etc/passwd", "text/plain", b"root:x:0:0")],
    )

    attachment = inbound_receive(provider="Postmark", message=message, as_of=AS_OF).attachments.get()

    assert attachment.filename == "passwd"
    assert attachment.file.name.startswith("inbound/2026/11/") and ".." not in attachment.file.name
    assert stored_bytes(attachment) == b"root:x:0:0"


def test_a_mail_without_message_id_is_still_stored_once_per_provider_id(customer):
    message = build()

    first = inbound_receive(provider="Postmark", message=message, as_of=AS_OF, provider_message_id="pm-1")
    again = inbound_receive(provider="Postmark", message=message, as_of=AS_OF, provider_message_id="pm-1")

    assert first == again
    assert InboundMessage.objects.count() == 1

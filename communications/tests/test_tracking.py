"""Delivery tracking through the providers' real webhooks: Postmark, Mailgun and Brevo.

Payloads in fixtures/webhooks/ have the shape the providers document; each test posts one to
the URL the provider would call, with the authentication it would send, through anymail's view,
its signal and our receiver into ``communications.services.tracking``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

import communications.receivers  # noqa: F401  (connects the anymail receivers also before CommunicationsConfig.ready() does)
from communications.models import MessageEvent, OutboxMessage
from communications.services.outbox import message_recipients_add, message_subjects_add
from communications.services.tracking import message_track
from customers.tests.factories import make_customer
from invoicing.models import InvoiceEvent
from invoicing.services.receipts import invoice_received_at
from invoicing.tests.factories import T0, invoicing_setup, make_issued  # noqa: F401  (fixture)
from tasks.models import FollowUpTask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "debitor-webhooks:Zq8Xv2LkP0wR"
SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
POSTMARK_ID = "883953f4-6105-42a2-a16a-77a8eac79483"
MAILGUN_ID = "<20261127080112.1.ABCDEF0123456789@mg.debitor.example>"
BREVO_ID = "<202611270801.12345678901@smtp-relay.mailin.fr>"
POSTMARK_URL = "/webhooks/anymail/postmark/tracking/"
MAILGUN_URL = "/webhooks/anymail/mailgun/tracking/"
BREVO_URL = "/webhooks/anymail/brevo/tracking/"


# --- Helpers ----------------------------------------------------------------------------------
def basic_auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def payload(name: str, outbox: OutboxMessage | None = None) -> dict:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    if outbox is not None:
        if name.startswith("postmark"):
            data["Metadata"]["outbox_id"] = str(outbox.pk)
        elif name.startswith("mailgun"):
            data["event-data"]["user-variables"]["outbox_id"] = str(outbox.pk)
        else:
            data["X-Mailin-custom"] = json.dumps({"outbox_id": outbox.pk})
    return data


def mailgun_signed(data: dict, key: str = SIGNING_KEY) -> dict:
    data = copy.deepcopy(data)
    block = data["signature"]
    block["signature"] = hmac.new(
        key.encode(), f"{block['timestamp']}{block['token']}".encode(), hashlib.sha256
    ).hexdigest()
    return data


def post(client, url: str, data: dict, headers: dict | None = None):
    return client.post(
        url, data=json.dumps(data), content_type="application/json", **(basic_auth() if headers is None else headers)
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


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


def make_sent(customer, *, provider: str = "Postmark", provider_message_id: str = POSTMARK_ID, invoice=None, **fields):
    contact = customer.contacts.get(email="anna@example.com")
    data = {
        "customer": customer,
        "template": "invoice" if invoice else "due_date_changed",
        "language": "de",
        "from_email": "Debitor Test GmbH <buchhaltung@debitor.example>",
        "subject": "Rechnung RE-2026-0001",
        "body_text": "Guten Tag Frau Schmidt, …",
        "status": "sent",
        "message_id": f"<outbox-{provider_message_id[:8]}.a1b2c3@debitor.example>",
        "provider": provider,
        "provider_message_id": provider_message_id,
        "cause": "invoice issued",
        "created_at": T0,
        "sending_at": T0,
        "sent_at": T0 + timedelta(seconds=2),
        "updated_at": T0,
    }
    message = OutboxMessage.objects.create(**{**data, **fields})
    to = [{"name": contact.name, "email": contact.email, "contact_id": contact.pk}]
    message_recipients_add(message=message, kind="to", entries=to)
    message_recipients_add(message=message, kind="bcc", entries=[{"name": "", "email": "archiv@debitor.example"}])
    message_subjects_add(message=message, subjects=[invoice] if invoice else [])
    return message


@pytest.fixture
def invoice(customer):
    return make_issued(customer=customer)


@pytest.fixture
def sent(customer, invoice):
    """An invoice e-mail handed to Postmark."""
    return make_sent(customer, invoice=invoice)


def state(outbox: OutboxMessage) -> dict:
    """Everything tracking may change, for 'nothing changed' assertions."""
    outbox.refresh_from_db()
    contacts = outbox.customer.contacts.order_by("pk")
    return {
        "status": outbox.status,
        "delivered_at": outbox.delivered_at,
        "bounced_at": outbox.bounced_at,
        "opened_at": outbox.opened_at,
        "events": MessageEvent.objects.filter(message=outbox).count(),
        "invalid": [c.email_invalid_since for c in contacts],
        "tasks": FollowUpTask.objects.count(),
        "invoice_events": InvoiceEvent.objects.count(),
    }


def bounce_tasks():
    return FollowUpTask.objects.filter(kind="email_bounced")


# --- Postmark -------------------------------------------------------------------------------------
def test_a_postmark_delivery_marks_the_message_delivered_and_records_the_invoices_date_of_receipt(
    client, webhooks, sent, invoice
):
    response = post(client, POSTMARK_URL, payload("postmark_delivery", sent))

    assert response.status_code == 200
    sent.refresh_from_db()
    delivered = utc(2026, 11, 27, 8, 1, 12, 437025)
    assert sent.status == "delivered"
    assert sent.delivered_at == delivered
    event = sent.events.get()
    assert (event.kind, event.at, event.data["provider"], event.data["recipient"]) == (
        "delivered",
        delivered,
        "Postmark",
        "anna@example.com",
    )
    assert "250 2.0.0 OK" in event.description
    receipt = InvoiceEvent.objects.get(invoice=invoice, kind="delivered")
    assert receipt.at == delivered
    assert receipt.data["outbox_id"] == sent.pk
    assert invoice_received_at(invoice) == delivered


def test_the_same_postmark_delivery_posted_twice_is_recorded_once(client, webhooks, sent, invoice):
    data = payload("postmark_delivery", sent)

    assert post(client, POSTMARK_URL, data).status_code == 200
    assert post(client, POSTMARK_URL, data).status_code == 200

    assert sent.events.filter(kind="delivered").count() == 1
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="delivered").count() == 1


def test_a_postmark_hard_bounce_marks_the_contact_invalid_and_asks_the_account_owner_to_correct_it(
    client, webhooks, sent, owner, english
):
    response = post(client, POSTMARK_URL, payload("postmark_bounce_hard", sent))

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == "bounced"
    assert sent.bounced_at == utc(2026, 11, 27, 8, 2, 40, 115000)
    assert sent.events.get().provider_event_id == "4323372036854775807"
    anna = sent.customer.contacts.get(email="anna@example.com")
    assert anna.email_invalid_since == sent.bounced_at
    assert "550 5.1.1" in anna.email_invalid_reason and anna.email_invalid_reason.startswith("Postmark: ")
    assert anna.history.first().history_change_reason.startswith("Postmark: ")
    assert sent.customer.contacts.get(email="ben@example.com").email_invalid_since is None
    task = bounce_tasks().get()
    assert task.about == anna
    assert (task.customer, task.assignee, task.created_by_rule) == (sent.customer, owner, "e-mail delivery tracking")
    assert task.title == "E-mail to anna@example.com bounced: correct the address"
    assert "Rechnung RE-2026-0001" in task.description


def test_bounces_of_two_messages_to_one_address_open_one_task(client, webhooks, sent, customer, english):
    second = make_sent(customer, provider_message_id="0c5a0f12-8d7e-4b61-9a3c-1f2e3d4c5b6a")
    post(client, POSTMARK_URL, payload("postmark_bounce_hard", sent))
    data = payload("postmark_bounce_hard", second)
    data.update(MessageID=second.provider_message_id, ID=4323372036854775999)
    post(client, POSTMARK_URL, data)

    second.refresh_from_db()
    assert second.status == "bounced"
    assert bounce_tasks().count() == 1


def test_a_postmark_soft_bounce_is_recorded_and_changes_nothing_else(client, webhooks, sent):
    before = state(sent)

    response = post(client, POSTMARK_URL, payload("postmark_bounce_soft", sent))

    assert response.status_code == 200
    after = state(sent)
    assert after == {**before, "events": 1}
    event = sent.events.get()
    assert event.kind == "deferred"
    assert "over quota" in event.description


def test_a_postmark_open_sets_the_first_open_only_and_keeps_the_status(client, webhooks, sent):
    post(client, POSTMARK_URL, payload("postmark_delivery", sent))
    post(client, POSTMARK_URL, payload("postmark_open", sent))
    later = payload("postmark_open", sent)
    later["ReceivedAt"] = "2026-11-28T07:00:00.0000000Z"
    post(client, POSTMARK_URL, later)

    sent.refresh_from_db()
    assert sent.status == "delivered"
    assert sent.opened_at == utc(2026, 11, 27, 9, 15, 3)
    assert sent.events.filter(kind="opened").count() == 2


def test_a_postmark_spam_complaint_blocks_the_address_but_keeps_the_status(client, webhooks, sent, english):
    post(client, POSTMARK_URL, payload("postmark_delivery", sent))

    response = post(client, POSTMARK_URL, payload("postmark_spam_complaint", sent))

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == "delivered"
    assert sent.events.filter(kind="complained").count() == 1
    anna = sent.customer.contacts.get(email="anna@example.com")
    assert anna.email_invalid_since == utc(2026, 11, 27, 10, 30)
    assert bounce_tasks().get().title == "anna@example.com marked our e-mail as spam: check the address"


def test_a_delivery_reported_after_the_bounce_is_recorded_but_does_not_undo_it(client, webhooks, sent, invoice):
    post(client, POSTMARK_URL, payload("postmark_bounce_hard", sent))

    post(client, POSTMARK_URL, payload("postmark_delivery", sent))

    sent.refresh_from_db()
    assert sent.status == "bounced"
    assert sent.delivered_at is None
    assert set(sent.events.values_list("kind", flat=True)) == {"bounced", "delivered"}
    assert not InvoiceEvent.objects.filter(invoice=invoice, kind="delivered").exists()
    assert invoice_received_at(invoice) is None


def test_a_bounce_after_the_delivery_report_moves_on_and_the_invoice_counts_as_not_received(
    client, webhooks, sent, invoice
):
    post(client, POSTMARK_URL, payload("postmark_delivery", sent))

    post(client, POSTMARK_URL, payload("postmark_bounce_hard", sent))

    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at is not None, sent.bounced_at is not None) == ("bounced", True, True)
    assert invoice_received_at(invoice) is None


def test_an_event_for_a_message_we_do_not_know_answers_200_and_changes_nothing(client, webhooks, sent):
    before = state(sent)
    data = payload("postmark_delivery")
    data["MessageID"] = "00000000-0000-0000-0000-000000000000"
    data["Metadata"] = {}

    response = post(client, POSTMARK_URL, data)

    assert response.status_code == 200
    assert state(sent) == before
    assert MessageEvent.objects.count() == 0


def test_an_outbox_id_whose_row_carries_another_provider_message_id_is_ignored(client, webhooks, sent):
    """A staging installation sending through the same Postmark server must not move our row."""
    before = state(sent)
    data = payload("postmark_bounce_hard", sent)
    data["MessageID"] = "7d1b5f0e-0000-4000-8000-5ba6e0000001"

    assert post(client, POSTMARK_URL, data).status_code == 200

    assert state(sent) == before


def test_an_event_that_arrives_before_the_sender_recorded_the_provider_id_is_matched_by_the_outbox_id(
    client, webhooks, customer
):
    racing = make_sent(customer, status="sending", sent_at=None, provider_message_id="")

    post(client, POSTMARK_URL, payload("postmark_delivery", racing))

    racing.refresh_from_db()
    assert racing.status == "delivered"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no basic auth"),
        pytest.param(basic_auth("debitor-webhooks:wrong"), id="wrong password"),
        pytest.param(basic_auth("someone:" + SECRET.split(":")[1]), id="wrong user"),
    ],
)
def test_an_unauthenticated_postmark_post_is_refused_and_changes_nothing(client, webhooks, sent, headers):
    before = state(sent)

    response = post(client, POSTMARK_URL, payload("postmark_bounce_hard", sent), headers=headers)

    assert response.status_code == 401  # communications/webhooks.py
    assert state(sent) == before


def test_webhooks_are_refused_while_no_webhook_secret_is_configured(client, settings, sent):
    """anymail itself would only warn and accept anyone's post."""
    settings.ANYMAIL = {}
    before = state(sent)

    response = post(client, POSTMARK_URL, payload("postmark_delivery", sent), headers={})

    assert response.status_code == 403
    assert state(sent) == before


def test_a_get_on_a_webhook_is_not_allowed(client, webhooks):
    assert client.get(POSTMARK_URL, **basic_auth()).status_code == 405


# --- Mailgun --------------------------------------------------------------------------------------
@pytest.fixture
def sent_mailgun(customer, invoice):
    return make_sent(customer, invoice=invoice, provider="Mailgun", provider_message_id=MAILGUN_ID)


def test_a_mailgun_delivery_marks_the_message_delivered(client, webhooks, sent_mailgun, invoice):
    response = post(client, MAILGUN_URL, mailgun_signed(payload("mailgun_delivered", sent_mailgun)))

    assert response.status_code == 200
    sent_mailgun.refresh_from_db()
    assert sent_mailgun.status == "delivered"
    assert sent_mailgun.delivered_at == utc(2026, 11, 27, 8, 1, 12, 908181)
    assert invoice_received_at(invoice) == sent_mailgun.delivered_at


def test_a_mailgun_delivery_is_found_by_its_message_id_without_metadata(client, webhooks, sent_mailgun):
    data = payload("mailgun_delivered")
    data["event-data"]["user-variables"] = {}

    post(client, MAILGUN_URL, mailgun_signed(data))

    sent_mailgun.refresh_from_db()
    assert sent_mailgun.status == "delivered"


def test_the_same_mailgun_event_posted_twice_is_recorded_once(client, webhooks, sent_mailgun):
    data = mailgun_signed(payload("mailgun_failed_permanent", sent_mailgun))

    assert post(client, MAILGUN_URL, data).status_code == 200
    assert post(client, MAILGUN_URL, data).status_code == 200

    assert sent_mailgun.events.count() == 1
    assert bounce_tasks().count() == 1


def test_a_mailgun_permanent_failure_is_a_hard_bounce(client, webhooks, sent_mailgun, owner):
    post(client, MAILGUN_URL, mailgun_signed(payload("mailgun_failed_permanent", sent_mailgun)))

    sent_mailgun.refresh_from_db()
    assert sent_mailgun.status == "bounced"
    anna = sent_mailgun.customer.contacts.get(email="anna@example.com")
    assert anna.email_invalid_since == utc(2026, 11, 27, 8, 2, 40, 223311)
    assert "does not exist" in anna.email_invalid_reason
    task = bounce_tasks().get()
    assert (task.about, task.assignee) == (anna, owner)


def test_a_mailgun_temporary_failure_is_recorded_only(client, webhooks, sent_mailgun):
    before = state(sent_mailgun)

    post(client, MAILGUN_URL, mailgun_signed(payload("mailgun_failed_temporary", sent_mailgun)))

    assert state(sent_mailgun) == {**before, "events": 1}
    assert sent_mailgun.events.get().kind == "deferred"


def test_a_mailgun_open_and_complaint(client, webhooks, sent_mailgun):
    post(client, MAILGUN_URL, mailgun_signed(payload("mailgun_opened", sent_mailgun)))
    post(client, MAILGUN_URL, mailgun_signed(payload("mailgun_complained", sent_mailgun)))

    sent_mailgun.refresh_from_db()
    assert sent_mailgun.opened_at == utc(2026, 11, 27, 9, 15, 3, 151041)
    assert sent_mailgun.status == "sent"
    assert sent_mailgun.customer.contacts.get(email="anna@example.com").email_invalid_since is not None
    assert bounce_tasks().count() == 1


@pytest.mark.parametrize(
    "sign_with, headers",
    [
        pytest.param("key-wrong", None, id="bad signature"),
        pytest.param(None, None, id="no signature"),
        pytest.param(SIGNING_KEY, {}, id="signed but no basic auth"),
    ],
)
def test_an_unauthenticated_mailgun_post_is_refused_and_changes_nothing(
    client, webhooks, sent_mailgun, sign_with, headers
):
    before = state(sent_mailgun)
    data = payload("mailgun_failed_permanent", sent_mailgun)
    if sign_with:
        data = mailgun_signed(data, key=sign_with)

    response = post(client, MAILGUN_URL, data, headers=headers)

    assert response.status_code == (401 if headers == {} else 403)
    assert state(sent_mailgun) == before


# --- Brevo ----------------------------------------------------------------------------------------
@pytest.fixture
def sent_brevo(customer, invoice):
    return make_sent(customer, invoice=invoice, provider="Brevo", provider_message_id=BREVO_ID)


def test_a_brevo_delivery_without_an_event_id_posted_twice_is_recorded_once(client, webhooks, sent_brevo):
    data = payload("brevo_delivered", sent_brevo)

    assert post(client, BREVO_URL, data).status_code == 200
    assert post(client, BREVO_URL, data).status_code == 200

    sent_brevo.refresh_from_db()
    assert sent_brevo.status == "delivered"
    event = sent_brevo.events.get()
    assert event.provider_event_id.startswith("sha256:")


def test_a_brevo_hard_bounce_marks_the_contact_invalid(client, webhooks, sent_brevo):
    post(client, BREVO_URL, payload("brevo_hard_bounce", sent_brevo))

    sent_brevo.refresh_from_db()
    assert sent_brevo.status == "bounced"
    assert "User unknown" in sent_brevo.customer.contacts.get(email="anna@example.com").email_invalid_reason


def test_an_unauthenticated_brevo_post_is_refused(client, webhooks, sent_brevo):
    before = state(sent_brevo)

    assert post(client, BREVO_URL, payload("brevo_hard_bounce", sent_brevo), headers={}).status_code == 401

    assert state(sent_brevo) == before


# --- The service's rules --------------------------------------------------------------------------
def track(outbox, **overrides):
    data = {
        "provider": "Postmark",
        "event_type": "bounced",
        "message_id": outbox.provider_message_id,
        "metadata": {"outbox_id": str(outbox.pk)},
        "timestamp": utc(2026, 11, 27, 8, 5),
        "event_id": "1",
        "recipient": "anna@example.com",
        "description": "",
        "mta_response": "550 5.1.1 user unknown",
        "raw": {"Type": "HardBounce"},
        "as_of": utc(2026, 11, 27, 8, 6),
        "reject_reason": "bounced",
    }
    return message_track(**{**data, **overrides})


def test_a_bounce_of_the_bcc_archive_copy_does_not_mark_the_customers_message_bounced(sent):
    track(sent, recipient="archiv@debitor.example")

    sent.refresh_from_db()
    assert sent.status == "sent"
    assert sent.customer.contacts.filter(email_invalid_since__isnull=False).count() == 0


def test_the_delivery_of_the_bcc_archive_copy_is_not_the_customers_receipt(sent, invoice):
    track(sent, event_type="delivered", recipient="archiv@debitor.example")

    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at) == ("sent", None)
    assert invoice_received_at(invoice) is None
    assert not InvoiceEvent.objects.filter(invoice=invoice, kind="delivered").exists()


def test_a_policy_rejection_marks_the_message_bounced_but_not_the_address(sent, english):
    track(sent, event_type="rejected", reject_reason="blocked", raw={"Type": "DMARCPolicy"})

    sent.refresh_from_db()
    assert sent.status == "bounced"
    assert sent.customer.contacts.filter(email_invalid_since__isnull=False).count() == 0
    task = bounce_tasks().get()
    assert task.about == sent
    assert task.title == "Provider refused the e-mail to anna@example.com: check the provider"


def test_a_rejection_for_an_invalid_address_marks_the_contact(sent):
    track(sent, event_type="rejected", reject_reason="invalid", raw={"Type": "BadEmailAddress"})

    assert sent.customer.contacts.get(email="anna@example.com").email_invalid_since is not None


def test_a_contact_already_marked_invalid_keeps_its_first_date_and_reason(sent):
    track(sent, event_id="1", mta_response="first")
    track(sent, event_id="2", mta_response="second", timestamp=utc(2026, 12, 1, 8, 0))

    anna = sent.customer.contacts.get(email="anna@example.com")
    assert anna.email_invalid_since == utc(2026, 11, 27, 8, 5)
    assert anna.email_invalid_reason == "Postmark: first"


def test_provider_events_never_move_a_queued_failed_or_cancelled_message(customer):
    for status in ("failed", "cancelled"):
        outbox = make_sent(customer, status=status, provider_message_id=f"id-{status}")
        track(outbox, event_type="delivered", event_id=f"d-{status}")
        outbox.refresh_from_db()
        assert (outbox.status, outbox.delivered_at) == (status, None)
        assert outbox.events.get().kind == "delivered"


def test_the_date_of_receipt_is_the_first_delivery_among_sends_of_the_invoice(customer, invoice):
    first = make_sent(customer, invoice=invoice, provider_message_id="first")
    again = make_sent(customer, invoice=invoice, provider_message_id="again", resend_of=first)
    notice = make_sent(customer, invoice=invoice, provider_message_id="notice", template="due_date_changed")
    track(again, event_type="delivered", event_id="", timestamp=utc(2026, 11, 29, 9, 0))
    track(first, event_type="delivered", event_id="", timestamp=utc(2026, 11, 28, 9, 0))
    track(notice, event_type="delivered", event_id="", timestamp=utc(2026, 11, 27, 12, 0))

    assert invoice_received_at(invoice) == utc(2026, 11, 28, 9, 0)
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="delivered").count() == 2


def test_unknown_message_returns_none(sent):
    assert track(sent, message_id="nope", metadata={}) is None


def test_the_date_of_receipt_is_read_in_one_query(customer, invoice, django_assert_num_queries):
    for number in range(3):
        outbox = make_sent(customer, invoice=invoice, provider_message_id=f"m{number}")
        track(outbox, event_type="delivered", event_id=f"d{number}")

    with django_assert_num_queries(1):
        invoice_received_at(invoice)


# --- Event log --------------------------------------------------------------------------------------
def test_a_webhook_logs_what_it_changed_with_the_provider_as_actor_and_without_the_recipient(
    client, webhooks, sent, invoice, customer
):
    from core.models import Event

    assert post(client, POSTMARK_URL, payload("postmark_delivery", sent)).status_code == 200

    logged = {event.type: event for event in Event.objects.filter(customer_id=customer.pk)}
    delivered = logged["message.delivered"]
    assert delivered.object_id == sent.pk
    assert (delivered.actor_provider, delivered.actor_user_id, delivered.actor_api_key_id) == ("Postmark", None, None)
    assert delivered.data["provider"] == "Postmark"
    assert not {"raw", "recipient", "received_at"} & set(delivered.data)
    assert "anna@example.com" not in json.dumps(delivered.data)
    # The invoice's own event, written by invoicing's reaction in the same request, names the same actor.
    assert logged["invoice.delivered"].actor_provider == "Postmark"

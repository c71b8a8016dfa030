"""The outbox: queueing, sending exactly once through the configured backend, errors, stuck rows."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import requests
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail.backends import locmem
from django.db import transaction
from django.utils import translation

from communications.handlers import handle_send_message
from communications.mail import HandOff, send_error_kind
from communications.models import MessageEvent, OutboxAttachment, OutboxMessage
from communications.services.inbound import reply_address_for
from communications.services.outbox import (
    FAILED_TASK_KIND,
    SEND_JOB_KIND,
    STUCK_TASK_KIND,
    AttachmentSpec,
    MessageSendDeferred,
    message_cancel,
    message_mark_sent,
    message_queue,
    message_recipients,
    message_resend,
    message_send,
    messages_check_stuck,
)
from core.models import Job
from core.services import job_enqueue, job_run
from customers.models import Contact
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, make_company_profile
from tasks.models import FollowUpTask

PDF = b"%PDF-1.7\n% not really a PDF, but bytes that must arrive unchanged \x00\xff\n%%EOF\n"
XML = '<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice>Größe</rsm:CrossIndustryInvoice>'.encode()


@pytest.fixture
def profile(db):
    return make_company_profile(
        mail_from_name="Debitor Test GmbH Buchhaltung",
        mail_from_email="rechnung@debitor.example",
        mail_reply_to="antwort@debitor.example",
        mail_bcc_archive="archiv@debitor.example",
    )


@pytest.fixture
def customer(profile):
    return make_customer(
        contacts=[
            {"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True},
            {"name": "Bernd Weber", "email": "bernd@example.com", "receives_invoices": True},
            {"name": "Carla Mahn", "email": "carla@example.com", "receives_reminders": True},
        ]
    )


def queue(customer, **overrides):
    data = {
        "customer": customer,
        "template": "invoice",
        "language": "de",
        "subject": "Ihre Rechnung RE-2026-000001 über 238,00 €",
        "body_text": "Guten Tag Frau Schmidt,\n\nanbei Ihre Rechnung.",
        "body_html": "<p>Guten Tag Frau Schmidt,</p><p>anbei Ihre Rechnung.</p>",
        "to": message_recipients(customer=customer),
        "cause": "invoice issued",
        "as_of": T0,
        "attachments": [
            AttachmentSpec("RE-2026-000001.pdf", "application/pdf", PDF),
            AttachmentSpec("RE-2026-000001.xml", "application/xml", XML),
        ],
    }
    return message_queue(**{**data, **overrides})


def test_recipients_are_rows_linked_to_their_contact_or_staff_user_and_never_to_a_foreign_contact(
    customer, django_user_model
):
    anna = customer.contacts.get(email="anna@example.com")
    stranger = make_customer(contacts=[{"name": "Fremd", "email": "fremd@example.com"}]).contacts.get()
    clerk = django_user_model.objects.create_user(username="clerk", email="clerk@debitor.example")

    message = queue(
        customer,
        to=[{"name": anna.name, "email": anna.email, "contact_id": anna.pk}],
        cc=[
            {"name": "Clerk", "email": clerk.email, "user_id": clerk.pk},
            # a contact id of another customer is not claimed for this message; the address stays
            {"name": "Fremd", "email": "fremd@example.com", "contact_id": stranger.pk},
        ],
    )

    rows = message.recipients.order_by("id").values_list("kind", "address", "contact_id", "user_id")
    assert list(rows) == [
        ("to", "anna@example.com", anna.pk, None),
        ("cc", "clerk@debitor.example", None, clerk.pk),
        ("cc", "fremd@example.com", None, None),
        ("bcc", "archiv@debitor.example", None, None),
        ("reply_to", message.reply_to[0]["email"], None, None),
    ]
    assert message.to_addresses == ["anna@example.com"]


def test_a_staff_message_has_no_customer_and_goes_to_users_sent_bounced_and_sent_again(
    profile, mailoutbox, django_user_model
):
    from communications.services.tracking import message_track

    clerk = django_user_model.objects.create_user(username="clerk", email="clerk@debitor.example")
    message = message_queue(
        template="task_digest",
        language="de",
        subject="Ihre Aufgaben",
        body_text="Drei offene Aufgaben.",
        to=[{"name": "Clerk", "email": clerk.email, "user_id": clerk.pk}],
        cause="daily digest",
        as_of=T0,
    )
    message_send(message_id=message.pk, as_of=T0)
    message_track(
        provider="Postmark",
        event_type="bounced",
        message_id="",
        metadata={"outbox_id": str(message.pk)},
        timestamp=T0,
        event_id="b1",
        recipient=clerk.email,
        description="",
        mta_response="550 5.1.1 user unknown",
        raw={"Type": "HardBounce"},
        as_of=T0,
        reject_reason="bounced",
    )
    again = message_resend(message=message, as_of=T0 + timedelta(hours=1), by=None)

    message.refresh_from_db()
    assert message.customer is None and message.status == "bounced"
    assert [m.to for m in mailoutbox] == [[f"Clerk <{clerk.email}>"]]
    # the bounce asks a person without a customer or account owner to ask
    task = FollowUpTask.objects.get()
    assert (task.customer, task.assignee) == (None, None)
    assert again.customer is None and again.recipients.get(kind="to").user == clerk
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        message_queue(template="task_digest", language="de", subject="S", body_text="T", to=[], cause="c", as_of=T0)
    assert refused.value.message_dict["to"] == ["Kein Empfänger: Geben Sie mindestens eine Adresse an."]


def counts() -> tuple[int, int, int, int]:
    return (
        OutboxMessage.objects.count(),
        OutboxAttachment.objects.count(),
        MessageEvent.objects.count(),
        Job.objects.filter(kind=SEND_JOB_KIND).count(),
    )


class ScriptedBackend(locmem.EmailBackend):
    """locmem, but each send first takes the next scripted error (None: send normally)."""

    script: list[BaseException | None] = []

    def send_messages(self, messages):
        if ScriptedBackend.script:
            error = ScriptedBackend.script.pop(0)
            if error is not None:
                raise error
        return super().send_messages(messages)


@pytest.fixture
def scripted(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.ScriptedBackend"
    ScriptedBackend.script = []
    yield ScriptedBackend.script
    ScriptedBackend.script = []


def tasks_of(kind: str, message: OutboxMessage):
    return FollowUpTask.objects.filter(kind=kind, object_id=str(message.pk))


# --- Recipients and queueing ------------------------------------------------------------------
def test_recipients_are_the_flagged_contacts_whose_address_is_not_marked_invalid(profile):
    customer = make_customer(
        contacts=[
            {"name": "Zoe Zander", "email": "zoe@example.com", "receives_invoices": True},
            {"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True},
            {"name": "Anna Zweitkonto", "email": "ANNA@example.com", "receives_invoices": True},
            {"name": "Bounced Bob", "email": "bob@example.com", "receives_invoices": True},
            {"name": "Not Flagged", "email": "nf@example.com"},
            {"name": "No Mail", "email": ""},
            {"name": "Reminders Only", "email": "rem@example.com", "receives_reminders": True},
        ]
    )
    Contact.objects.filter(email="bob@example.com").update(email_invalid_since=T0, email_invalid_reason="550 unknown")
    ids = dict(Contact.objects.filter(customer=customer).values_list("email", "pk"))

    assert message_recipients(customer=customer) == [
        {"name": "Anna Schmidt", "email": "anna@example.com", "contact_id": ids["anna@example.com"]},
        {"name": "Zoe Zander", "email": "zoe@example.com", "contact_id": ids["zoe@example.com"]},
    ]
    assert [r["email"] for r in message_recipients(customer=customer, purpose="reminders")] == ["rem@example.com"]
    with pytest.raises(ValueError, match="purpose"):
        message_recipients(customer=customer, purpose="newsletter")


def test_queueing_writes_row_attachments_event_and_send_job_with_the_senders_identity(customer):
    message = queue(customer, by=None)

    message.refresh_from_db()
    assert message.status == "queued"
    assert message.from_email == "Debitor Test GmbH Buchhaltung <rechnung@debitor.example>"
    # Replies come back to a signed sub-address of the reply mailbox (communications.services.inbound).
    reply = reply_address_for(outbox_id=message.pk, mailbox="antwort@debitor.example")
    assert reply.startswith(f"antwort+{message.pk}.") and reply.endswith("@debitor.example")
    assert message.reply_to == [{"name": "", "email": reply, "contact_id": None, "user_id": None}]
    assert message.bcc == [{"name": "", "email": "archiv@debitor.example", "contact_id": None, "user_id": None}]
    assert [r["email"] for r in message.to] == ["anna@example.com", "bernd@example.com"]
    assert message.created_at == message.updated_at == T0
    assert [(a.filename, a.content_type, a.size) for a in message.attachments.all()] == [
        ("RE-2026-000001.pdf", "application/pdf", len(PDF)),
        ("RE-2026-000001.xml", "application/xml", len(XML)),
    ]
    stored = message.attachments.first()
    with default_storage.open(stored.file.name, "rb") as f:
        assert f.read() == PDF
    assert stored.file.name.startswith("outbox/") and stored.sha256[:16] in stored.file.name
    assert list(message.events.values_list("kind", flat=True)) == ["queued"]
    job = Job.objects.get(kind=SEND_JOB_KIND)
    assert job.payload == {"message_id": message.pk}
    assert job.dedupe_key == f"outbox:{message.pk}"
    assert job.status == Job.Status.PENDING


def test_without_sender_in_the_company_profile_default_from_email_is_used(customer, profile, settings):
    settings.DEFAULT_FROM_EMAIL = "Debitor <noreply@debitor.example>"
    profile.mail_from_name = profile.mail_from_email = profile.mail_reply_to = profile.mail_bcc_archive = ""
    profile.save()

    message = queue(customer)

    assert message.from_email == "Debitor <noreply@debitor.example>"
    assert message.reply_to == message.bcc == []
    assert message.message_id.endswith("@debitor.example>")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"to": []}, "to"),
        ({"to": [{"name": "Anna", "email": "anna@@example"}]}, "to"),
        ({"to": [{"name": "Anna", "email": ""}]}, "to"),
        ({"cc": [{"name": "X", "email": "not an address"}]}, "cc"),
        ({"subject": "   "}, "subject"),
        ({"body_text": ""}, "body_text"),
        ({"language": "fr"}, "language"),
    ],
)
def test_queueing_refuses_bad_input_naming_the_field_and_saves_nothing(customer, overrides, field):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        queue(customer, **overrides)
    assert field in refused.value.message_dict
    assert counts() == before


def test_queueing_refuses_an_address_marked_undeliverable(customer, english):
    Contact.objects.filter(email="bernd@example.com").update(email_invalid_since=T0, email_invalid_reason="hard bounce")
    bernd = {"name": "Bernd Weber", "email": "Bernd@Example.com"}

    with pytest.raises(ValidationError) as refused:
        queue(customer, to=[{"name": "Anna", "email": "anna@example.com"}, bernd])

    assert refused.value.message_dict == {
        "to": ["Bernd@example.com is marked undeliverable since 27 Nov 2026 (hard bounce); correct the contact first."]
    }
    assert counts() == (0, 0, 0, 0)


def test_a_failure_later_in_the_callers_transaction_leaves_no_message_and_no_job(customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(customer)
        raise RuntimeError("the change that caused the message failed")
    assert counts() == (0, 0, 0, 0)


def test_message_id_is_derived_from_the_row_stable_and_unique(customer, settings):
    first, second = queue(customer), queue(customer)

    assert first.message_id.startswith(f"<outbox-{first.pk}.")
    assert first.message_id.endswith("@debitor.example>")
    assert first.message_id != second.message_id
    first.refresh_from_db()
    from communications.services.outbox import message_id_for

    assert message_id_for(pk=first.pk, from_email=first.from_email) == first.message_id
    settings.SECRET_KEY = "another installation" * 4
    assert message_id_for(pk=first.pk, from_email=first.from_email) != first.message_id


# --- Sending ----------------------------------------------------------------------------------
def test_sending_hands_over_headers_recipients_bodies_and_identical_attachments(customer, mailoutbox):
    message = queue(customer, cc=[{"name": "Buchhaltung Kunde", "email": "ap@example.com"}])

    sent = message_send(message_id=message.pk, as_of=T0 + timedelta(minutes=1))

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.from_email == "Debitor Test GmbH Buchhaltung <rechnung@debitor.example>"
    assert email.to == ["Anna Schmidt <anna@example.com>", "Bernd Weber <bernd@example.com>"]
    assert email.cc == ["Buchhaltung Kunde <ap@example.com>"]
    assert email.bcc == ["archiv@debitor.example"]
    assert email.reply_to == [reply_address_for(outbox_id=message.pk, mailbox="antwort@debitor.example")]
    assert email.subject == message.subject
    assert email.body == message.body_text
    assert email.alternatives[0][0] == message.body_html and email.alternatives[0][1] == "text/html"
    assert [(a[0], a[1], a[2]) for a in email.attachments] == [
        ("RE-2026-000001.pdf", PDF, "application/pdf"),
        ("RE-2026-000001.xml", XML, "application/xml"),
    ]
    mime = email.message()
    assert mime["Message-ID"] == message.message_id
    assert mime["Content-Language"] == "de"
    assert not hasattr(email, "metadata")  # anymail extras only for anymail backends

    assert sent.status == "sent"
    assert sent.sending_at == sent.sent_at == T0 + timedelta(minutes=1)
    assert sent.attempts == 1
    assert (sent.provider, sent.provider_message_id) == ("locmem", message.message_id)
    assert list(sent.events.values_list("kind", flat=True)) == ["queued", "sending", "sent"]


def test_a_job_delivered_twice_hands_the_message_over_once(customer, mailoutbox):
    message = queue(customer)
    job = Job.objects.get(kind=SEND_JOB_KIND)

    assert job_run(job_id=job.pk, clock=lambda: T0) == "done"
    assert job_run(job_id=job.pk, clock=lambda: T0) == "skipped_done"
    # The sweeper or a person enqueues it again: a new job, same message, nothing sent.
    again = job_enqueue(kind=SEND_JOB_KIND, as_of=T0, payload={"message_id": message.pk}, dedupe_key="x")
    assert job_run(job_id=again.pk, clock=lambda: T0) == "done"
    assert message_send(message_id=message.pk, as_of=T0).status == "sent"

    assert len(mailoutbox) == 1
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


def test_the_handler_sends_at_the_time_it_runs_and_ignores_a_deleted_message(customer, mailoutbox):
    message = queue(customer)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        assert handle_send_message(message_id=message.pk) == {"status": "sent", "attempts": 1}
    assert OutboxMessage.objects.get(pk=message.pk).sent_at == T0 + timedelta(seconds=5)
    assert handle_send_message(message_id=message.pk + 1000) is None


def test_a_transient_refusal_queues_it_again_and_the_retry_sends_it_once(customer, scripted):
    scripted.append(smtplib.SMTPRecipientsRefused({"anna@example.com": (451, b"4.7.1 Greylisted, try later")}))
    message = queue(customer)
    job = Job.objects.get(kind=SEND_JOB_KIND)

    assert job_run(job_id=job.pk, clock=lambda: T0) == "retry"

    message.refresh_from_db()
    assert message.status == "queued"
    assert message.attempts == 1
    assert "Greylisted" in message.last_error
    assert "deferred" in message.events.values_list("kind", flat=True)
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and job.run_after == T0 + timedelta(seconds=30)
    assert mail.outbox == []
    assert job_run(job_id=job.pk, clock=lambda: T0 + timedelta(seconds=10)) == "not_due"

    assert job_run(job_id=job.pk, clock=lambda: T0 + timedelta(seconds=31)) == "done"

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1
    assert not FollowUpTask.objects.exists()


def test_a_transient_refusal_on_the_last_allowed_attempt_fails_the_message_not_the_job(customer, scripted, settings):
    settings.DEBITOR_JOBS = {**settings.DEBITOR_JOBS, "MAX_ATTEMPTS": 1}
    scripted.append(smtplib.SMTPDataError(421, b"4.3.2 Service shutting down"))
    message = queue(customer)

    assert message_send(message_id=message.pk, as_of=T0).status == "failed"
    assert tasks_of(FAILED_TASK_KIND, message).count() == 1


def test_a_permanent_refusal_fails_the_message_and_opens_one_task(customer, scripted):
    scripted.append(
        smtplib.SMTPRecipientsRefused(
            {"anna@example.com": (550, b"5.1.1 User unknown"), "bernd@example.com": (550, b"5.1.1 User unknown")}
        )
    )
    message = queue(customer)
    job = Job.objects.get(kind=SEND_JOB_KIND)

    with time_machine.travel(T0, tick=False):  # the handler reads the clock once, as its as_of
        assert job_run(job_id=job.pk, clock=lambda: T0) == "done"

    message.refresh_from_db()
    assert (message.status, message.failed_at) == ("failed", T0)
    assert "User unknown" in message.last_error
    assert list(message.events.values_list("kind", flat=True)) == ["queued", "sending", "failed"]
    task = tasks_of(FAILED_TASK_KIND, message).get()
    assert task.customer_id == customer.pk and task.created_by_rule == "customers.message_failed"
    # The outcome is on the message; a failed job would only open a second task for the same cause.
    assert not FollowUpTask.objects.filter(kind="job_failed").exists()
    assert mail.outbox == []


def test_a_connection_that_breaks_after_the_hand_off_leaves_it_sending_for_a_person(customer, scripted):
    scripted.append(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    message = queue(customer)

    result = message_send(message_id=message.pk, as_of=T0)

    assert result.status == "sending"
    assert "unexpectedly closed" in result.last_error
    assert tasks_of(STUCK_TASK_KIND, message).count() == 1
    assert message_send(message_id=message.pk, as_of=T0 + timedelta(hours=1)).status == "sending"
    assert messages_check_stuck(as_of=T0 + timedelta(hours=1)) == 0  # already with a person
    assert mail.outbox == []


def test_an_attachment_altered_in_storage_is_not_sent(customer, mailoutbox):
    message = queue(customer)
    stored = message.attachments.first()
    default_storage.delete(stored.file.name)
    default_storage.save(stored.file.name, ContentFile(b"%PDF forged"))

    result = message_send(message_id=message.pk, as_of=T0)

    assert result.status == "failed"
    assert "SHA-256" in result.last_error
    assert mailoutbox == []


class CrashingBackend(locmem.EmailBackend):
    """The process dies in the middle of the hand-off (SystemExit is no Exception: nothing catches it)."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SystemExit("killed during the hand-off")


def test_a_row_left_sending_by_a_crash_is_never_resent_and_goes_to_a_person_once(customer, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.CrashingBackend"
    message = queue(customer)
    with time_machine.travel(T0, tick=False), pytest.raises(SystemExit):
        handle_send_message(message_id=message.pk)
    assert OutboxMessage.objects.get(pk=message.pk).status == "sending"
    assert len(mailoutbox) == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        handle_send_message(message_id=message.pk)  # the job comes back (sweeper): no second hand-off
        assert messages_check_stuck(as_of=T0 + timedelta(minutes=10)) == 0  # a slow hand-off is not stuck yet
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        assert messages_check_stuck(as_of=T0 + timedelta(minutes=16)) == 1
        assert messages_check_stuck(as_of=T0 + timedelta(minutes=30)) == 0

    message.refresh_from_db()
    assert message.status == "sending"
    assert list(message.events.filter(kind="stuck").values_list("at", flat=True)) == [T0 + timedelta(minutes=16)]
    task = tasks_of(STUCK_TASK_KIND, message).get()
    assert message.message_id in task.description
    assert len(mailoutbox) == 1


def test_a_person_marks_a_stuck_message_sent_after_checking_the_providers_log(customer, manager):
    message = queue(customer)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", sending_at=T0, attempts=1)
    with pytest.raises(ValidationError):  # still within a normal hand-off: nobody may decide yet
        message_mark_sent(message=message, as_of=T0 + timedelta(minutes=5), by=manager, note="seen")
    messages_check_stuck(as_of=T0 + timedelta(minutes=20))
    with pytest.raises(ValidationError) as refused:
        message_mark_sent(message=message, as_of=T0 + timedelta(minutes=30), by=manager, note=" ")
    assert "note" in refused.value.message_dict

    marked = message_mark_sent(
        message=message, as_of=T0 + timedelta(minutes=30), by=manager, note="Postmark activity: delivered 10:00"
    )

    assert (marked.status, marked.sent_at) == ("sent", T0)
    event = marked.events.get(kind="sent")
    assert event.data == {"by": manager.pk, "by_name": "manager", "manual": True}
    assert tasks_of(STUCK_TASK_KIND, message).get().status == "done"


def test_cancelling_a_queued_message_means_its_job_sends_nothing(customer, manager, mailoutbox):
    message = queue(customer)
    with pytest.raises(ValidationError):
        message_cancel(message=message, as_of=T0, by=manager, reason="")

    cancelled = message_cancel(message=message, as_of=T0, by=manager, reason="customer asked for post")

    assert cancelled.status == "cancelled"
    assert job_run(job_id=Job.objects.get(kind=SEND_JOB_KIND).pk, clock=lambda: T0) == "done"
    assert mailoutbox == []
    sent = message_send(message_id=queue(customer).pk, as_of=T0)
    with pytest.raises(ValidationError):  # a sent message cannot be cancelled
        message_cancel(message=sent, as_of=T0, by=manager, reason="too late")


def test_resend_creates_a_new_queued_row_to_the_current_addresses_and_keeps_the_original(customer, manager, mailoutbox):
    message = queue(customer)
    with pytest.raises(ValidationError):  # queued: it is still going to be sent
        message_resend(message=message, as_of=T0, by=manager)
    message_send(message_id=message.pk, as_of=T0)
    # Bernd's address bounced meanwhile and a colleague of his now receives invoices.
    Contact.objects.filter(email="bernd@example.com").update(email_invalid_since=T0, email_invalid_reason="bounce")
    Contact.objects.filter(email="carla@example.com").update(receives_invoices=True)

    again = message_resend(message=message, as_of=T0 + timedelta(days=1), by=manager)

    assert again.pk != message.pk and again.resend_of_id == message.pk
    assert again.status == "queued" and again.created_by == manager
    assert [r["email"] for r in again.to] == ["anna@example.com", "carla@example.com"]
    assert (again.subject, again.body_text, again.body_html) == (message.subject, message.body_text, message.body_html)
    assert [(a.filename, a.sha256, a.file.name) for a in again.attachments.all()] == [
        (a.filename, a.sha256, a.file.name) for a in message.attachments.all()
    ]
    assert again.message_id != message.message_id
    assert Job.objects.filter(kind=SEND_JOB_KIND, payload={"message_id": again.pk}).exists()
    original = OutboxMessage.objects.get(pk=message.pk)
    assert (original.status, original.sent_at) == ("sent", T0)

    message_send(message_id=again.pk, as_of=T0 + timedelta(days=1))
    assert [e.to for e in mailoutbox] == [
        ["Anna Schmidt <anna@example.com>", "Bernd Weber <bernd@example.com>"],
        ["Anna Schmidt <anna@example.com>", "Carla Mahn <carla@example.com>"],
    ]


def test_sending_a_message_with_two_attachments_takes_a_fixed_number_of_queries(
    customer, mailoutbox, django_assert_num_queries
):
    message = queue(customer)
    # lock + mark sending + event (3, plus savepoint pair), attachments (1), lock + mark sent + event (3, plus pair),
    # the recipients (1), the subjects for the "sent" reactions (1),
    # and each of the two events written through to the event log (core.Event, one INSERT each),
    # and the template read before the lock, to find a send gate (communications.services.outbox.gates)
    with django_assert_num_queries(16):
        message_send(message_id=message.pk, as_of=T0)


# --- What an error means ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.com": (451, b"later")}), HandOff.TRANSIENT),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"unknown")}), HandOff.PERMANENT),
        (smtplib.SMTPSenderRefused(553, b"not our domain", "x@y"), HandOff.PERMANENT),
        (smtplib.SMTPDataError(452, b"insufficient storage"), HandOff.TRANSIENT),
        (smtplib.SMTPDataError(554, b"spam"), HandOff.PERMANENT),
        (smtplib.SMTPServerDisconnected("closed"), HandOff.UNKNOWN),
        (TimeoutError("timed out"), HandOff.UNKNOWN),
    ],
)
def test_smtp_errors_are_read_by_their_reply_code(error, kind):
    assert send_error_kind(error) == kind


def _anymail_network_error(cause: Exception):
    from anymail.exceptions import AnymailRequestsAPIError

    error_class = type("AnymailRequestsAPIError", (AnymailRequestsAPIError, type(cause)), {})
    try:
        raise error_class("Error posting to https://api.postmarkapp.com/email:") from cause
    except AnymailRequestsAPIError as exc:
        return exc


def test_an_http_request_that_never_connected_is_retried_but_a_read_timeout_goes_to_a_person():
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    refused = requests.ConnectionError(
        MaxRetryError(None, "/email", reason=NewConnectionError(None, "Connection refused"))
    )
    assert send_error_kind(_anymail_network_error(refused)) == HandOff.TRANSIENT
    assert send_error_kind(_anymail_network_error(requests.ConnectTimeout("connect"))) == HandOff.TRANSIENT
    assert send_error_kind(_anymail_network_error(requests.ReadTimeout("read"))) == HandOff.UNKNOWN


def test_a_backend_that_cannot_connect_leaves_the_message_queued_for_the_retry(customer, settings, mailoutbox):
    settings.EMAIL_BACKEND = "communications.mail.SmtpEmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # discard: refused
    message = queue(customer)

    with pytest.raises(MessageSendDeferred):
        message_send(message_id=message.pk, as_of=T0)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in message.last_error

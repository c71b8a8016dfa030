"""Just before hand-off the outbox re-checks a reminder's amounts under lock: a payment since the
run supersedes it (not sent, records released, the next run reminds with the new amounts);
otherwise its charges are created and it is marked sent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from communications.models import MessageEvent, MessageStatus
from communications.services.outbox import SEND_JOB_KIND, message_send
from core.models import Event, Job
from core.services import job_run
from dunning.models import EntryOutcome, RecordStatus, ReminderCharge, ReminderStatus
from payments.models import OpenItem, OpenItemKind
from payments.tests.factories import make_payment

from .factories import LEVEL1_DAY, make_debtor, overdue_invoice, run_time

pytestmark = pytest.mark.django_db

SEND_AT = run_time(LEVEL1_DAY, 9)


def _send_job(message_id: int) -> Job:
    return Job.objects.get(kind=SEND_JOB_KIND, payload__message_id=message_id)


def test_a_payment_between_run_and_send_supersedes_the_reminder_and_the_next_run_reminds_anew(world):
    from dunning.services import dunning_run

    customer = make_debtor()
    invoice = overdue_invoice(customer, "119.00")
    run = dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY))
    reminder = run.reminders.get()
    make_payment(customer=customer, amount="50.00", value_date=LEVEL1_DAY, as_of=SEND_AT, allocate=True)
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("69.00")

    assert job_run(job_id=_send_job(reminder.message_id).pk, clock=lambda: SEND_AT) == "done"

    reminder.refresh_from_db()
    message = reminder.message
    assert message.status == MessageStatus.SUPERSEDED and message.sending_at is None
    assert mail.outbox == []
    event = message.events.get(kind=MessageEvent.Kind.SUPERSEDED)
    assert invoice.number in event.description and "69,00" in event.description
    assert reminder.status == ReminderStatus.SUPERSEDED and reminder.superseded_reason == event.description
    assert set(reminder.records.values_list("status", flat=True)) == {RecordStatus.RELEASED}
    assert run.entries.get(invoice=invoice).outcome == EntryOutcome.SUPERSEDED
    assert Event.objects.filter(type="reminder.superseded").count() == 1
    assert not ReminderCharge.objects.exists()

    again = dunning_run(as_of=LEVEL1_DAY + timedelta(days=1), at=run_time(LEVEL1_DAY + timedelta(days=1)))
    new = again.reminders.get()
    assert [line["open"] for line in new.lines] == ["69.00"]
    assert new.total == Decimal("69.00") and new.level.position == 1
    message_send(message_id=new.message_id, as_of=run_time(LEVEL1_DAY + timedelta(days=1), 9))
    new.refresh_from_db()
    assert new.status == ReminderStatus.SENT and new.message.status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_an_unchanged_reminder_is_sent_and_its_charges_are_created_at_hand_off(world):
    from dunning.services import dunning_run

    customer = make_debtor()
    invoice = overdue_invoice(customer)
    first = dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY)).reminders.get()
    message_send(message_id=first.message_id, as_of=SEND_AT)
    later = LEVEL1_DAY + timedelta(days=14)
    second = dunning_run(as_of=later, at=run_time(later)).reminders.get()
    assert not OpenItem.objects.exists()  # nothing is charged before hand-off

    message_send(message_id=second.message_id, as_of=run_time(later, 9))

    second.refresh_from_db()
    assert second.status == ReminderStatus.SENT and second.decided_at == run_time(later, 9)
    # The first reminder put the business debtor in default (and was free); the second charges the
    # € 40 flat fee (§ 288 (5) BGB), against which its 5.00 dunning fee is credited: no fee item.
    flat = OpenItem.objects.get(kind=OpenItemKind.FLAT_FEE)
    assert (flat.invoice_id, flat.amount, flat.open_amount) == (invoice.pk, Decimal("40.00"), Decimal("40.00"))
    assert not OpenItem.objects.filter(kind=OpenItemKind.DUNNING_FEE).exists()
    assert ReminderCharge.objects.get().reminder == second
    assert Event.objects.filter(type="reminder.sent").count() == 2
    assert len(mail.outbox) == 2
    assert mail.outbox[1].attachments[0][0] == f"reminder-{second.pk}.pdf"


def test_a_message_without_a_gate_is_sent_as_before(world):
    from communications.services.outbox import send_gate_for

    assert send_gate_for("invoice") is None
    assert send_gate_for("reminder") is not None and send_gate_for("dunning_final") is not None


def test_a_reminder_whose_queued_mail_a_person_cancels_is_cancelled_and_reminded_again_later(world, django_user_model):
    from communications.services.outbox import message_cancel
    from dunning.services import dunning_run

    customer = make_debtor()
    invoice = overdue_invoice(customer, "119.00")
    reminder = dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY)).reminders.get()
    manager = django_user_model.objects.create_user("manager")

    message_cancel(message=reminder.message, as_of=SEND_AT, by=manager, reason="Kunde hat angerufen, zahlt heute")

    reminder.refresh_from_db()
    assert reminder.message.status == MessageStatus.CANCELLED
    assert reminder.status == ReminderStatus.CANCELLED
    assert reminder.superseded_reason == "Kunde hat angerufen, zahlt heute"
    assert set(reminder.records.values_list("status", flat=True)) == {RecordStatus.RELEASED}
    assert not ReminderCharge.objects.exists()
    assert Event.objects.get(type="reminder.cancelled").data == {"reason": "Kunde hat angerufen, zahlt heute"}
    assert not Event.objects.filter(type="reminder.superseded").exists()
    # The send job that was already queued finds the message cancelled and hands nothing over.
    assert job_run(job_id=_send_job(reminder.message_id).pk, clock=lambda: SEND_AT) == "done"
    assert mail.outbox == []

    again = dunning_run(as_of=LEVEL1_DAY + timedelta(days=1), at=run_time(LEVEL1_DAY + timedelta(days=1)))
    assert [line["invoice"] for line in again.reminders.get().lines] == [invoice.pk]

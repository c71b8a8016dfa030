"""The dunning run: one reminder per customer, exactly once, every skip with its reason, a dry run
that writes nothing, and the decisions in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.tests.factories import make_dispute, make_promise
from communications.models import MessageStatus, MessageSubject, OutboxMessage
from core.messages import message_text
from core.models import Event
from dunning.models import (
    DunningPause,
    DunningRun,
    DunningRunEntry,
    EntryOutcome,
    RecordStatus,
    Reminder,
    ReminderRecord,
    SkipReason,
)
from dunning.selection import decisions_for
from dunning.services import RunReport, dunning_run
from invoicing.tests.factories import T0

from .factories import DUE, LEVEL1_DAY, make_debtor, overdue_invoice, run_time

pytestmark = pytest.mark.django_db


def _run(day=LEVEL1_DAY, **kwargs):
    return dunning_run(as_of=day, at=run_time(day), **kwargs)


def _reasons(report: RunReport) -> dict[str, tuple[str, str]]:
    with translation.override("en"):
        return {e.number: (e.skip_reason, e.reason_text) for e in report.entries}


def test_one_reminder_per_customer_about_all_its_due_invoices(world):
    customer = make_debtor()
    first, second = overdue_invoice(customer, "119.00"), overdue_invoice(customer, "238.00")
    other = make_debtor(email="other@example.com")
    overdue_invoice(other)

    run = _run()

    assert run.counts == {"customers": 2, "reminders": 2, "reminded": 3}
    reminder = Reminder.objects.get(customer=customer)
    assert reminder.level.position == 1
    assert reminder.total == Decimal("357.00")
    assert [line["number"] for line in reminder.lines] == [first.number, second.number]
    assert reminder.document_sha256 and reminder.message.status == MessageStatus.QUEUED
    assert [(r["email"], r["contact_id"]) for r in reminder.message.to] == [
        ("ap@example.com", customer.contacts.get().pk)
    ]
    linked = set(MessageSubject.objects.filter(message=reminder.message).values_list("object_id", flat=True))
    assert linked == {first.pk, second.pk}
    assert reminder.message.attachments.get().content_type == "application/pdf"
    assert set(ReminderRecord.objects.filter(reminder=reminder).values_list("invoice_id", "status")) == {
        (first.pk, RecordStatus.ACTIVE),
        (second.pk, RecordStatus.ACTIVE),
    }
    assert DunningRunEntry.objects.filter(run=run, outcome=EntryOutcome.REMINDED).count() == 3
    assert Event.objects.filter(type="reminder.prepared").count() == 2
    assert OutboxMessage.objects.count() == 2


def test_a_second_run_the_same_day_and_the_next_day_do_nothing_new(world):
    customer = make_debtor()
    overdue_invoice(customer)
    _run()

    again = _run()
    next_day = _run(LEVEL1_DAY + timedelta(days=1))

    assert again.counts.get("reminders", 0) == 0 and next_day.counts.get("reminders", 0) == 0
    assert Reminder.objects.count() == 1 and OutboxMessage.objects.count() == 1
    # the next level waits for the first reminder to be sent
    assert again.counts[SkipReason.NOT_YET_DUE] == 1


def test_nothing_before_the_first_level_falls_due(world):
    overdue_invoice(make_debtor())
    run = _run(LEVEL1_DAY - timedelta(days=1))
    assert run.counts == {"customers": 1, SkipReason.NOT_YET_DUE: 1}
    assert not Reminder.objects.exists() and not run.entries.exists()


def test_the_dry_run_writes_nothing_and_says_what_the_run_would_do(world):
    customer = make_debtor()
    invoice = overdue_invoice(customer)
    blocked = make_debtor(email="b@example.com", dunning_blocked=True, dunning_block_reason="Insolvenzverfahren")
    blocked_invoice = overdue_invoice(blocked)
    tables = [DunningRun, DunningRunEntry, Reminder, ReminderRecord, OutboxMessage, Event]
    before = [model.objects.count() for model in tables]

    report = _run(dry_run=True)

    assert [model.objects.count() for model in tables] == before
    assert isinstance(report, RunReport)
    assert report.counts == {
        "customers": 2,
        "reminders": 1,
        "reminded": 1,
        "skipped": 1,
        SkipReason.CUSTOMER_BLOCKED: 1,
    }
    (letter,) = report.letters
    assert (letter.customer, letter.level, letter.total) == (customer.pk, 1, Decimal("119.00"))
    assert _reasons(report) == {
        invoice.number: ("", "level 1 (Zahlungserinnerung) due since 3 Jan 2027"),
        blocked_invoice.number: (SkipReason.CUSTOMER_BLOCKED, "dunning is blocked: Insolvenzverfahren"),
    }
    run = _run()
    stored = {(e.invoice_id, e.outcome, e.skip_reason) for e in run.entries.all()}
    assert stored == {
        (invoice.pk, EntryOutcome.REMINDED, ""),
        (blocked_invoice.pk, EntryOutcome.SKIPPED, SkipReason.CUSTOMER_BLOCKED),
    }


def test_every_skip_is_named_with_its_reason_in_words(world):
    customer = make_debtor()
    disputed = overdue_invoice(customer)
    make_dispute(invoice=disputed, as_of=T0 + timedelta(days=1))
    promised = overdue_invoice(customer)
    make_promise(customer=customer, invoices=[promised], amount="119.00", promised_date=LEVEL1_DAY + timedelta(days=5))
    paused = overdue_invoice(customer)
    DunningPause.objects.create(
        invoice=paused, reason="Rückfrage Vertrieb", until=LEVEL1_DAY + timedelta(days=10), created_at=T0
    )
    small = overdue_invoice(customer, "4.76")
    fine = overdue_invoice(customer)
    nobody = make_debtor(email="nobody@example.com", reminders=False)
    unreached = overdue_invoice(nobody)
    resting = make_debtor(email="rest@example.com")
    rest_invoice = overdue_invoice(resting)
    DunningPause.objects.create(customer=resting, reason="Vergleichsverhandlung", created_at=T0)

    report = _run(dry_run=True)
    reasons = _reasons(report)

    assert reasons[disputed.number] == (SkipReason.DISPUTED, f"invoice {disputed.number} is disputed")
    assert reasons[promised.number][0] == SkipReason.PROMISED
    assert "under a promise to pay until" in reasons[promised.number][1]
    assert reasons[paused.number] == (
        SkipReason.INVOICE_PAUSED,
        f"dunning of invoice {paused.number} is paused until 13 Jan 2027: Rückfrage Vertrieb",
    )
    assert reasons[small.number] == (SkipReason.BELOW_MINIMUM, "€4.76 open is below the policy's minimum of €5.00")
    assert reasons[fine.number][0] == ""
    assert reasons[unreached.number] == (
        SkipReason.NO_RECIPIENT,
        "no contact with a deliverable e-mail address receives reminders",
    )
    assert reasons[rest_invoice.number] == (
        SkipReason.CUSTOMER_PAUSED,
        "dunning of the customer is paused until resumed: Vergleichsverhandlung",
    )
    with translation.override("de"):
        german = {e.number: e.reason_text for e in report.entries}
    assert german[disputed.number] != reasons[disputed.number][1]

    run = _run()
    (reminder,) = Reminder.objects.all()
    assert [line["invoice"] for line in reminder.lines] == [fine.pk]
    skipped = dict(run.entries.filter(outcome=EntryOutcome.SKIPPED).values_list("invoice_id", "skip_reason"))
    assert skipped == {
        disputed.pk: SkipReason.DISPUTED,
        promised.pk: SkipReason.PROMISED,
        paused.pk: SkipReason.INVOICE_PAUSED,
        small.pk: SkipReason.BELOW_MINIMUM,
        unreached.pk: SkipReason.NO_RECIPIENT,
        rest_invoice.pk: SkipReason.CUSTOMER_PAUSED,
    }
    with translation.override("en"):
        worded = {e.invoice_id: message_text(e.reason) for e in run.entries.all()}
    assert worded[disputed.pk] == f"invoice {disputed.number} is disputed"


def test_an_invoice_whose_mail_bounced_is_not_reminded(world):
    customer = make_debtor()
    invoice = overdue_invoice(customer)
    bounced = OutboxMessage.objects.create(
        customer=customer, template="invoice", language="de", from_email="x@example.com", subject="Rechnung",
        body_text="…", status=MessageStatus.BOUNCED, cause="test", created_at=T0, sending_at=T0, updated_at=T0,
    )  # fmt: skip
    MessageSubject.objects.create(message=bounced, content_type_id=_invoice_type(), object_id=invoice.pk)

    report = _run(dry_run=True)

    assert _reasons(report)[invoice.number][0] == SkipReason.DELIVERY_FAILED


def _invoice_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    from invoicing.models import Invoice

    return ContentType.objects.get_for_model(Invoice).pk


def test_the_decisions_take_the_same_number_of_queries_for_10_and_50_customers(world):
    customers = [make_debtor(email=f"c{i}@example.com") for i in range(50)]
    for index, customer in enumerate(customers):
        overdue_invoice(customer)
        if index % 3 == 0:
            overdue_invoice(customer, "238.00")
    ids = [c.pk for c in customers]

    def queries(chosen):
        with CaptureQueriesContext(connection) as captured:
            decided = decisions_for(chosen, as_of=LEVEL1_DAY)
        assert len(decided) == len(chosen)
        return len(captured)

    assert queries(ids[:10]) == queries(ids)


def test_level_two_follows_fourteen_days_after_the_first_was_sent(world):
    from communications.services.outbox import message_send

    customer = make_debtor()
    invoice = overdue_invoice(customer)
    _run()
    first = Reminder.objects.get()
    message_send(message_id=first.message_id, as_of=run_time(LEVEL1_DAY, 9))
    first.refresh_from_db()
    assert first.status == "sent"

    too_early = _run(LEVEL1_DAY + timedelta(days=13))
    on_time = _run(LEVEL1_DAY + timedelta(days=14))

    assert too_early.counts.get("reminders", 0) == 0
    assert on_time.counts["reminders"] == 1
    second = Reminder.objects.exclude(pk=first.pk).get()
    assert second.level.position == 2
    (line,) = second.lines
    assert line["invoice"] == invoice.pk and line["level"] == 2
    # The first reminder put the business debtor in default; the second charges the € 40 flat fee
    # (§ 288 (5) BGB), against which its 5.00 dunning fee is credited (shown, charged as 0.00).
    charges = sorted((c["kind"], c["amount"], c["new"]) for c in line["charges"])
    assert charges == [("dunning_fee", "0.00", True), ("flat_fee", "40.00", True)]
    assert DUE < LEVEL1_DAY


def test_a_level_with_a_task_kind_opens_a_follow_up_task_about_the_reminder(db):
    from dunning.models import LevelBasis
    from tasks.models import FollowUpTask

    from .factories import make_policy, setup_world

    setup_world()
    make_policy(levels=[(7, LevelBasis.DUE_DATE, "0.00", "call_customer")])
    customer = make_debtor()
    overdue_invoice(customer)

    _run()

    reminder = Reminder.objects.get()
    task = FollowUpTask.objects.get(kind="call_customer")
    assert task.customer_id == customer.pk and task.object_id == str(reminder.pk)
    assert Reminder.objects.count() == 1


def test_the_scheduled_task_runs_as_of_today_in_the_site_time_zone(world):
    import time_machine

    from core.schedules import registered
    from dunning import tasks

    overdue_invoice(make_debtor())
    schedule = next(s for s in registered() if s.task == "dunning.run")
    assert schedule.name == "Send payment reminders"
    assert (schedule.when.hour, schedule.when.minute, schedule.when.day_of_week) == ("8", "0", "1-5")

    with time_machine.travel(run_time(LEVEL1_DAY, 8), tick=False):
        run_id = tasks.run()

    run = DunningRun.objects.get(pk=run_id)
    assert (run.as_of, run.trigger, run.counts["reminders"]) == (LEVEL1_DAY, "schedule", 1)


def test_an_invoice_named_by_a_payment_whose_designation_waits_for_a_decision_is_not_reminded(world):
    from payments.services import payment_designation_record
    from payments.tests.factories import make_payment

    customer = make_debtor()
    named = overdue_invoice(customer)
    other = overdue_invoice(customer)
    payment = make_payment(customer=customer, amount="20.00", remittance=f"{named.number} nur Hauptforderung")
    payment_designation_record(
        payment=payment, order="principal_only", invoices=[named], as_of=T0 + timedelta(days=40), by=None
    )

    reasons = _reasons(_run(dry_run=True))

    assert reasons[named.number][0] == SkipReason.DESIGNATION_PENDING
    assert "waits for a decision" in reasons[named.number][1]
    assert reasons[other.number][0] == ""

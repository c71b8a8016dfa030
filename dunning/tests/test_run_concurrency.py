"""Three dunning runs at the same time on PostgreSQL (committed data, one connection per thread like
three workers): each due reminder is queued exactly once, and a run after them adds nothing."""

from __future__ import annotations

import pytest

from communications.models import OutboxMessage
from dunning.models import DunningRunEntry, EntryOutcome, RecordStatus, Reminder, ReminderRecord
from dunning.services import dunning_run
from invoicing.tests.factories import reseed_after_module  # noqa: F401  (fixture)
from payments.tests.test_allocation_concurrency import run_concurrently

from .factories import LEVEL1_DAY, make_debtor, make_policy, overdue_invoice, run_time, setup_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseed_after_module")]


def test_three_runs_at_once_queue_each_reminder_exactly_once():
    setup_world()
    make_policy()
    customers = [make_debtor(email=f"c{i}@example.com") for i in range(9)]
    invoices = [overdue_invoice(c) for c in customers] + [overdue_invoice(c, "238.00") for c in customers[::2]]

    results, failures = run_concurrently(
        lambda i: dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY), batch_size=2, trigger=f"t{i}"), 3
    )

    assert failures == []
    assert Reminder.objects.count() == len(customers)
    assert OutboxMessage.objects.count() == len(customers)
    assert sorted(Reminder.objects.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
    active = ReminderRecord.objects.filter(status=RecordStatus.ACTIVE)
    assert sorted(active.values_list("invoice_id", flat=True)) == sorted(i.pk for i in invoices)
    reminded = DunningRunEntry.objects.filter(outcome=EntryOutcome.REMINDED)
    assert reminded.count() == len(invoices)
    assert sum(run.counts.get("reminders", 0) for run in results) == len(customers)

    after = dunning_run(as_of=LEVEL1_DAY, at=run_time(LEVEL1_DAY))
    assert after.counts.get("reminders", 0) == 0
    assert Reminder.objects.count() == len(customers)

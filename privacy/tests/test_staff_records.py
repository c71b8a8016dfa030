"""Staff's own records about a person — notes and logged calls, follow-up tasks, promises to pay
and disputes — are exported and, having no retention duty, their texts erased; what does not name
the person (another contact's note, another customer's) is left alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from casework.models import Dispute, PaymentPromise
from casework.services import dispute_open, promise_take
from communications.models import CustomerNote
from communications.services.notes import customer_note_add
from core.privacy import ERASED
from invoicing.tests.factories import make_issued
from privacy.export import privacy_export_data
from privacy.services import privacy_plan, privacy_request_create, privacy_request_execute
from tasks.models import FollowUpTask, TaskNote
from tasks.services import task_create, task_note_add

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world, manager):
    customer, anna, bernd = world["customer"], world["anna"], world["bernd"]
    invoice = make_issued(customer=customer)
    task = task_create(kind="call_customer", title="Frau Schmidt zurückrufen", customer=customer, as_of=NOW, by=manager)
    task_note_add(task=task, text="Anna Schmidt ist ab Montag erreichbar", as_of=NOW, by=manager)
    other_task = task_create(kind="call_customer", title="Mahnlauf prüfen", customer=customer, as_of=NOW, by=manager)
    return {
        "her_note": customer_note_add(
            customer=customer, contact=anna, summary="Zahlt morgen", occurred_at=NOW, as_of=NOW
        ),
        "named_note": customer_note_add(
            customer=customer, summary="Frau anna schmidt bat um Rückruf", occurred_at=NOW, as_of=NOW
        ),
        "bernd_note": customer_note_add(
            customer=customer, contact=bernd, summary="Herr Weber", occurred_at=NOW, as_of=NOW
        ),
        "other_note": customer_note_add(
            customer=world["other"], summary="Anna Schmidt von nebenan", occurred_at=NOW, as_of=NOW
        ),
        "task": task,
        "other_task": other_task,
        "promise": promise_take(
            customer=customer,
            invoices=[invoice],
            amount=Decimal("10.00"),
            promised_date=NOW.date() + timedelta(days=7),
            channel="call",
            contact=anna,
            note="Zusage am Telefon",
            as_of=NOW,
        ),
        "dispute": dispute_open(
            invoice=make_issued(customer=customer),
            reason="quality",
            description="Anna Schmidt schreibt, die Ware sei beschädigt",
            as_of=NOW,
        ),
    }


def _request(world, manager):
    return privacy_request_create(
        customer=world["customer"], contacts=[world["anna"]], kind="erasure", received_at=NOW, as_of=NOW, by=manager
    )


def test_the_export_holds_her_notes_tasks_promises_and_disputes_only(world, records, manager):
    data = privacy_export_data(request=_request(world, manager), as_of=NOW)
    text = str(data)
    assert "Zahlt morgen" in text and "bat um Rückruf" in text
    assert "Frau Schmidt zurückrufen" in text and "ab Montag erreichbar" in text
    assert "Zusage am Telefon" in text and "Ware sei beschädigt" in text
    assert "Herr Weber" not in text and "von nebenan" not in text and "Mahnlauf" not in text


def test_erasure_blanks_the_texts_and_keeps_the_records(world, records, manager):
    request = _request(world, manager)
    plans = {plan.source.name: plan for plan in privacy_plan(request=request, as_of=NOW)}
    assert {len(plans[name].erase) for name in ("communications.notes", "tasks.tasks", "casework.casework")} == {2}
    privacy_request_execute(request=request, as_of=NOW, by=manager)

    summaries = dict(CustomerNote.objects.values_list("pk", "summary"))
    assert summaries[records["her_note"].pk] == summaries[records["named_note"].pk] == ERASED
    assert summaries[records["bernd_note"].pk] == "Herr Weber"
    assert summaries[records["other_note"].pk] == "Anna Schmidt von nebenan"
    task = FollowUpTask.objects.get(pk=records["task"].pk)
    assert (task.title, task.kind) == (ERASED, "call_customer")
    assert set(TaskNote.objects.filter(task=task).values_list("text", flat=True)) == {ERASED}
    assert "Frau Schmidt" not in str(list(task.history.values_list("title", flat=True)))
    assert FollowUpTask.objects.get(pk=records["other_task"].pk).title == "Mahnlauf prüfen"
    promise = PaymentPromise.objects.get(pk=records["promise"].pk)
    assert (promise.note, promise.amount) == (ERASED, Decimal("10.00"))
    assert Dispute.objects.get(pk=records["dispute"].pk).description == ERASED

"""Promises to pay: taking one, and kept or broken decided by the money and the calendar."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from casework.models import PaymentPromise, PromiseInvoice, PromiseStatus
from casework.services import promise_cancel, promise_evaluate, promises_evaluate_due
from casework.services.promises import PROMISE_BROKEN_TASK, PromiseConflict
from casework.tasks import evaluate_promises
from core.models import Event
from customers.tests.factories import make_customer
from invoicing.services import credit_note_create
from invoicing.tests.factories import D0, at, invoicing_setup, line  # noqa: F401
from payments.services import allocation_reverse, payment_allocate
from payments.tests.factories import make_invoice, make_payment
from tasks.models import FollowUpTask

from .factories import PROMISED, TAKEN, make_promise

pytestmark = pytest.mark.usefixtures("invoicing_setup")
D = Decimal


def pay(customer, invoice, amount: str, *, value_date=None, as_of=None):
    """A bank transfer recorded and allocated to the invoice by a person (payments' services)."""
    as_of = as_of or TAKEN + timedelta(days=2)
    payment = make_payment(customer=customer, amount=amount, value_date=value_date or as_of.date(), as_of=as_of)
    payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": D(amount)}], as_of=as_of)
    return payment


def broken_tasks(promise):
    return FollowUpTask.objects.filter(kind=PROMISE_BROKEN_TASK, object_id=str(promise.pk))


# --- Taking a promise ---------------------------------------------------------------------------


def test_a_promise_is_taken_with_its_deadline_invoices_and_an_event_without_personal_data(customer, invoice):
    contact = customer.contacts.first()
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00", contact=contact, note="Anruf")

    assert promise.status == PromiseStatus.OPEN
    assert promise.grace_days == 3 and promise.grace_until == PROMISED + timedelta(days=3)
    assert list(promise.invoices.all()) == [invoice]
    assert promise.currency == "EUR" and promise.amount == D("100.00")
    event = Event.objects.get(type="promise.taken")
    assert event.customer_id == customer.pk and event.object_id == promise.pk
    assert event.data["amount"] == "100.00" and event.data["promised_date"] == PROMISED.isoformat()
    assert event.data["invoices"] == [invoice.number]
    assert "Anna" not in str(event.data) and "anna@" not in str(event.data)


def test_grace_days_come_from_the_setting_unless_given(customer, invoice, settings):
    settings.DEBITOR_PROMISE_GRACE_DAYS = 7
    promise = make_promise(customer=customer, invoices=[invoice])
    assert promise.grace_until == PROMISED + timedelta(days=7)
    other = make_invoice(customer=customer, gross="238.00")
    assert make_promise(customer=customer, invoices=[other], grace_days=0).grace_until == PROMISED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "119.01"}, "amount"),  # more than is open
        ({"amount": "abc"}, "amount"),
        ({"promised_date": D0 - timedelta(days=1)}, "promised_date"),
        ({"channel": "pigeon"}, "channel"),
        ({"grace_days": 61}, "grace_days"),
        ({"grace_days": -1}, "grace_days"),
        ({"invoices": []}, "invoices"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(customer, invoice, overrides, field):
    kwargs = {"customer": customer, "invoices": [invoice], **overrides}
    with pytest.raises(ValidationError) as refused:
        make_promise(**kwargs)
    assert field in refused.value.message_dict
    assert not PaymentPromise.objects.exists() and not Event.objects.filter(type="promise.taken").exists()


def test_only_the_customers_issued_open_invoices_in_one_currency_can_be_covered(customer, invoice):
    stranger = make_customer(legal_name="Fremd GmbH")
    foreign = make_invoice(customer=stranger, gross="119.00")
    credit_note = credit_note_create(invoice=make_invoice(customer=customer), as_of=TAKEN, issue=True)
    paid = make_invoice(customer=customer, gross="238.00")
    pay(customer, paid, "238.00", as_of=TAKEN)
    for other, text in ((foreign, "another customer"), (credit_note, "credit note"), (paid, "paid already")):
        with pytest.raises(ValidationError) as refused, translation.override("en"):
            make_promise(customer=customer, invoices=[invoice, other], amount="10.00")
        assert text in " ".join(refused.value.message_dict["invoices"])
    assert not PaymentPromise.objects.exists()


def test_the_contact_must_be_the_customers(customer, invoice):
    stranger = make_customer(legal_name="Fremd GmbH")
    with pytest.raises(ValidationError) as refused:
        make_promise(customer=customer, invoices=[invoice], contact=stranger.contacts.first())
    assert "contact" in refused.value.message_dict


def test_an_invoice_is_under_one_open_promise_at_most_and_the_database_holds_it(customer, invoice):
    first = make_promise(customer=customer, invoices=[invoice], amount="50.00")
    with pytest.raises(ValidationError) as refused:
        make_promise(customer=customer, invoices=[invoice], amount="50.00")
    assert invoice.number in refused.value.message_dict["invoices"][0]
    other = make_promise(customer=customer, invoices=[make_invoice(customer=customer)], amount="10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        PromiseInvoice.objects.create(promise=other, invoice=invoice, promise_open=True)
    promise_cancel(promise=first, as_of=TAKEN, reason="customer changed their mind")
    assert make_promise(customer=customer, invoices=[invoice], amount="50.00").is_open


def test_the_database_refuses_a_promise_of_zero_or_an_unknown_status(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice])
    for change in ({"amount": D("0")}, {"status": "forgotten"}, {"grace_until": PROMISED - timedelta(days=1)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentPromise.objects.filter(pk=promise.pk).update(**change)


# --- Cancelling ---------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_frees_the_invoices_and_is_final(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice])
    with pytest.raises(ValidationError) as refused:
        promise_cancel(promise=promise, as_of=TAKEN, reason=" ")
    assert "reason" in refused.value.message_dict
    promise_cancel(promise=promise, as_of=TAKEN, reason="recorded by mistake")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED and promise.evaluated_at == TAKEN
    assert not PromiseInvoice.objects.filter(promise=promise, promise_open=True).exists()
    assert Event.objects.get(type="promise.cancelled").data["reason"] == "recorded by mistake"
    with pytest.raises(PromiseConflict):
        promise_cancel(promise=promise, as_of=TAKEN, reason="again")


# --- Kept as the money arrives ------------------------------------------------------------------


def test_a_payment_allocated_in_time_keeps_the_promise_in_the_same_transaction(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    pay(customer, invoice, "60.00")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN and promise.amount_received == D("60.00")

    pay(customer, invoice, "40.00", value_date=PROMISED + timedelta(days=3))  # the last day of grace
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.amount_received == D("100.00")
    kept = Event.objects.get(type="promise.kept")
    assert kept.customer_id == customer.pk and kept.data["received"] == "100.00"
    assert not broken_tasks(promise).exists()


def test_money_allocated_before_the_promise_or_valued_after_the_grace_does_not_count(customer, invoice):
    pay(customer, invoice, "19.00", as_of=TAKEN - timedelta(hours=1))
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    pay(customer, invoice, "100.00", value_date=PROMISED + timedelta(days=4), as_of=TAKEN + timedelta(days=2))
    promise.refresh_from_db()
    # The invoice is settled by that late payment: "the covered invoices are settled" keeps it.
    assert promise.status == PromiseStatus.KEPT
    assert promise.amount_received == D("0.00")


def test_a_late_partial_payment_leaves_the_promise_open_and_the_job_breaks_it(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    pay(customer, invoice, "50.00", value_date=PROMISED + timedelta(days=4))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN and promise.amount_received == 0
    assert promises_evaluate_due(as_of=at(PROMISED + timedelta(days=4))) == 1
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN


def test_settling_the_covered_invoices_by_credit_note_keeps_the_promise(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="50.00")
    credit_note_create(invoice=invoice, as_of=TAKEN + timedelta(hours=2), issue=True)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT


def test_a_reversed_allocation_no_longer_counts_while_the_promise_is_open(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    payment = pay(customer, invoice, "60.00")
    promise.refresh_from_db()
    assert promise.amount_received == D("60.00")
    allocation_reverse(allocation=payment.allocations.get(), as_of=TAKEN + timedelta(days=3), reason="wrong invoice")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN and promise.amount_received == 0


def test_a_payment_to_an_invoice_under_no_promise_costs_the_listener_one_query(
    customer, invoice, django_assert_num_queries
):
    from casework.services.promises import promises_on_money_events

    pay(customer, invoice, "10.00")
    events = list(Event.objects.filter(type="payment.allocated"))
    with django_assert_num_queries(1):
        promises_on_money_events(events)


# --- Broken when the date passes ----------------------------------------------------------------


def test_the_daily_job_breaks_a_promise_after_its_grace_and_opens_a_task(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    pay(customer, invoice, "30.00")
    last_day = PROMISED + timedelta(days=3)

    with time_machine.travel(at(last_day, 22), tick=False):
        assert evaluate_promises.apply().get() == 0  # still within grace
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN

    with time_machine.travel(at(last_day + timedelta(days=1), 6), tick=False):
        assert evaluate_promises.apply().get() == 1
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN and promise.amount_received == D("30.00")
    broken = Event.objects.get(type="promise.broken")
    assert broken.customer_id == customer.pk and broken.actor_name == "task:casework.evaluate_promises"
    task = broken_tasks(promise).get()
    assert task.created_by_rule == "casework.promise_broken" and task.customer_id == customer.pk
    assert task.is_open

    # Idempotent: a second run, and a payment after the fact, change nothing.
    with time_machine.travel(at(last_day + timedelta(days=1), 7), tick=False):
        assert evaluate_promises.apply().get() == 0
    pay(customer, invoice, "89.00", as_of=at(last_day + timedelta(days=2)))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN
    assert Event.objects.filter(type="promise.broken").count() == 1 and broken_tasks(promise).count() == 1


def test_the_job_marks_kept_a_promise_whose_money_the_listener_could_not_decide(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    pay(customer, invoice, "100.00")
    # As if the listener had skipped the promise (another transaction held it): reopen by hand.
    PaymentPromise.objects.filter(pk=promise.pk).update(status="open", evaluated_at=None, amount_received=0)
    PromiseInvoice.objects.filter(promise=promise).update(promise_open=True)
    promises_evaluate_due(as_of=at(PROMISED + timedelta(days=5)))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.amount_received == D("100.00")


def test_evaluating_a_decided_promise_changes_nothing(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    promise_evaluate(promise=promise, as_of=at(PROMISED))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN
    promise_evaluate(promise=promise, as_of=at(PROMISED + timedelta(days=4)))
    promise_evaluate(promise=promise, as_of=at(PROMISED + timedelta(days=5)))
    assert Event.objects.filter(type="promise.broken").count() == 1


def test_money_taken_back_after_a_kept_promise_is_no_longer_counted_but_the_decision_stays(customer, invoice):
    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    payment = pay(customer, invoice, "100.00")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    allocation_reverse(allocation=payment.allocations.get(), as_of=TAKEN + timedelta(days=3), reason="wrong customer")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.amount_received == 0


@pytest.mark.parametrize("current", PromiseStatus.values)
@pytest.mark.parametrize("to", [PromiseStatus.CANCELLED, PromiseStatus.BROKEN])
def test_every_pair_of_promise_states_follows_the_table(customer, invoice, current, to):
    from casework.models import PROMISE_TRANSITIONS

    promise = make_promise(customer=customer, invoices=[invoice], amount="100.00")
    if current != PromiseStatus.OPEN:
        PaymentPromise.objects.filter(pk=promise.pk).update(status=current, evaluated_at=TAKEN, cancel_reason="x")
        PromiseInvoice.objects.filter(promise=promise).update(promise_open=False)
    allowed = to in PROMISE_TRANSITIONS[current]
    if to == PromiseStatus.CANCELLED:
        if allowed:
            promise_cancel(promise=promise, as_of=TAKEN, reason="test")
        else:
            with pytest.raises(PromiseConflict):
                promise_cancel(promise=promise, as_of=TAKEN, reason="test")
    else:  # broken: only an open promise is decided; a decided one is left as it is
        promise_evaluate(promise=promise, as_of=at(PROMISED + timedelta(days=4)))
    promise.refresh_from_db()
    assert promise.status == (to if allowed else current)

"""Tasks close themselves when their cause is resolved (tasks.autoclose), with the reason.

Also closed by the services that resolve their causes, tested there: an unmatched bank line by
the matching decision (payments/tests/test_bank_followup.py, "a decision through the matching
services closes the task") and a failed verification by a passing run
(customers/tests/test_verification.py, "fixing the data … closes the review task").
"""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from communications.services.outbox import message_queue
from core.events import event_build
from core.followups import followup_open
from customers.services import contact_update
from customers.tests.factories import make_customer
from invoicing.tests.factories import invoicing_setup  # noqa: F401
from payments.tests.factories import make_invoice, make_payment
from tasks.autoclose import on_contact_changed, on_invoice_settlement_changed
from tasks.models import FollowUpTask
from tasks.services import task_transition

from .conftest import T0

pytestmark = pytest.mark.django_db

OPEN, DONE = FollowUpTask.Status.OPEN, FollowUpTask.Status.DONE


def cause(kind, about, **extra):
    task, _ = followup_open(kind=kind, title=f"{kind} task", rule="tests.rule", about=about, as_of=T0, **extra)
    return task


def state(task) -> tuple[str, str]:
    task.refresh_from_db()
    return task.status, task.resolution


# --- Invoice paid -------------------------------------------------------------------------------


@pytest.mark.usefixtures("invoicing_setup")
def test_paying_an_invoice_closes_its_collection_tasks_with_the_reason():
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    call = cause("call_customer", invoice)
    promise = cause("check_promise", invoice)
    snoozed = cause("promise_broken", invoice)
    task_transition(
        task=snoozed, to_status=FollowUpTask.Status.WAITING, as_of=T0, waiting_until=T0.date().replace(day=30)
    )
    with translation.override("de"):
        make_payment(customer=customer, amount="119.00", allocate=True)
    for task in (call, promise, snoozed):
        assert state(task) == (DONE, "Rechnung bezahlt.")
    assert call.history.latest().history_user is None  # closed by the system


@pytest.mark.usefixtures("invoicing_setup")
def test_a_partial_payment_closes_nothing():
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    call = cause("call_customer", invoice)
    make_payment(customer=customer, amount="50.00", allocate=True)
    assert state(call) == (OPEN, "")


@pytest.mark.usefixtures("invoicing_setup")
def test_a_paid_invoice_keeps_the_tasks_its_payment_does_not_resolve():
    customer = make_customer()
    invoice = make_invoice(customer=customer, gross="119.00")
    kept = [cause(kind, invoice) for kind in ("e_invoice_invalid", "invoice_not_sent", "dispute")]
    other_invoice = make_invoice(customer=customer, gross="238.00")
    elsewhere = cause("call_customer", other_invoice)
    make_payment(customer=customer, amount="119.00", allocate=False).refresh_from_db()
    from payments.models import Payment
    from payments.services import payment_allocate

    payment = Payment.objects.get()
    payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": invoice.amount_due}], as_of=T0)
    invoice.refresh_from_db()
    assert invoice.settlement_state == "paid"
    assert [state(task)[0] for task in kept] == [OPEN, OPEN, OPEN]
    assert state(elsewhere)[0] == OPEN


@pytest.mark.usefixtures("invoicing_setup")
def test_the_paid_listener_costs_one_query_when_no_task_is_open(django_assert_num_queries):
    invoice = make_invoice(customer=make_customer(), gross="119.00")
    event = event_build(type="invoice.settlement_changed", obj=invoice, data={"to_state": "paid"})
    with django_assert_num_queries(1):
        on_invoice_settlement_changed([event])
    with django_assert_num_queries(0):  # not paid: nothing to look for
        on_invoice_settlement_changed(
            [event_build(type="invoice.settlement_changed", obj=invoice, data={"to_state": "partially_paid"})]
        )


# --- Bounce fixed by a new address ----------------------------------------------------------------


def customer_with_contact():
    customer = make_customer()
    return customer, customer.contacts.get()


def test_a_new_address_closes_the_bounce_task_about_the_contact():
    customer, contact = customer_with_contact()
    bounced = cause("email_bounced", contact, customer=customer)
    with translation.override("de"):
        contact_update(contact=contact, data={"email": "anna.schmidt@example.com"}, as_of=T0)
    assert state(bounced) == (DONE, "Der Ansprechpartner hat eine neue E-Mail-Adresse.")


@pytest.mark.usefixtures("invoicing_setup")
def test_a_new_address_closes_the_bounce_task_about_a_message_that_went_to_the_contact():
    customer, contact = customer_with_contact()
    other_customer = make_customer(legal_name="Andere GmbH")

    def message(to_customer, to_contact):
        return message_queue(
            customer=to_customer,
            template="invoice",
            language="de",
            subject="Rechnung",
            body_text="Text",
            to=[{"email": to_contact.email, "contact_id": to_contact.pk}],
            cause="test",
            as_of=T0,
        )

    bounced = cause("email_bounced", message(customer, contact), customer=customer)
    unrelated = cause("email_bounced", message(other_customer, other_customer.contacts.get()), customer=other_customer)
    contact_update(contact=contact, data={"email": "anna.schmidt@example.com"}, as_of=T0)
    assert state(bounced)[0] == DONE
    assert state(unrelated)[0] == OPEN


def test_changing_something_else_or_removing_the_address_closes_nothing():
    customer, contact = customer_with_contact()
    bounced = cause("email_bounced", contact, customer=customer)
    contact_update(contact=contact, data={"phone": "+49 30 1234567"}, as_of=T0)
    assert state(bounced)[0] == OPEN
    contact_update(contact=contact, data={"email": "", "receives_invoices": False}, as_of=T0)
    assert state(bounced)[0] == OPEN


def test_the_contact_listener_costs_one_query_when_no_bounce_task_is_open(django_assert_num_queries):
    customer, contact = customer_with_contact()
    cause("call_customer", contact, customer=customer)  # open, but not a bounce
    event = event_build(
        type="contact.changed", obj=contact, customer_id=customer.pk, data={"fields": ["email"]}, at=timezone.now()
    )
    with django_assert_num_queries(1):
        on_contact_changed([event])

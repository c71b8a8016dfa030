"""Dunning's scheduled notices: the overdue transition, the due-date heads-up, account statements
(monthly and on demand). Each job once per key however often it runs (the concurrent runs are in
``test_notices_concurrency.py``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.tests.factories import make_dispute
from casework.timeline.selectors import customer_timeline
from communications.models import OutboxMessage
from core.models import Event
from customers.models import Customer
from customers.tests.factories import make_customer
from dunning.models import DueDateNotice, DunningPause, DunningProfile, OverdueMark, StatementDispatch
from dunning.notices import (
    SKIP_BLOCKED,
    SKIP_DISPUTED,
    SKIP_NO_RECIPIENT,
    SKIP_PAUSED,
    SKIP_SENT_TODAY,
    account_statement_send,
    due_date_heads_up_send,
    overdue_transition_run,
    previous_month,
    statements_monthly_send,
)
from invoicing.services import invoice_change_due_date
from invoicing.tests.factories import T0, at, invoicing_setup  # noqa: F401  (fixture)
from payments.tests.factories import make_invoice, make_payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("invoicing_setup")]

PAYER = {"name": "Paula Zahl", "email": "zahlung@example.com", "receives_reminders": True}
INVOICES = {"name": "Rechnungseingang", "email": "invoices@example.com", "receives_invoices": True}


def customer_with(*, days: int | None = None, contacts=None, **kwargs):
    customer = make_customer(contacts=contacts if contacts is not None else [INVOICES, PAYER], **kwargs)
    if days is not None:
        DunningProfile.objects.create(customer=customer, due_date_notice_days=days, updated_at=T0)
    return customer


# --- The overdue transition -----------------------------------------------------------------------


def test_overdue_is_recorded_once_per_invoice_and_due_date_after_the_due_date_passed():
    customer = customer_with()
    paid = make_invoice(customer=customer)
    make_payment(customer=customer, amount=paid.amount_due, allocate=True)
    paid.refresh_from_db()
    assert paid.open_amount == 0
    invoice = make_invoice(customer=customer)

    assert overdue_transition_run(as_of=at(invoice.due_date)) == 0  # due today is not overdue
    assert overdue_transition_run(as_of=at(invoice.due_date + timedelta(days=1))) == 1
    assert overdue_transition_run(as_of=at(invoice.due_date + timedelta(days=2))) == 0

    event = Event.objects.get(type="invoice.overdue")
    assert event.customer_id == customer.pk and event.object_id == invoice.pk
    assert event.data == {
        "invoice_id": invoice.pk,
        "number": invoice.number,
        "due_date": invoice.due_date.isoformat(),
        "open_amount": str(invoice.open_amount),
        "currency": "EUR",
    }
    assert OverdueMark.objects.filter(invoice=invoice, due_date=invoice.due_date).count() == 1
    assert not OverdueMark.objects.filter(invoice=paid).exists()


def test_a_due_date_moved_later_that_passes_again_is_overdue_again():
    customer = customer_with()
    invoice = make_invoice(customer=customer)
    first_due = invoice.due_date
    overdue_transition_run(as_of=at(first_due + timedelta(days=1)))
    invoice_change_due_date(
        invoice=invoice,
        new_due_date=first_due + timedelta(days=14),
        reason="payment plan",
        as_of=at(first_due + timedelta(days=2)),
    )
    assert overdue_transition_run(as_of=at(first_due + timedelta(days=10))) == 0
    assert overdue_transition_run(as_of=at(first_due + timedelta(days=15))) == 1
    assert sorted(OverdueMark.objects.values_list("due_date", flat=True)) == [first_due, first_due + timedelta(14)]
    assert Event.objects.filter(type="invoice.overdue").count() == 2


def test_the_overdue_event_reads_as_a_sentence_on_the_timeline():
    customer = customer_with()
    invoice = make_invoice(customer=customer, gross="119.00")
    overdue_transition_run(as_of=at(invoice.due_date + timedelta(days=1)))
    entry = next(e for e in customer_timeline(customer.pk).entries if e.type == "invoice.overdue")
    assert invoice.number in entry.sentence
    assert "119" in entry.sentence


def test_overdue_transition_queries_do_not_grow_with_the_invoices():
    customer = customer_with()
    invoices = [make_invoice(customer=customer) for _ in range(2)]
    day = at(invoices[0].due_date + timedelta(days=1))
    with CaptureQueriesContext(connection) as two:
        overdue_transition_run(as_of=day)
    more = [make_invoice(customer=customer) for _ in range(5)]
    with CaptureQueriesContext(connection) as five:
        assert overdue_transition_run(as_of=at(more[0].due_date + timedelta(days=1))) == 5
    assert len(five) == len(two)


# --- The due-date heads-up ------------------------------------------------------------------------


def test_heads_up_one_mail_per_customer_listing_the_invoices_due_in_its_days():
    customer = customer_with(days=3)
    first, second = make_invoice(customer=customer), make_invoice(customer=customer, gross="238.00")
    due = first.due_date
    assert second.due_date == due

    assert due_date_heads_up_send(as_of=at(due - timedelta(days=4)))["messages"] == 0
    result = due_date_heads_up_send(as_of=at(due - timedelta(days=3), 7))
    assert result == {"messages": 1, "invoices": 2, "skipped": {}}

    message = OutboxMessage.objects.get(template="due_date_heads_up")
    assert message.to_addresses == ["zahlung@example.com"]  # the contact who receives reminders
    assert first.number in message.body_text and second.number in message.body_text
    assert "238,00" in message.body_text  # German: the customer's language
    assert "Zahlung bald fällig" in message.subject
    assert message.body_text.startswith("Guten Tag Paula Zahl,\n\nwie von Ihnen gewünscht")
    assert "<html" in message.body_html and first.number in message.body_html
    assert {s.object_id for s in message.subjects.all()} == {first.pk, second.pk}
    notices = DueDateNotice.objects.filter(message=message)
    assert sorted(notices.values_list("invoice_id", flat=True)) == sorted([first.pk, second.pk])

    # Again the same day, the next day (catching up): nothing more.
    assert due_date_heads_up_send(as_of=at(due - timedelta(days=3), 7))["messages"] == 0
    assert due_date_heads_up_send(as_of=at(due - timedelta(days=2), 7))["messages"] == 0
    assert OutboxMessage.objects.filter(template="due_date_heads_up").count() == 1


def test_heads_up_at_most_one_mail_per_customer_and_day_the_rest_follows_the_next_day():
    customer = customer_with(days=3)
    first = make_invoice(customer=customer)
    heads_up_day = first.due_date - timedelta(days=3)
    assert due_date_heads_up_send(as_of=at(heads_up_day, 7))["messages"] == 1
    later = make_invoice(customer=customer)  # entered after the morning's run, dated as the first

    assert due_date_heads_up_send(as_of=at(heads_up_day, 15)) == {
        "messages": 0,
        "invoices": 0,
        "skipped": {SKIP_SENT_TODAY: 1},
    }
    assert due_date_heads_up_send(as_of=at(heads_up_day + timedelta(days=1), 7))["invoices"] == 1
    assert DueDateNotice.objects.get(invoice=later).message.body_text.count("RE-") == 1


def test_heads_up_skips_paid_disputed_and_customers_who_did_not_ask():
    customer = customer_with(days=3)
    quiet = customer_with()  # no profile
    DunningProfile.objects.create(customer=customer_with(), due_date_notice_days=None, updated_at=T0)
    paid = make_invoice(customer=customer)
    make_payment(customer=customer, amount=paid.amount_due, allocate=True)
    disputed = make_invoice(customer=customer)
    make_dispute(invoice=disputed)
    make_invoice(customer=quiet)

    result = due_date_heads_up_send(as_of=at(paid.due_date - timedelta(days=3)))

    assert result == {"messages": 0, "invoices": 0, "skipped": {SKIP_DISPUTED: 1}}
    assert not DueDateNotice.objects.exists()
    assert not OutboxMessage.objects.filter(template="due_date_heads_up").exists()


def test_heads_up_skips_paused_invoices_and_blocked_or_paused_customers_until_the_reason_is_gone():
    paused_invoice_owner = customer_with(days=3)
    paused_invoice = make_invoice(customer=paused_invoice_owner)
    DunningPause.objects.create(invoice=paused_invoice, reason="checking the delivery", created_at=T0)
    paused_customer = customer_with(days=3)
    make_invoice(customer=paused_customer)
    pause = DunningPause.objects.create(customer=paused_customer, reason="in talks", created_at=T0)
    blocked = customer_with(days=3)
    make_invoice(customer=blocked)
    Customer.objects.filter(pk=blocked.pk).update(dunning_blocked=True, dunning_block_reason="insolvency")
    heads_up_day = paused_invoice.due_date - timedelta(days=3)

    result = due_date_heads_up_send(as_of=at(heads_up_day))

    assert result == {"messages": 0, "invoices": 0, "skipped": {SKIP_PAUSED: 2, SKIP_BLOCKED: 1}}
    assert not DueDateNotice.objects.exists()
    # Resumed the next day: the heads-up is caught up (still before the due date).
    DunningPause.objects.filter(pk=pause.pk).update(ended_at=at(heads_up_day), end_reason="agreed")
    result = due_date_heads_up_send(as_of=at(heads_up_day + timedelta(days=1)))
    assert result["messages"] == 1
    assert OutboxMessage.objects.get().customer_id == paused_customer.pk


def test_heads_up_none_for_an_invoice_issued_after_its_heads_up_day():
    customer = customer_with(days=60)  # longer than the invoice's terms
    invoice = make_invoice(customer=customer)
    assert invoice.due_date - invoice.invoice_date < timedelta(days=60)
    assert due_date_heads_up_send(as_of=at(invoice.invoice_date + timedelta(days=1)))["messages"] == 0


def test_heads_up_without_a_reminders_contact_goes_to_the_invoice_contacts_and_without_any_is_skipped():
    with_invoices_only = customer_with(days=3, contacts=[INVOICES])
    nobody = customer_with(days=3, contacts=[])
    invoice = make_invoice(customer=with_invoices_only)
    make_invoice(customer=nobody)

    result = due_date_heads_up_send(as_of=at(invoice.due_date - timedelta(days=3)))

    assert result == {"messages": 1, "invoices": 1, "skipped": {SKIP_NO_RECIPIENT: 1}}
    assert OutboxMessage.objects.get().to_addresses == ["invoices@example.com"]
    assert DueDateNotice.objects.count() == 1  # the skipped one is tried again on the next run


def test_heads_up_is_in_english_for_an_english_customer():
    customer = customer_with(days=3, language="en")
    invoice = make_invoice(customer=customer)
    due_date_heads_up_send(as_of=at(invoice.due_date - timedelta(days=3)))
    message = OutboxMessage.objects.get()
    assert message.language == "en"
    assert message.subject == f"Payment due soon: invoice {invoice.number}"
    assert "Dear Paula Zahl," in message.body_text


def test_heads_up_queries_per_customer_are_constant():
    def run_for(count) -> int:
        invoices = [make_invoice(customer=customer_with(days=3)) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert due_date_heads_up_send(as_of=at(invoices[0].due_date - timedelta(days=3)))["messages"] == count
        return len(queries)

    run_for(1)  # warm caches (content types, the company profile's first read)
    one, two, three = run_for(1), run_for(2), run_for(3)
    assert three - two == two - one  # each customer costs the same: no query per invoice or per earlier row
    assert two - one <= 30


def test_heads_up_and_statement_appear_on_the_timeline_with_their_delivery_status():
    customer = customer_with(days=3)
    invoice = make_invoice(customer=customer)
    due_date_heads_up_send(as_of=at(invoice.due_date - timedelta(days=3)))
    account_statement_send(customer=customer, as_of=at(invoice.due_date))
    entries = [e for e in customer_timeline(customer.pk).entries if e.type == "message.queued"]
    assert {e.object_id for e in entries} == set(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(entries) == 2
    assert {e.message_status for e in entries} == {"queued"}


# --- Account statements ---------------------------------------------------------------------------


def test_previous_month():
    assert previous_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert previous_month(date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(date(2028, 3, 1)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_monthly_statement_once_per_customer_with_open_items():
    owing = customer_with()
    settled = customer_with()
    make_invoice(customer=owing)
    paid = make_invoice(customer=settled)
    make_payment(customer=settled, amount=paid.amount_due, allocate=True)
    first_of_month = at(date(2026, 12, 1), 6)

    result = statements_monthly_send(as_of=first_of_month)

    assert result == {"messages": 1, "skipped": {}, "period_end": "2026-11-30"}
    message = OutboxMessage.objects.get(template="account_statement")
    assert message.customer_id == owing.pk
    assert message.to_addresses == ["zahlung@example.com"]
    attachment = message.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.filename.endswith("2026-11-30.pdf")
    assert "1. November 2026" in message.subject or "01.11.2026" in message.subject
    dispatch = StatementDispatch.objects.get()
    assert (dispatch.customer_id, dispatch.period_end, dispatch.message_id) == (
        owing.pk,
        date(2026, 11, 30),
        message.pk,
    )

    assert statements_monthly_send(as_of=first_of_month)["messages"] == 0
    assert statements_monthly_send(as_of=first_of_month + timedelta(hours=5))["messages"] == 0
    assert OutboxMessage.objects.filter(template="account_statement").count() == 1


def test_statement_on_demand_is_refused_naming_the_field():
    customer = customer_with(contacts=[])
    make_invoice(customer=customer)
    now = timezone.now()
    with pytest.raises(Exception) as refused:
        account_statement_send(customer=customer, as_of=now)
    assert "to" in refused.value.message_dict
    with pytest.raises(Exception) as refused:
        account_statement_send(
            customer=customer, as_of=now, period_start=date(2026, 11, 2), period_end=date(2026, 11, 1)
        )
    assert "period_start" in refused.value.message_dict
    with pytest.raises(Exception) as refused:
        account_statement_send(customer=customer, as_of=now, period_end=timezone.localdate() + timedelta(days=1))
    assert "period_end" in refused.value.message_dict
    assert not OutboxMessage.objects.exists()


def test_statement_on_demand_does_not_count_as_the_monthly_one():
    customer = customer_with()
    make_invoice(customer=customer)
    account_statement_send(customer=customer, as_of=at(date(2026, 11, 30)))
    assert statements_monthly_send(as_of=at(date(2026, 12, 1), 6))["messages"] == 1
    assert OutboxMessage.objects.filter(template="account_statement").count() == 2


def test_amounts_in_the_heads_up_are_the_open_amounts():
    customer = customer_with(days=3)
    invoice = make_invoice(customer=customer, gross="119.00")
    make_payment(customer=customer, amount="19.00", allocate=True)
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("100.00")
    due_date_heads_up_send(as_of=at(invoice.due_date - timedelta(days=3)))
    assert "100,00" in OutboxMessage.objects.get().body_text

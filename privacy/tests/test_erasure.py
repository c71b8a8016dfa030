"""Erasure on request: anonymised where no retention applies (master data, history, the event log,
old messages), kept and restricted where it does; restricted people get no more e-mail; one
transaction; the dry run changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from communications.models import InboundMessage, MessageRecipient, OutboxMessage
from communications.services.outbox import message_recipients, message_resend
from core import privacy as core_privacy
from core.models import Event
from core.privacy import ERASED, address_digest, privacy_source
from customers.models import Contact, Customer
from invoicing.models import Invoice
from invoicing.tests.factories import make_issued
from payments.tests.factories import make_payment
from privacy.models import DataSubjectDecision, DataSubjectRequest, ProcessingRestriction, RequestStatus
from privacy.services import (
    PrivacyRequestConflict,
    plan_as_dict,
    privacy_plan,
    privacy_request_create,
    privacy_request_execute,
)

from .conftest import NOW, RECENT, make_consumer, send, typed_in

pytestmark = pytest.mark.django_db


def erasure(world, *contacts, by=None, **kwargs):
    return privacy_request_create(
        customer=kwargs.pop("customer", world["customer"]),
        contacts=contacts,
        kind="erasure",
        received_at=NOW,
        requested_by="per E-Mail von anna@example.com am 20.11.2026",
        as_of=NOW,
        by=by,
        **kwargs,
    )


def snapshot():
    """Everything an erasure may touch, to prove that nothing changed."""
    return (
        list(Contact.objects.order_by("pk").values()),
        list(Contact.history.order_by("history_id").values("name", "email", "phone")),
        list(OutboxMessage.objects.order_by("pk").values("subject", "body_text")),
        list(MessageRecipient.objects.order_by("pk").values("name", "address")),
        list(InboundMessage.objects.order_by("pk").values("from_email", "body_text")),
        list(Event.objects.order_by("pk").values("data")),
    )


def by_source(plans):
    return {plan["source"]: plan for plan in plan_as_dict(plans)}


def test_the_dry_run_says_per_source_what_and_why_and_changes_nothing(world):
    request = erasure(world, world["anna"])
    before = snapshot()
    plans = by_source(privacy_plan(request=request, as_of=NOW))
    assert snapshot() == before
    assert plans["customers.contacts"]["action"] == "erased"
    assert plans["customers.contacts"]["basis"] == "art17_1"
    outbox = plans["communications.outbox"]
    assert (outbox["action"], outbox["erase_count"], outbox["restrict_count"]) == ("restricted", 1, 1)
    assert outbox["restricted_until"] == "2032-12-31"
    assert outbox["basis"] == "art17_3b"
    assert "31.12.2032" in outbox["explanation"] and "§ 147 AO" in outbox["explanation"]
    assert plans["communications.inbound"]["action"] == "erased"  # the 2019 reply's 6 years ended
    assert plans["core.events"]["action"] == "erased"
    assert plans["invoicing.invoices"]["action"] == "nothing"
    assert "anna" not in str(plans).lower() and "schmidt" not in str(plans).lower()


def test_erasure_anonymises_master_data_history_events_and_old_messages_and_keeps_recent_ones(world, manager):
    anna, bernd = world["anna"], world["bernd"]
    request = erasure(world, anna, by=manager)
    privacy_request_execute(request=request, as_of=NOW, by=manager)

    anna.refresh_from_db()
    assert (anna.name, anna.email, anna.phone, anna.receives_invoices) == (ERASED, "", "", False)
    assert Contact.objects.filter(pk=anna.pk).exists()  # the row stays: references hold
    history = list(Contact.history.filter(id=anna.pk).values_list("name", "email", "phone"))
    assert len(history) >= 4 and set(history) == {(ERASED, "", "")}

    old, recent = world["old_mail"], world["recent_mail"]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.subject, old.body_text) == (ERASED, ERASED)
    assert [r["email"] for r in old.to] == [ERASED]
    assert "Frau Schmidt" in recent.body_text  # a business letter of 2026: kept until 31.12.2032
    assert recent.status == "cancelled"  # it waited in the outbox: not sent after the erasure
    assert [r["email"] for r in recent.to] == ["anna@example.com"]
    world["reply"].refresh_from_db()
    assert (world["reply"].from_email, world["reply"].body_text) == (ERASED, ERASED)

    noted = Event.objects.get(pk=world["noted"].pk)
    assert noted.data["note"] == "[redacted]" and noted.data["fields"] == ["phone"]
    assert Event.objects.filter(type="event.redacted", customer_id=world["customer"].pk).exists()

    # Another contact of the same customer, and the namesake at another customer, are untouched.
    bernd.refresh_from_db()
    assert (bernd.name, bernd.email) == ("Bernd Weber", "bernd@example.com")
    world["bernd_mail"].refresh_from_db()
    assert world["bernd_mail"].body_text == "Guten Tag Herr Weber"
    namesake = Contact.objects.get(pk=world["namesake"].pk)
    assert (namesake.name, namesake.email) == ("Anna Schmidt", "anna@example.com")
    world["other_mail"].refresh_from_db()
    assert world["other_mail"].body_text == "Guten Tag Frau Schmidt von nebenan"
    assert [r["email"] for r in world["other_mail"].to] == ["anna@example.com"]
    world["other_reply"].refresh_from_db()
    assert world["other_reply"].from_email == "anna@example.com"


def test_the_decision_and_its_basis_are_recorded_and_the_events_hold_no_personal_data(world, manager):
    request = erasure(world, world["anna"], by=manager)
    privacy_request_execute(request=request, as_of=NOW, by=manager)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
    assert (request.decided_by, request.decided_at) == (manager, NOW)
    assert request.requested_by == ""  # how it reached us named the person
    decisions = {d.source: d for d in DataSubjectDecision.objects.filter(request=request)}
    assert decisions["customers.contacts"].action == "erased"
    assert decisions["communications.outbox"].action == "restricted"
    assert decisions["communications.outbox"].restricted_until == date(2032, 12, 31)
    assert (decisions["communications.outbox"].erased_count, decisions["communications.outbox"].restricted_count) == (
        1,
        1,
    )
    erased = Event.objects.get(type="privacy.erased")
    restricted = Event.objects.get(type="privacy.restricted")
    assert restricted.data["until"] == "2032-12-31"
    assert erased.actor_user == manager and erased.customer_id == world["customer"].pk
    for event in (erased, restricted):
        text = str(event.data).lower()
        assert "anna" not in text and "schmidt" not in text and "@" not in text


def test_a_restricted_contact_receives_no_new_email_and_a_typed_in_copy_of_the_address_is_refused(world, english):
    customer, anna = world["customer"], world["anna"]
    privacy_request_execute(request=erasure(world, anna), as_of=NOW)
    restriction = ProcessingRestriction.objects.get(contact_id=anna.pk)
    assert restriction.kind == "restricted" and restriction.address_digest == address_digest("Anna@Example.com")

    assert [r["email"] for r in message_recipients(customer=customer)] == ["bernd@example.com"]
    with pytest.raises(ValidationError) as refused:
        typed_in(customer, "ANNA@example.com")
    assert "may not be written to: processing restricted on request" in str(refused.value.message_dict["to"])
    # Sending a message again goes to the current recipients: Anna is no longer one of them, and
    # naming her is refused.
    recent = world["recent_mail"]
    OutboxMessage.objects.filter(pk=recent.pk).update(status="sent", sending_at=RECENT, sent_at=RECENT)
    again = message_resend(message=recent, as_of=NOW, by=None)
    assert [r["email"] for r in again.to] == ["bernd@example.com"]
    with pytest.raises(ValidationError):
        message_resend(message=recent, as_of=NOW, by=None, to=[{"name": "", "email": "anna@example.com"}])
    # The namesake at another customer still gets mail.
    assert [r["email"] for r in message_recipients(customer=world["other"])] == ["anna@example.com"]


def test_a_contact_with_nothing_under_retention_is_erased_and_still_gets_no_mail(world):
    bernd = world["bernd"]
    privacy_request_execute(request=erasure(world, bernd), as_of=NOW)
    assert ProcessingRestriction.objects.get(contact_id=bernd.pk).kind == "erased"
    assert DataSubjectDecision.objects.get(source="communications.outbox").action == "erased"
    with pytest.raises(ValidationError):
        send(world["customer"], Contact(pk=bernd.pk, name="x", email="bernd@example.com"), as_of=NOW)


def test_a_failing_source_rolls_everything_back(world, monkeypatch):
    request = erasure(world, world["anna"])
    before = snapshot()
    events_before = Event.objects.count()
    source = privacy_source("communications.inbound")

    def broken(subject, keys, context):
        raise RuntimeError("disk full")

    monkeypatch.setitem(core_privacy._SOURCES, source.name, dataclasses.replace(source, erase=broken))
    with pytest.raises(RuntimeError, match="disk full"):
        privacy_request_execute(request=request, as_of=NOW)
    assert snapshot() == before
    assert Event.objects.count() == events_before
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED and request.requested_by
    assert not DataSubjectDecision.objects.exists() and not ProcessingRestriction.objects.exists()


def test_a_request_is_executed_once_and_an_access_request_never(world):
    request = erasure(world, world["anna"])
    privacy_request_execute(request=request, as_of=NOW)
    with pytest.raises(PrivacyRequestConflict):
        privacy_request_execute(request=request, as_of=NOW)
    access = privacy_request_create(
        customer=world["customer"], contacts=[world["bernd"]], kind="access", received_at=NOW, as_of=NOW
    )
    with pytest.raises(PrivacyRequestConflict):
        privacy_request_execute(request=access, as_of=NOW)
    assert DataSubjectRequest.objects.get(pk=access.pk).status == RequestStatus.RECEIVED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contacts": "foreign"}, "contacts"),
        ({"contacts": []}, "contacts"),
        ({"customer_itself": True}, "customer_itself"),
        ({"kind": "rectification"}, "kind"),
        ({"received_at": RECENT.replace(year=2027)}, "received_at"),
        ({"received_at": None}, "received_at"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field_and_nothing_is_saved(world, overrides, field):
    data = {"contacts": [world["anna"]], "kind": "erasure", "received_at": NOW}
    data.update(overrides)
    if data["contacts"] == "foreign":
        data["contacts"] = [world["namesake"]]
    with pytest.raises(ValidationError) as refused:
        privacy_request_create(customer=world["customer"], as_of=NOW, **data)
    assert field in refused.value.message_dict
    assert not DataSubjectRequest.objects.exists()


@pytest.fixture
def consumer(world):
    customer = make_consumer()
    invoice = make_issued(customer=customer, as_of=RECENT, service_date=RECENT.date())
    payment = make_payment(
        customer=customer, amount="50.00", value_date=date(2017, 5, 2), payer_name="Erika Mustermann"
    )
    return {"customer": customer, "invoice": invoice, "payment": payment, "contact": customer.contacts.get()}


def test_a_consumer_with_invoices_under_retention_is_restricted_and_the_invoices_stay_untouched(consumer, world):
    customer, invoice = consumer["customer"], consumer["invoice"]
    buyer_before = Invoice.objects.values("buyer", "buyer_contact_name", "number").get(pk=invoice.pk)
    request = privacy_request_create(
        customer=customer,
        contacts=[consumer["contact"]],
        customer_itself=True,
        kind="erasure",
        received_at=NOW,
        as_of=NOW,
    )
    plans = by_source(privacy_plan(request=request, as_of=NOW))
    assert plans["invoicing.invoices"]["action"] == "restricted"
    assert plans["invoicing.invoices"]["basis"] == "immutable"
    assert plans["invoicing.invoices"]["restricted_until"] == "2034-12-31"
    assert plans["customers.customer"]["action"] == "restricted"  # the debtor account follows its vouchers
    assert plans["customers.customer"]["restricted_until"] == "2034-12-31"
    assert plans["payments.payments"]["action"] == "erased"  # of 2017: its 8 years ended on 31.12.2025
    privacy_request_execute(request=request, as_of=NOW)
    consumer["payment"].refresh_from_db()
    assert (consumer["payment"].payer_name, consumer["payment"].amount) == (ERASED, consumer["payment"].amount)

    assert Invoice.objects.values("buyer", "buyer_contact_name", "number").get(pk=invoice.pk) == buyer_before
    customer.refresh_from_db()
    assert customer.legal_name == "Erika Mustermann"  # kept (restricted), not erased
    assert ProcessingRestriction.objects.filter(customer=customer, contact_id=None, kind="restricted").exists()
    assert message_recipients(customer=customer) == []
    with pytest.raises(ValidationError) as refused:
        typed_in(customer, "someone.else@example.com")
    assert "to" in refused.value.message_dict


def test_a_consumer_without_retained_records_is_erased_with_history_and_bank_accounts(world):
    customer = make_consumer("Max Muster", contacts=[])
    request = privacy_request_create(
        customer=customer, customer_itself=True, kind="erasure", received_at=NOW, as_of=NOW
    )
    privacy_request_execute(request=request, as_of=NOW)
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.legal_name, customer.billing_street, customer.billing_postal_code) == (ERASED, ERASED, "")
    assert set(Customer.history.filter(id=customer.pk).values_list("legal_name", flat=True)) == {ERASED}
    account = customer.bank_accounts.get()
    assert (account.account_holder, account.is_active) == ("", False) and "DE89" not in account.iban
    assert not customer.bank_accounts.model.history.filter(iban__startswith="DE").exists()


def test_an_erased_contact_may_still_be_deleted_and_its_address_stays_refused(world):
    from customers.services import contact_delete

    anna = world["anna"]
    privacy_request_execute(request=erasure(world, anna), as_of=NOW)
    contact_delete(contact=Contact.objects.get(pk=anna.pk), as_of=NOW)
    assert ProcessingRestriction.objects.filter(contact_id=anna.pk).exists()
    with pytest.raises(ValidationError):
        typed_in(world["customer"], "anna@example.com")

"""Fixtures of the privacy tests: a business customer with two contacts and their traces (old and
recent e-mails, a reply, an event with free text), a second customer with a namesake contact, and a
consumer customer with an issued invoice and a payment."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from communications.models import InboundMessage
from communications.services.outbox import message_queue
from core.events import event_record
from customers.models import Contact
from customers.services import contact_update
from customers.tests.conftest import english  # noqa: F401  (a fixture, used by name)
from customers.tests.factories import make_customer
from invoicing.tests.factories import T0, make_company_profile, seed_rates_and_terms

BERLIN = ZoneInfo("Europe/Berlin")
OLD = datetime(2019, 3, 1, 10, 0, tzinfo=BERLIN)  # a business letter of 2019: kept until 31.12.2025
RECENT = datetime(2026, 3, 1, 10, 0, tzinfo=BERLIN)  # of 2026: kept until 31.12.2032
NOW = T0  # 27.11.2026


def send(customer, contact: Contact, *, as_of: datetime, body: str = "Guten Tag Frau Schmidt"):
    return message_queue(
        customer=customer,
        template="invoice",
        language="de",
        subject="Ihre Rechnung",
        body_text=body,
        to=[{"name": contact.name, "email": contact.email, "contact_id": contact.pk}],
        cause="invoice issued",
        as_of=as_of,
    )


def typed_in(customer, address: str, *, as_of: datetime = NOW, body: str = "T"):
    """A message to an address typed in by hand, linked to no contact."""
    return message_queue(
        customer=customer,
        template="invoice",
        language="de",
        subject="Mahnung",
        body_text=body,
        to=[{"name": "", "email": address}],
        cause="typed in",
        as_of=as_of,
    )


def receive(customer, contact: Contact, *, as_of: datetime, body: str = "Ich zahle morgen. Anna Schmidt"):
    return InboundMessage.objects.create(
        customer=customer,
        contact=contact,
        matched_by=InboundMessage.Match.SENDER,
        from_email=contact.email,
        from_name=contact.name,
        to=["antwort@debitor.example"],
        subject="Re: Ihre Rechnung",
        body_text=body,
        received_at=as_of,
    )


def make_consumer(name: str = "Erika Mustermann", *, contacts=None):
    """A consumer customer (a natural person) with a contact of the same name and a bank account."""
    if contacts is None:
        contacts = [{"name": name, "email": "erika@example.com", "receives_invoices": True}]
    return make_customer(
        legal_name=name,
        kind="consumer",
        tax_number="",
        contacts=contacts,
        bank_accounts=[{"iban": "DE89370400440532013000", "account_holder": name}],
    )


@pytest.fixture
def world(db):
    seed_rates_and_terms()
    make_company_profile(mail_from_email="rechnung@debitor.example")
    customer = make_customer(
        contacts=[
            {"name": "Anna Schmidt", "email": "anna@example.com", "phone": "+49 89 1234567", "receives_invoices": True},
            {"name": "Bernd Weber", "email": "bernd@example.com", "receives_invoices": True},
        ]
    )
    anna, bernd = customer.contacts.order_by("name")
    # An earlier address: the history holds it.
    contact_update(contact=anna, data={"email": "anna.schmidt@example.com"}, as_of=OLD)
    contact_update(contact=anna, data={"email": "anna@example.com"}, as_of=OLD)
    other = make_customer(
        contacts=[{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}],
    )
    namesake = other.contacts.get()
    world = {
        "customer": customer,
        "anna": anna,
        "bernd": bernd,
        "other": other,
        "namesake": namesake,
        "old_mail": send(customer, anna, as_of=OLD),
        "recent_mail": send(customer, anna, as_of=RECENT),
        "bernd_mail": send(customer, bernd, as_of=OLD, body="Guten Tag Herr Weber"),
        "other_mail": send(other, namesake, as_of=OLD, body="Guten Tag Frau Schmidt von nebenan"),
        "reply": receive(customer, anna, as_of=OLD),
        "other_reply": receive(other, namesake, as_of=OLD, body="Nachbarin"),
        "noted": event_record(
            type="contact.changed",
            obj=anna,
            customer_id=customer.pk,
            data={"fields": ["phone"], "note": "Frau Schmidt rief an, zahlt morgen"},
        ),
    }
    return world

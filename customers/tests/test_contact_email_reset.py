"""A contact whose address bounced can be mailed again once the address is corrected."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from customers.services.contacts import contact_update

from .factories import make_customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo("Europe/Berlin"))


def bounced_contact():
    contact = make_customer().contacts.get()
    contact.email_invalid_since, contact.email_invalid_reason = NOW, "550 mailbox unknown"
    contact.save()
    return contact


def test_correcting_the_address_lifts_the_block():
    contact = contact_update(contact=bounced_contact(), data={"email": "anna.schmidt@example.com"}, as_of=NOW)

    contact.refresh_from_db()
    assert (contact.email, contact.email_invalid_since, contact.email_invalid_reason) == (
        "anna.schmidt@example.com",
        None,
        "",
    )


def test_editing_something_else_keeps_the_block():
    contact = contact_update(contact=bounced_contact(), data={"name": "Anna Schmidt-Meier"}, as_of=NOW)

    contact.refresh_from_db()
    assert contact.email_invalid_since == NOW

"""Customers built through the services, the way users create them."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

from customers.services import customer_create

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
_names = count(1)


def customer_data(**overrides) -> dict:
    data = {
        "legal_name": f"Beispiel Handel {next(_names)} GmbH",
        "kind": "business",
        "billing_street": "Hauptstraße 1",
        "billing_postal_code": "80331",
        "billing_city": "München",
        "billing_country": "DE",
        "vat_id": "",
        "tax_number": "143/123/45678",
    }
    return {**data, **overrides}


def make_customer(*, contacts=None, bank_accounts=None, as_of: datetime = T0, by=None, **overrides):
    if contacts is None:
        contacts = [{"name": "Anna Schmidt", "email": "anna@example.com", "receives_invoices": True}]
    return customer_create(
        data=customer_data(**overrides),
        contacts=contacts,
        bank_accounts=bank_accounts or [],
        as_of=as_of,
        by=by,
    )

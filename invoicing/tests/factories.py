"""Invoices built through the services, the way users create them.

The seeded VAT rates and payment terms come from a data migration; a committing test
(``transaction=True``) ends with a flush that removes them. ``invoicing_setup`` puts them back
(idempotently) together with the company profile every invoice needs, and a module with
committing tests uses ``reseed_after_module`` so the modules after it find them again.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps

from core.models import CompanyProfile
from customers.models import Customer, PaymentTerms
from customers.tests.factories import make_customer
from invoicing.models import Invoice
from invoicing.services import invoice_draft_create, invoice_issue

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
D0 = T0.date()

SELLER = {
    "name": "Debitor Test GmbH",
    "street": "Marienplatz 1",
    "postal_code": "80331",
    "city": "München",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "143/123/45678",
    "register_court": "Amtsgericht München",
    "register_number": "HRB 123456",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "email": "buchhaltung@debitor.example",
}
# Valid VAT IDs (format and check digit) for buyers abroad and at home.
AT_VAT_ID = "ATU13585627"
DE_VAT_ID = "DE136695976"


def at(day: date, hour: int = 10) -> datetime:
    """A Berlin time on a day: services take time as an argument."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def seed_rates_and_terms() -> None:
    """What a new database starts with (the squashed initial migrations' seeds), again after a
    test that emptied the tables."""
    importlib.import_module("customers.migrations.0001_squashed_0009_payment_terms").seed_terms(django_apps, None)
    importlib.import_module("invoicing.migrations.0001_squashed_0015_payment_terms_in_customers").seed_rates(
        django_apps, None
    )


@pytest.fixture(scope="module")
def reseed_after_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        seed_rates_and_terms()


def make_company_profile(**overrides) -> CompanyProfile:
    profile, _ = CompanyProfile.objects.update_or_create(pk=1, defaults={**SELLER, **overrides})
    return profile


@pytest.fixture
def invoicing_setup(db):
    seed_rates_and_terms()
    return make_company_profile()


def terms(name: str) -> PaymentTerms:
    return PaymentTerms.objects.get(name=name)


def make_terms(*, basis: str = "net", days: int = 30, tiers=(), name: str | None = None) -> PaymentTerms:
    name = name or f"{basis} {days} {list(tiers)}"
    found, _ = PaymentTerms.objects.get_or_create(
        name=name, defaults={"basis": basis, "days": days, "discount_tiers": list(tiers)}
    )
    return found


def line(**overrides) -> dict:
    data = {
        "description": "Beratung Forderungsmanagement",
        "quantity": "2",
        "unit_code": "HUR",
        "unit_price": "100.00",
        "vat_category": "S",
        "vat_rate": "19",
    }
    return {**data, **overrides}


def foreign_business(**overrides) -> Customer:
    """An Austrian business with a VAT ID: the buyer of intra-community supplies."""
    data = {
        "billing_country": "AT",
        "billing_postal_code": "1010",
        "billing_city": "Wien",
        "billing_street": "Graben 1",
        "vat_id": AT_VAT_ID,
        "tax_number": "",
    }
    return make_customer(**{**data, **overrides})


def make_draft(
    *, customer: Customer | None = None, lines=None, allowances=(), as_of: datetime = T0, by=None, **data
) -> Invoice:
    data.setdefault("service_date", D0)
    return invoice_draft_create(
        customer=customer or make_customer(),
        as_of=as_of,
        by=by,
        data=data,
        lines=[line()] if lines is None else lines,
        allowances_charges=list(allowances),
    )


def make_issued(*, as_of: datetime = T0, by=None, issue_kwargs=None, **draft_kwargs) -> Invoice:
    draft = make_draft(as_of=as_of, by=by, **draft_kwargs)
    return invoice_issue(invoice=draft, as_of=as_of, by=by, **(issue_kwargs or {}))

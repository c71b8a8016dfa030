"""Dunning test data: a default policy with three levels, customers whose contacts receive
reminders, invoices issued on T0 (2026-11-27) and due 30 days later; runs a few weeks after."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from customers.tests.factories import make_customer
from dunning.models import DunningLevel, DunningPolicy, LevelBasis
from invoicing.tests.factories import T0, at, make_company_profile, seed_rates_and_terms
from payments.tests.factories import make_invoice, net_terms


def make_policy(*, name: str = "Standard", default: bool = True, minimum: str = "5.00", levels=None) -> DunningPolicy:
    # The migration's default policy "Standard" makes way for the test's own (nothing refers to it yet).
    DunningPolicy.objects.filter(name=name).delete()
    if default:
        DunningPolicy.objects.filter(is_default=True).update(is_default=False)
    policy = DunningPolicy.objects.create(
        name=name, is_default=default, minimum_amount=Decimal(minimum), created_at=T0, updated_at=T0
    )
    for position, (days, basis, fee, task_kind) in enumerate(
        levels
        or [
            (7, LevelBasis.DUE_DATE, "0.00", ""),
            (14, LevelBasis.PREVIOUS, "5.00", ""),
            (14, LevelBasis.PREVIOUS, "10.00", "call_customer"),
        ],
        start=1,
    ):
        DunningLevel.objects.create(
            policy=policy,
            position=position,
            name=["Zahlungserinnerung", "1. Mahnung", "Letzte Mahnung"][position - 1]
            if position <= 3
            else f"{position}",
            days=days,
            counted_from=basis,
            template="reminder",
            fee=Decimal(fee),
            task_kind=task_kind,
        )
    return policy


def make_debtor(*, email: str = "ap@example.com", reminders: bool = True, **overrides):
    return make_customer(
        contacts=[
            {"name": "Accounts Payable", "email": email, "receives_invoices": True, "receives_reminders": reminders}
        ],
        **overrides,
    )


def setup_world() -> None:
    seed_rates_and_terms()
    make_company_profile()


def overdue_invoice(customer, gross: str = "119.00", **kwargs):
    """Issued on T0 with 30 days net: due 2026-12-27."""
    return make_invoice(customer=customer, gross=gross, terms=net_terms(30), **kwargs)


DUE = (T0 + timedelta(days=30)).date()
LEVEL1_DAY = DUE + timedelta(days=7)


def run_time(day: date, hour: int = 8) -> datetime:
    return at(day, hour)

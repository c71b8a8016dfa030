"""Promises and disputes built through the services, on invoices and payments built the same way."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from casework.models import PromiseChannel
from casework.services import dispute_open, promise_take
from invoicing.tests.factories import D0, T0

# The promise is taken the day after the invoices were issued (T0).
TAKEN = T0 + timedelta(days=1)
PROMISED = D0 + timedelta(days=10)


def soon(days: int = 10) -> date:
    """A promised date ahead of the real clock (for API and admin tests, which take time as now)."""
    return timezone.localdate() + timedelta(days=days)


def make_promise(
    *,
    customer,
    invoices,
    amount: str = "119.00",
    promised_date: date = PROMISED,
    as_of: datetime = TAKEN,
    channel: str = PromiseChannel.CALL,
    **kwargs,
):
    return promise_take(
        customer=customer,
        invoices=invoices,
        amount=Decimal(amount) if amount.replace(".", "").lstrip("-").isdigit() else amount,
        promised_date=promised_date,
        channel=channel,
        as_of=as_of,
        **kwargs,
    )


def make_dispute(*, invoice, reason: str = "quality", as_of: datetime = TAKEN, **kwargs):
    return dispute_open(invoice=invoice, reason=reason, as_of=as_of, **kwargs)

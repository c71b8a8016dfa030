"""Payments and open items built through the services (open items have no service yet: a later
issue creates fees and interest; here they are rows as that issue will write them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from invoicing.tests.factories import D0, T0, line, make_issued, make_terms
from payments.models import OpenItem, Payment
from payments.services import payment_record


def make_invoice(*, customer, gross: str = "119.00", terms=None, as_of: datetime = T0, **kwargs):
    """An issued invoice for ``gross`` (one line at 19 % VAT whose rounded gross is ``gross``),
    or for the given ``lines``."""
    lines = kwargs.pop("lines", None)
    given = lines is not None
    if not given:
        net = (Decimal(gross) / Decimal("1.19")).quantize(Decimal("0.01"))
        lines = [line(quantity="1", unit_price=str(net))]
    if terms is not None:
        kwargs["payment_terms"] = terms.pk
    invoice = make_issued(customer=customer, lines=lines, as_of=as_of, **kwargs)
    assert given or invoice.amount_due == Decimal(gross), f"no 19 % net gives {gross}"
    return invoice


def skonto_terms(*, percent: str = "2.00", days: int = 10, net_days: int = 30):
    return make_terms(days=net_days, tiers=[{"percent": percent, "days": days}])


def net_terms(days: int):
    return make_terms(days=days)


def make_payment(
    *,
    customer,
    amount: str | Decimal,
    value_date: date = D0,
    as_of: datetime = T0,
    allocate: bool = False,
    channel: str = "bank_transfer",
    currency: str = "EUR",
    **kwargs,
) -> Payment:
    return payment_record(
        customer=customer,
        channel=channel,
        amount=Decimal(str(amount)),
        currency=currency,
        value_date=value_date,
        as_of=as_of,
        allocate=allocate,
        **kwargs,
    )


def make_open_item(
    *, customer, kind: str, amount: str, due_date: date = D0, invoice=None, as_of: datetime = T0, currency="EUR"
) -> OpenItem:
    return OpenItem.objects.create(
        customer=customer,
        kind=kind,
        invoice=invoice,
        description=kind,
        currency=currency,
        amount=Decimal(amount),
        open_amount=Decimal(amount),
        due_date=due_date,
        created_at=as_of,
    )

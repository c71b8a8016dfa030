"""The allocation engine's invariants over random sequences of payments, allocations (valid
and invalid), reversals, returns, credit, refunds and credit notes (Hypothesis).

After every step: each payment's parts add up and its allocated part is its active
allocations; no allocation exceeds its payment or its target; every invoice's open amount is
amount due − credit notes (as applied) − active allocations − active Skonto − write-offs ≥ 0,
and its settlement state matches; every credit note's open credit is what it had left less
what was applied elsewhere.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.tests.factories import make_customer
from invoicing.models import DocumentType, Invoice, InvoiceEvent
from invoicing.services import credit_note_create
from invoicing.tests.factories import D0, T0, invoicing_setup, line  # noqa: F401
from payments.models import Allocation, Payment, SettlementDiscount, WriteOff
from payments.services import (
    allocation_reverse,
    credit_apply,
    credit_note_apply,
    payment_allocate,
    payment_allocate_by_law,
    payment_keep_as_credit,
    payment_refund,
    payment_return,
)
from payments.services.common import settlement_state_of

from .factories import make_invoice, make_payment, net_terms, skonto_terms

pytestmark = pytest.mark.usefixtures("invoicing_setup")
ZERO = Decimal("0")

# Random cents, and the amounts that settle the invoices below exactly or with Skonto.
exact = st.sampled_from([Decimal("116.62"), Decimal("57.71"), Decimal("119.00"), Decimal("238.00"), Decimal("59.50")])
cents = st.one_of(st.integers(min_value=-100, max_value=15000).map(lambda c: Decimal(c) / 100), exact)
# Or an amount relative to what the source holds and the target needs, resolved when the step runs.
small = st.one_of(
    st.integers(min_value=-100, max_value=4000).map(lambda c: Decimal(c) / 100),
    exact,
    st.sampled_from(["all", "half", "over"]),
)


def resolve(amount, available: Decimal, needed: Decimal | None = None) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    most = available if needed is None else min(available, needed)
    if amount == "over":
        return most + Decimal("0.01")
    return most if amount == "all" else (most / 2).quantize(Decimal("0.01"))


index = st.integers(min_value=0, max_value=5)
# Mostly recorded unapplied (or kept as credit), so later steps have money to allocate and refund.
pays = st.tuples(
    st.just("pay"), cents, st.sampled_from([False, False, True, "credit"]), st.integers(min_value=0, max_value=15)
)
# A payment of exactly the discounted amount within the discount period.
skonto_pays = st.tuples(
    st.just("pay"), st.sampled_from([Decimal("116.62"), Decimal("57.71")]), st.booleans(), st.integers(0, 7)
)
steps = st.one_of(
    pays,
    skonto_pays,
    st.tuples(st.just("allocate"), index, index, small),
    st.tuples(st.just("by_law"), index),
    st.tuples(st.just("reverse"), index),
    st.tuples(st.just("return"), index),
    st.tuples(st.just("keep_credit"), index),
    st.tuples(st.just("apply_credit"), index, index, small),
    st.tuples(st.just("refund"), index, small),
    st.tuples(st.just("credit_note"), index, st.integers(min_value=1, max_value=120)),
    st.tuples(st.just("apply_credit_note"), index, index, small),
)


def pick(rows: list, i: int):
    return rows[i % len(rows)] if rows else None


def fresh(obj):
    obj.refresh_from_db()
    return obj


def with_credit(payments: list) -> list:
    """Payments holding credit (all of them when none does, so refusals are exercised too)."""
    return [p for p in payments if fresh(p).credit_amount > 0] or payments


def run(step, world) -> None:
    customer, invoices, notes, payments = world["customer"], world["invoices"], world["notes"], world["payments"]
    kind, *args = step
    if kind == "pay":
        amount, allocate, days = args
        payment = make_payment(
            customer=customer, amount=amount, allocate=allocate is True, value_date=D0 + timedelta(days=days)
        )
        payments.append(payment)
        if allocate == "credit":
            payment_keep_as_credit(payment=payment, as_of=T0)
    elif kind == "allocate" and payments:
        payment, invoice = fresh(pick(payments, args[0])), fresh(pick(invoices, args[1]))
        amount = resolve(args[2], payment.unapplied_amount, invoice.open_amount)
        payment_allocate(payment=payment, targets=[{"invoice": invoice, "amount": amount}], as_of=T0)
    elif kind == "by_law" and payments:
        payment_allocate_by_law(payment=pick(payments, args[0]), as_of=T0)
    elif kind == "reverse":
        allocation = pick(list(Allocation.objects.filter(payment__customer=customer).order_by("pk")), args[0])
        if allocation is not None:
            allocation_reverse(allocation=allocation, as_of=T0, reason="random")
    elif kind == "return" and payments:
        payment_return(payment=pick(payments, args[0]), as_of=T0, reason="random")
    elif kind == "keep_credit" and payments:
        payment_keep_as_credit(payment=pick(payments, args[0]), as_of=T0)
    elif kind == "apply_credit" and payments:
        payment, invoice = fresh(pick(with_credit(payments), args[0])), fresh(pick(invoices, args[1]))
        amount = resolve(args[2], payment.credit_amount, invoice.open_amount)
        credit_apply(payment=payment, targets=[{"invoice": invoice, "amount": amount}], as_of=T0)
    elif kind == "refund" and payments:
        payment = fresh(pick(with_credit(payments), args[0]))
        amount = resolve(args[1], payment.credit_amount)
        payment_refund(payment=payment, amount=amount, channel="bank_transfer", as_of=T0)
    elif kind == "credit_note":
        invoice = pick(invoices, args[0])
        note = credit_note_create(
            invoice=invoice, as_of=T0, lines=[line(quantity="1", unit_price=str(args[1]))], issue=True
        )
        notes.append(note)
    elif kind == "apply_credit_note" and notes:
        note, invoice = fresh(pick(notes, args[0])), fresh(pick(invoices, args[1]))
        amount = resolve(args[2], note.open_amount, invoice.open_amount)
        credit_note_apply(credit_note=note, invoice=invoice, amount=amount, as_of=T0)


def check_invariants(customer) -> None:
    for payment in Payment.objects.filter(customer=customer):
        parts = [
            payment.allocated_amount,
            payment.credit_amount,
            payment.refunded_amount,
            payment.returned_amount,
            payment.unapplied_amount,
        ]
        assert all(p >= 0 for p in parts) and sum(parts) == payment.amount, payment.__dict__
        active = Allocation.objects.filter(payment=payment, reversed_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        assert (active or ZERO) == payment.allocated_amount
        assert not Allocation.objects.filter(payment=payment, amount__gt=payment.amount).exists()
    for invoice in Invoice.objects.filter(customer=customer, status__in=["issued", "cancelled"]):
        targeted = Allocation.objects.filter(invoice=invoice, reversed_at__isnull=True)
        allocated = targeted.aggregate(s=Sum("amount"))["s"] or ZERO
        if invoice.document_type == DocumentType.CREDIT_NOTE:
            event = InvoiceEvent.objects.get(
                invoice=invoice.corrected_invoice_id, kind="credited", data__credit_note=invoice.number
            )
            left = invoice.amount_due - Decimal(event.data["applied"])
            used = Allocation.objects.filter(credit_note=invoice, reversed_at__isnull=True)
            used = used.aggregate(s=Sum("amount"))["s"]
            assert invoice.open_amount == left - (used or ZERO) >= 0
            continue
        credited = sum(
            (Decimal(e.data["applied"]) for e in InvoiceEvent.objects.filter(invoice=invoice, kind="credited")), ZERO
        )
        discounts = SettlementDiscount.objects.filter(invoice=invoice, reversed_at__isnull=True)
        discounted = discounts.aggregate(s=Sum("amount"))["s"] or ZERO
        written = WriteOff.objects.filter(invoice=invoice, reversed_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        expected = invoice.amount_due - credited - allocated - discounted - (written or ZERO)
        assert invoice.open_amount == expected >= 0, (invoice.number, invoice.open_amount, expected)
        assert allocated + discounted <= invoice.amount_due
        assert invoice.settlement_state == settlement_state_of(invoice)
        assert (invoice.settlement_state == "paid") == (invoice.open_amount == 0)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    first=st.lists(st.one_of(skonto_pays, pays), min_size=1, max_size=3),
    script=st.lists(steps, min_size=1, max_size=12),
)
def test_random_sequences_keep_every_sum_right(first, script):
    customer = make_customer()
    world = {
        "customer": customer,
        "invoices": [
            # Due on days 20, 30 and 25: the law pays them in that order.
            make_invoice(customer=customer, gross="119.00", terms=skonto_terms(net_days=20)),
            make_invoice(customer=customer, gross="238.00", terms=net_terms(30)),
            make_invoice(customer=customer, gross="59.50", terms=skonto_terms(percent="3.00", days=7, net_days=25)),
        ],
        "notes": [],
        "payments": [],
    }
    for step in [*first, *script]:
        try:
            run(step, world)
        except ValidationError:
            pass  # refused as a whole; the invariants below prove nothing was half-applied
        check_invariants(customer)

"""The payments behind the generated ledger (``invoicing.generator``), registered with it.

Imported by ``PaymentsConfig.ready``; invoicing's generator calls ``write_payments`` after each
chunk of issued invoices, so ``manage.py generate_data``, the demo data and the benches get them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from core.money import quantize
from invoicing.generator import BERLIN, register_chunk_writer
from invoicing.models import Invoice

from .models import Allocation, Payment, SettlementDiscount
from .services.common import vat_split_of


@register_chunk_writer
def write_payments(*, invoices: list[Invoice], totals_rows: list, as_of: date) -> None:
    """The payments behind what the ledger shows as paid, as the payments engine would have left
    them: one transfer or direct debit per paid or partly paid invoice (some late), allocated to
    it; some paid early with Skonto (a ``SettlementDiscount`` with its VAT split), some over-paid
    (the excess kept as customer credit), and some direct debits returned once (reversed) before
    the money came again. Every paid cent has its payment: open = amount due − active allocations
    − discounts."""
    prng = random.Random(f"payments-{invoices[0].number}")  # noqa: S311 - own stream: invoices stay as before
    rows = []  # (payment, invoice, allocation amount, reversed moment or None, discount offer or None)
    for invoice, totals in zip(invoices, totals_rows, strict=True):
        paid = invoice.amount_due - invoice.open_amount
        if paid <= 0:
            continue
        payer = {"customer": invoice.customer, "currency": invoice.currency, "payer_name": invoice.customer.legal_name}
        offer = invoice.discount_offers[0] if invoice.discount_offers and invoice.open_amount == 0 else None
        if offer is not None and prng.random() < 0.5:
            deadline = date.fromisoformat(offer["deadline"])
            value_date = min(deadline - timedelta(days=prng.randint(0, 5)), as_of)
            if value_date >= invoice.invoice_date:
                amount = Decimal(offer["amount_to_pay"])
                moment = datetime.combine(value_date, time(12, 0), BERLIN)
                payment = Payment(
                    **payer, channel="bank_transfer", status="completed", source="bank_statement", amount=amount,
                    value_date=value_date, remittance=invoice.number, external_id=f"GEN-{invoice.number}",
                    allocated_amount=amount, created_at=moment, updated_at=moment,
                )  # fmt: skip
                rows.append((payment, invoice, amount, None, (offer, totals)))
                continue
        late = prng.random() < 0.3
        value_date = invoice.due_date + timedelta(days=prng.randint(1, 45) if late else -prng.randint(0, 20))
        value_date = min(max(value_date, invoice.invoice_date), as_of)
        moment = datetime.combine(value_date, time(12, 0), BERLIN)
        direct_debit = prng.random() < 0.1
        channel = "direct_debit" if direct_debit else "bank_transfer"
        if direct_debit and prng.random() < 0.1 and value_date - timedelta(days=14) >= invoice.invoice_date:
            # Returned once (e.g. MD06, insufficient funds), then collected again two weeks later.
            first = value_date - timedelta(days=14)
            first_moment = datetime.combine(first, time(12, 0), BERLIN)
            returned = Payment(
                **payer, channel=channel, status="returned", source="bank_statement", amount=paid, value_date=first,
                remittance=invoice.number, external_id=f"GEN-R-{invoice.number}", returned_amount=paid,
                created_at=first_moment, updated_at=first_moment + timedelta(days=3),
            )  # fmt: skip
            rows.append((returned, invoice, paid, first_moment + timedelta(days=3), None))
        over = (
            quantize(Decimal(prng.randint(100, 5000)) / 100, invoice.currency) if prng.random() < 0.03 else Decimal(0)
        )
        payment = Payment(
            **payer, channel=channel, status="completed", source="bank_statement", amount=paid + over,
            value_date=value_date, remittance=invoice.number, external_id=f"GEN-{invoice.number}",
            allocated_amount=paid, credit_amount=over, created_at=moment, updated_at=moment,
        )  # fmt: skip
        rows.append((payment, invoice, paid, None, None))
    Payment.objects.bulk_create([row[0] for row in rows], batch_size=5000)
    allocations = [
        Allocation(
            payment=payment,
            invoice=invoice,
            amount=amount,
            currency=payment.currency,
            rule="payer",
            explanation="generated: remittance names the invoice",
            created_at=payment.created_at,
            reversed_at=reversed_at,
            reversal_reason="returned: MD06" if reversed_at else "",
        )
        for payment, invoice, amount, reversed_at, _discount in rows
    ]
    Allocation.objects.bulk_create(allocations, batch_size=5000)
    SettlementDiscount.objects.bulk_create(
        (
            SettlementDiscount(
                invoice=invoice,
                allocation=allocation,
                percent=Decimal(offer["percent"]),
                amount=Decimal(offer["discount_amount"]),
                vat_split=vat_split_of(totals.breakdown, Decimal(offer["discount_amount"]), currency=invoice.currency),
                created_at=payment.created_at,
            )
            for (payment, invoice, _amount, _reversed, discount), allocation in zip(rows, allocations, strict=True)
            if discount is not None
            for offer, totals in [discount]
        ),
        batch_size=5000,
    )

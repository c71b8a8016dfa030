"""Customer credit: over-payments kept as credit, credit applied to items, a credit note's credit
applied to another invoice, and credit refunded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.messages import message as stored_message
from invoicing.models import DocumentStatus, DocumentType, Invoice

from ..models import Allocation, AllocationRule, Payment, PaymentChannel, PaymentEvent, PaymentStatus, Refund
from .allocation import CREDIT_APPLIED, CREDIT_NOTE, _refresh, _targets_of, allocate_locked
from .common import (
    PARTS,
    apply_money,
    check_amount,
    check_target,
    lock_all,
    payment_event,
    payment_save,
    payment_transition,
    user_or_none,
)


def payment_keep_as_credit(*, payment: Payment, as_of: datetime, by=None, amount: Decimal | None = None) -> Payment:
    """Turn a completed payment's unapplied money (all of it, or ``amount``) into customer credit:
    usable on other items (``credit_apply``) or refundable (``payment_refund``)."""
    with transaction.atomic():
        locked = lock_all(payments=[payment.pk])[0][payment.pk]
        if locked.status != PaymentStatus.COMPLETED:
            raise ValidationError({"payment": [_("Only completed payments can be kept as credit.")]})
        amount = locked.unapplied_amount if amount is None else check_amount(amount, locked.currency)
        if amount <= 0:
            raise ValidationError({"amount": [_("Nothing of this payment is unapplied.")]})
        if amount > locked.unapplied_amount:
            message = _("%(a)s exceeds the unapplied amount %(u)s.")
            raise ValidationError({"amount": [message % {"a": amount, "u": locked.unapplied_amount}]})
        locked.unapplied_amount -= amount
        locked.credit_amount += amount
        payment_save(locked, as_of)
        payment_event(payment=locked, kind=PaymentEvent.Kind.CREDITED, as_of=as_of, by=by, data={"amount": str(amount)})
    _refresh(payment, locked)
    return payment


def credit_apply(*, payment: Payment, targets: list[dict], as_of: datetime, by=None) -> list[Allocation]:
    """Apply a payment's customer credit to items (same targets and refusals as ``payment_allocate``;
    the limit is the credit). Reversing such an allocation returns the money to credit."""
    invoice_pks, item_pks = _targets_of(targets)
    if not targets:
        raise ValidationError({"targets": [_("Name at least one invoice or open item.")]})
    with transaction.atomic():
        payments, invoices, items = lock_all(
            customers=[payment.customer_id], payments=[payment.pk], invoices=invoice_pks, items=item_pks
        )
        locked = payments[payment.pk]
        allocations = allocate_locked(
            payment=locked,
            targets=targets,
            invoices=invoices,
            items=items,
            as_of=as_of,
            by=by,
            rule=AllocationRule.MANUAL,
            explanation=[stored_message(CREDIT_APPLIED)],
            from_credit=True,
        )
    _refresh(payment, locked)
    return allocations


def credit_note_apply(
    *, credit_note: Invoice, invoice: Invoice, amount: Decimal, as_of: datetime, by=None
) -> Allocation:
    """Apply a credit note's open credit (what ``_apply_credit_note`` left over) to another issued
    invoice of the same customer and currency, up to both open amounts."""
    with transaction.atomic():
        rows = lock_all(invoices=[credit_note.pk, invoice.pk])[1]
        note, target = rows[credit_note.pk], rows[invoice.pk]
        if note.document_type != DocumentType.CREDIT_NOTE or note.status != DocumentStatus.ISSUED:
            raise ValidationError({"credit_note": [_("Only an issued credit note has credit to apply.")]})
        amount = check_amount(amount, note.currency)
        check_target(target=target, customer_id=note.customer_id, currency=note.currency, field="invoice")
        if amount > note.open_amount:
            message = _("%(a)s exceeds the credit note's open credit %(o)s.")
            raise ValidationError({"amount": [message % {"a": amount, "o": note.open_amount}]})
        if amount > target.open_amount:
            raise ValidationError(
                {"amount": [_("%(a)s exceeds the open amount %(o)s.") % {"a": amount, "o": target.open_amount}]}
            )
        allocation = apply_money(
            target=target,
            amount=amount,
            currency=note.currency,
            rule=AllocationRule.MANUAL,
            as_of=as_of,
            by=by,
            credit_note=note,
            explanation=[stored_message(CREDIT_NOTE, number=note.number)],
            settle_discount=False,
        )
    return allocation


def payment_refund(
    *, payment: Payment, amount: Decimal, channel: str, as_of: datetime, by=None, reference: str = ""
) -> Refund:
    """Pay customer credit back (from credit only: unapplied money is first kept as credit, so
    the decision is explicit). A payment refunded in full becomes ``refunded``."""
    with transaction.atomic():
        locked = lock_all(payments=[payment.pk])[0][payment.pk]
        if channel not in PaymentChannel.values:
            raise ValidationError({"channel": [_("Unknown payment channel %(c)s.") % {"c": channel}]})
        if locked.status != PaymentStatus.COMPLETED:
            raise ValidationError({"payment": [_("Only completed payments can be refunded.")]})
        amount = check_amount(amount, locked.currency)
        if amount > locked.credit_amount:
            raise ValidationError(
                {"amount": [_("%(a)s exceeds the customer credit %(c)s.") % {"a": amount, "c": locked.credit_amount}]}
            )
        refund = Refund.objects.create(
            payment=locked,
            amount=amount,
            channel=channel,
            reference=reference,
            created_by=user_or_none(by),
            created_at=as_of,
        )
        locked.credit_amount -= amount
        locked.refunded_amount += amount
        if locked.refunded_amount == locked.amount:
            payment_transition(payment=locked, to=PaymentStatus.REFUNDED, as_of=as_of, by=by, fields=PARTS)
        else:
            payment_save(locked, as_of)
        payment_event(
            payment=locked,
            kind=PaymentEvent.Kind.REFUNDED,
            as_of=as_of,
            by=by,
            data={"refund": refund.pk, "amount": str(amount), "channel": channel, "reference": reference},
        )
    _refresh(payment, locked)
    return refund

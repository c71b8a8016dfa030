"""A payment's life after it was recorded: an announced (pending) payment arrives or fails, and
money from an unknown payer is assigned to the customer it came from."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Payment, PaymentEvent, PaymentStatus
from .common import lock_all, lock_payment, payment_event, payment_transition
from .recording import payment_apply_automatically


def _locked(payment: Payment, *, customer_id: int | None = None) -> Payment:
    """The payment, locked after its customer (applying it locks the customer's invoices):
    its own customer, or ``customer_id`` when it is about to be assigned to that one."""
    if customer_id is None:
        return lock_payment(payment)
    return lock_all(customers=[customer_id], payments=[payment.pk])[0][payment.pk]


def payment_complete(*, payment: Payment, as_of: datetime, by=None, allocate: bool = True) -> Payment:
    """A pending payment (announced by a provider, a direct debit not yet settled) has arrived:
    it becomes ``completed`` and, for a known customer, is applied like a newly recorded one."""
    with transaction.atomic():
        locked = _locked(payment)
        if locked.status != PaymentStatus.PENDING:
            raise ValidationError(
                {"status": [_("Only a pending payment can be completed; this one is %(status)s.") % {
                    "status": locked.get_status_display()}]}
            )  # fmt: skip
        payment_transition(payment=locked, to=PaymentStatus.COMPLETED, as_of=as_of, by=by)
        if allocate and locked.customer_id is not None:
            payment_apply_automatically(payment=locked, as_of=as_of, by=by)
    payment.refresh_from_db()
    return payment


def payment_fail(*, payment: Payment, as_of: datetime, by=None, reason: str) -> Payment:
    """A pending payment did not arrive (card declined, debit refused before settlement). Nothing
    was applied, so nothing reopens; the amount stays on the row for the record, outside every
    balance (balances count completed payments only)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payment failed.")]})
    with transaction.atomic():
        locked = _locked(payment)
        if locked.status != PaymentStatus.PENDING:
            raise ValidationError(
                {"status": [_("Only a pending payment can fail; this one is %(status)s.") % {
                    "status": locked.get_status_display()}]}
            )  # fmt: skip
        payment_transition(payment=locked, to=PaymentStatus.FAILED, as_of=as_of, by=by, reason=reason)
    payment.refresh_from_db()
    return payment


def payment_assign_customer(*, payment: Payment, customer, as_of: datetime, by=None, allocate: bool = True) -> Payment:
    """Money from a payer nobody recognised belongs to ``customer``: assign it and, when
    ``allocate``, apply it (payer designation, then the law) like a payment recorded for them."""
    with transaction.atomic():
        locked = _locked(payment, customer_id=customer.pk)
        if locked.customer_id is not None:
            raise ValidationError({"customer": [_("The payment already belongs to a customer.")]})
        if locked.status not in (PaymentStatus.PENDING, PaymentStatus.COMPLETED):
            raise ValidationError(
                {"status": [_("A %(status)s payment cannot be assigned.") % {"status": locked.get_status_display()}]}
            )
        locked.customer = customer
        locked.updated_at = as_of
        locked.save(update_fields=["customer", "updated_at"])
        payment_event(
            payment=locked,
            kind=PaymentEvent.Kind.STATUS_CHANGED,
            as_of=as_of,
            by=by,
            reason=_("assigned to customer %(customer)s") % {"customer": customer.number},
            data={"customer": customer.pk},
        )
        if allocate and locked.status == PaymentStatus.COMPLETED:
            payment_apply_automatically(payment=locked, as_of=as_of, by=by)
    payment.refresh_from_db()
    return payment

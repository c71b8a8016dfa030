"""Returned or reversed payments (a SEPA direct-debit return, a bounced cheque, a chargeback)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from ..models import Allocation, Payment, PaymentEvent, PaymentStatus
from .allocation import _refresh
from .common import PARTS, lock_all, lock_payment, payment_transition, unapply_money
from .errors import PaymentAlreadyReturned, PaymentConflict


def _refuse_return(payment: Payment) -> None:
    """A payment is returned once: a second return (a retry, a second return line for the same
    money) is a conflict with the payment's state, named with the date of the first."""
    if payment.status == PaymentStatus.RETURNED:
        first = payment.events.filter(kind=PaymentEvent.Kind.RETURNED).order_by("at", "id").first()
        if first is not None:
            message = _("This payment was already returned on %(date)s; a payment can be returned only once.") % {
                "date": date_format(localdate(first.at), "SHORT_DATE_FORMAT")
            }
        else:
            message = _("This payment was already returned; a payment can be returned only once.")
        raise PaymentAlreadyReturned(message)
    message = _("Only completed payments can be returned; this one is %(s)s.")
    raise PaymentConflict(message % {"s": payment.get_status_display()})


def payment_return(
    *, payment: Payment, as_of: datetime, by=None, reason: str, return_code: str = "", data: dict | None = None
) -> Payment:
    """The money never arrived for good: every active allocation is reversed (items reopen with
    their Skonto undone), and what the payment held — allocated, credit, unapplied — becomes
    ``returned_amount``; status ``returned``. Credit already refunded stays refunded (that money
    left again; the difference is for the accountant to claim). ``data`` is kept on the return's
    event beside the amount and code (e.g. the bank's charges and the statement line)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason for the return.")]})
    with transaction.atomic():
        locked = lock_payment(payment)
        if locked.status != PaymentStatus.COMPLETED:
            _refuse_return(locked)
        # Read under the payment lock: every allocation change locks the payment first, so this set is final.
        allocations = list(Allocation.objects.filter(payment_id=locked.pk, reversed_at__isnull=True).order_by("pk"))
        _payments, invoices, items = lock_all(
            invoices=[a.invoice_id for a in allocations if a.invoice_id],
            items=[a.item_id for a in allocations if a.item_id],
        )
        for allocation in allocations:
            unapply_money(
                allocation=allocation,
                payment=locked,
                credit_note=None,
                target=invoices[allocation.invoice_id] if allocation.invoice_id else items[allocation.item_id],
                as_of=as_of,
                by=by,
                reason=_("payment returned: %(reason)s") % {"reason": reason.strip()},
            )
        moved = locked.allocated_amount + locked.credit_amount + locked.unapplied_amount
        locked.returned_amount += moved
        locked.allocated_amount = locked.credit_amount = locked.unapplied_amount = 0
        payment_transition(
            payment=locked,
            to=PaymentStatus.RETURNED,
            as_of=as_of,
            by=by,
            kind=PaymentEvent.Kind.RETURNED,
            reason=reason.strip(),
            fields=PARTS,
            data={
                **(data or {}),
                "amount": str(moved),
                "return_code": return_code,
                "allocations": [a.pk for a in allocations],
            },
        )
    _refresh(payment, locked)
    return payment

"""Small differences settled by a finance manager, with reason."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.roles import Role, role_of
from invoicing.models import Invoice

from ..models import OpenItem, Payment, PaymentEvent, WriteOff
from .common import check_amount, check_target, invoice_set_open, lock_all, payment_event, user_or_none

DEFAULT_TOLERANCE = Decimal("5.00")


def write_off_tolerance() -> Decimal:
    """``settings.DEBITOR_WRITE_OFF_TOLERANCE`` per item (default 5.00 in the item's currency)."""
    return Decimal(str(getattr(settings, "DEBITOR_WRITE_OFF_TOLERANCE", DEFAULT_TOLERANCE)))


def write_off(
    *,
    invoice: Invoice | None = None,
    item: OpenItem | None = None,
    amount: Decimal,
    reason: str,
    as_of: datetime,
    by,
    payment: Payment | None = None,
) -> WriteOff:
    """Settle a small remaining difference on an invoice or open item (e.g. a payment a few
    cents short, bank charges deducted): finance managers only, with a reason, up to the
    tolerance per item and never above the open amount. ``payment`` links the payment that left
    the difference (an event is recorded on it)."""
    if (invoice is None) == (item is None):
        raise ValidationError({"invoice": [_("Name exactly one invoice or open item.")]})
    role = role_of(by)
    if role is None or role < Role.FINANCE_MANAGER:
        raise ValidationError({"by": [_("Only finance managers may write off differences.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason for the write-off.")]})
    with transaction.atomic():
        payments, invoices, items = lock_all(
            payments=[payment.pk] if payment else [],
            invoices=[invoice.pk] if invoice else [],
            items=[item.pk] if item else [],
        )
        target = invoices[invoice.pk] if invoice else items[item.pk]
        check_target(target=target, customer_id=None, currency=target.currency, field="invoice" if invoice else "item")
        amount = check_amount(amount, target.currency)
        if amount > write_off_tolerance():
            message = _("%(a)s exceeds the write-off tolerance of %(t)s.")
            raise ValidationError({"amount": [message % {"a": amount, "t": write_off_tolerance()}]})
        if amount > target.open_amount:
            raise ValidationError(
                {"amount": [_("%(a)s exceeds the open amount %(o)s.") % {"a": amount, "o": target.open_amount}]}
            )
        locked_payment = payments.get(payment.pk) if payment else None
        if locked_payment is not None and locked_payment.customer_id != target.customer_id:
            raise ValidationError({"payment": [_("The payment belongs to another customer.")]})
        record = WriteOff.objects.create(
            invoice=target if invoice else None,
            item=target if item else None,
            payment=locked_payment,
            amount=amount,
            reason=reason.strip(),
            created_by=user_or_none(by),
            created_at=as_of,
        )
        data = {"write_off": record.pk, "amount": str(amount)}
        if invoice:
            invoice_set_open(
                invoice=target,
                open_amount=target.open_amount - amount,
                as_of=as_of,
                by=by,
                reason=_("written off: %(reason)s") % {"reason": reason.strip()},
                data=data,
            )
        else:
            target.open_amount -= amount
            target.save(update_fields=["open_amount"])
        if locked_payment is not None:
            payment_event(
                payment=locked_payment,
                kind=PaymentEvent.Kind.WRITTEN_OFF,
                as_of=as_of,
                by=by,
                reason=reason.strip(),
                data={**data, "invoice": getattr(target, "number", None), "item": None if invoice else target.pk},
            )
    return record

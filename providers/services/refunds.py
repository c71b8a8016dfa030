"""Refunds of card payments through the provider, and their bookkeeping.

Bookkeeping (``payments.services``): a refund is paid from customer credit only
(``payment_refund``). So, for the refund's amount, the payment's unapplied money is kept as credit
first; if that is not enough, its allocations are reversed — the latest first — until it is (the
invoices they paid open again: the customer got that money back), and the needed part is kept as
credit; then ``payment_refund`` pays it out (channel card, reference = the provider's refund id).

A refund is booked once, when the provider accepted it (created: pending or succeeded) — whether we
asked for it (``provider_refund_create``) or someone refunded in the provider's dashboard (a
webhook reports a refund we do not know). A refund that fails later (the card account was closed)
leaves the money in our provider balance: a follow-up task asks a person to pay the customer
another way; the booking stays.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import event_record
from core.followups import followup_kind_register, followup_open
from core.messages import message
from invoicing.models import Invoice
from payments.models import Allocation, AllocationRule, Payment, PaymentChannel, PaymentStatus
from payments.services import allocation_reverse, payment_allocate, payment_keep_as_credit, payment_refund
from payments.services.allocation import PAYER_DESIGNATED
from payments.services.common import check_amount, lock_payment

from ..adapters import adapter_for
from ..adapters.base import ProviderError, ReportedRefund
from ..models import REFUND_TRANSITIONS, ProviderPayment, ProviderPaymentStatus, ProviderRefund, RefundStatus
from .common import provider_payment_gate, status_change

REFUND_FAILED_TASK = followup_kind_register("card_refund_failed", gettext_lazy("card refund failed"))
BOOKED_STATUSES = {RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED}


def refundable_amount(payment: Payment) -> Decimal:
    """What can still go back: the payment less what was refunded or returned."""
    return payment.allocated_amount + payment.credit_amount + payment.unapplied_amount


def provider_refund_create(
    *, payment: Payment, amount: Decimal, as_of: datetime, by=None, reason: str = ""
) -> ProviderRefund:
    """Refund ``amount`` of a card payment to the payer's card through the provider and book it.

    Refused (ValidationError naming the field, nothing changed) for a payment that did not come
    from a provider, is not completed, or for more than is left of it; a provider refusal is
    refused the same way (its message in ``amount``). The provider is called inside the
    transaction, holding the payment's gate: if it refuses, nothing was booked; if our commit
    failed after it accepted, its ``refund.created`` webhook books the refund then."""
    provider_payment = ProviderPayment.objects.filter(payment_id=payment.pk).first()
    if provider_payment is None:
        raise ValidationError({"payment": [_("This payment did not come through a payment provider.")]})
    with transaction.atomic():
        gate = provider_payment_gate(
            provider=provider_payment.provider, payment_id=provider_payment.payment_intent_id, as_of=as_of
        )
        current = Payment.objects.get(pk=payment.pk)
        if gate.status != ProviderPaymentStatus.SUCCEEDED or current.status != PaymentStatus.COMPLETED:
            message = _("Only a completed card payment can be refunded; this one is %(s)s.")
            raise ValidationError({"payment": [message % {"s": current.get_status_display()}]})
        amount = check_amount(amount, current.currency)
        left = refundable_amount(current)
        if amount > left:
            message = _("%(a)s exceeds what is left of the payment (%(left)s).")
            raise ValidationError({"amount": [message % {"a": amount, "left": left}]})
        try:
            created = adapter_for(gate.provider).refund_create(
                payment_id=gate.payment_intent_id,
                amount=amount,
                currency=current.currency,
                idempotency_key=f"refund-{gate.pk}-{uuid.uuid4()}",
                metadata={"debitor_payment": current.pk, "reason": reason},
            )
        except ProviderError as exc:
            raise ValidationError({"amount": [str(exc)]}) from exc
        refund = ProviderRefund.objects.create(
            provider=gate.provider,
            refund_id=created.refund_id,
            provider_payment=gate,
            amount=created.amount,
            currency=created.currency,
            status=created.status if created.status in RefundStatus.values else RefundStatus.PENDING,
            reason=(reason or "").strip()[:500],
            created_by=by if getattr(by, "pk", None) else None,
            created_at=as_of,
            updated_at=as_of,
        )
        _created_event(refund, gate, as_of)
        if refund.status in BOOKED_STATUSES:
            _book(refund, gate=gate, as_of=as_of, by=by)
    return refund


def _created_event(refund: ProviderRefund, gate: ProviderPayment, as_of: datetime) -> None:
    event_record(
        type="provider_refund.created",
        obj=refund,
        customer_id=gate.customer_id,
        data={"amount": str(refund.amount), "currency": refund.currency, "status": refund.status},
        at=as_of,
    )


def _book(refund: ProviderRefund, *, gate: ProviderPayment, as_of: datetime, by=None) -> None:
    """Credit first, then ``payment_refund`` (see the module's docstring)."""
    # The customer and the payment first: the steps below lock invoices, then the customer again.
    payment = lock_payment(Payment.objects.get(pk=gate.payment_id))
    reason = _("card refund %(id)s") % {"id": refund.refund_id}
    short = refund.amount - payment.credit_amount
    if short > 0 and payment.unapplied_amount > 0:
        take = min(short, payment.unapplied_amount)
        payment_keep_as_credit(payment=payment, as_of=as_of, by=by, amount=take)
        short -= take
    reopened = []
    if short > 0:
        allocations = Allocation.objects.filter(payment_id=payment.pk, reversed_at__isnull=True).order_by(
            "-created_at", "-id"
        )
        for allocation in allocations:
            if short <= 0:
                break
            allocation_reverse(allocation=allocation, as_of=as_of, by=by, reason=reason)
            payment.refresh_from_db()
            take = min(short, payment.unapplied_amount)
            payment_keep_as_credit(payment=payment, as_of=as_of, by=by, amount=take)
            short -= take
            if allocation.invoice_id:
                reopened.append(allocation.invoice_id)
    booked = payment_refund(
        payment=payment,
        amount=refund.amount,
        channel=PaymentChannel.CARD,
        as_of=as_of,
        by=by,
        reference=refund.refund_id,
    )
    # What a reversal freed beyond the refund goes back to the invoice it paid (the payer's
    # designation still holds): only the refunded part of it opens again.
    for invoice in Invoice.objects.filter(pk__in=reopened).order_by("pk"):
        payment.refresh_from_db()
        share = min(payment.unapplied_amount, invoice.open_amount)
        if share > 0:
            payment_allocate(
                payment=payment,
                targets=[{"invoice": invoice, "amount": share}],
                as_of=as_of,
                by=by,
                rule=AllocationRule.PAYER,
                explanation=[message(PAYER_DESIGNATED)],
                settle_discount=False,
            )
    refund.booked_refund = booked
    refund.save(update_fields=["booked_refund"])


def provider_refund_report(*, provider: str, fact: ReportedRefund, as_of: datetime) -> tuple[ProviderPayment, str]:
    """A refund created or changed at the provider (in the caller's transaction)."""
    gate = provider_payment_gate(provider=provider, payment_id=fact.payment_id, as_of=as_of)
    status = fact.status if fact.status in RefundStatus.values else RefundStatus.PENDING
    refund = ProviderRefund.objects.filter(provider=provider, refund_id=fact.refund_id).first()
    if refund is None:
        if gate.payment_id is None:
            return gate, _("refund of a payment not recorded here: ignored")
        refund = ProviderRefund.objects.create(
            provider=provider,
            refund_id=fact.refund_id,
            provider_payment=gate,
            amount=fact.amount,
            currency=fact.currency,
            status=status,
            reason=fact.reason[:500],
            created_at=as_of,
            updated_at=as_of,
        )
        _created_event(refund, gate, as_of)
        if status in BOOKED_STATUSES:
            _book(refund, gate=gate, as_of=as_of)
            return gate, _("refund made at the provider booked")
        return gate, _("refund recorded")
    if refund.status == status:
        return gate, _("refund unchanged")
    if status not in REFUND_TRANSITIONS.get(refund.status, set()):
        return gate, _("refund status out of order, kept as it is")
    status_change(
        obj=refund,
        table=REFUND_TRANSITIONS,
        to=status,
        as_of=as_of,
        event_type="provider_refund.status_changed",
        customer_id=gate.customer_id,
    )
    if status in (RefundStatus.FAILED, RefundStatus.CANCELED) and refund.booked_refund_id is not None:
        followup_open(
            kind=REFUND_FAILED_TASK,
            title=_("Card refund failed: pay the customer another way"),
            rule="providers.refund_failed",
            as_of=as_of,
            about=refund,
            customer=gate.customer,
            priority="high",
            description=_(
                "The provider could not pay the refund back to the card. The money is back in the "
                "provider balance; the refund stays booked — pay the customer by bank transfer."
            ),
        )
        return gate, _("refund failed, task opened")
    return gate, _("refund status changed")

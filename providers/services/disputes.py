"""Disputes (chargebacks) of card payments, the way Stripe runs them.

- An **inquiry** (``warning_*``) moves no money: a follow-up task asks for a response.
- A **chargeback** (``needs_response``, ``under_review``): Stripe withdraws the disputed amount
  from our balance at once. The payment is returned (``payments.services.payment_return``: its
  allocations are reversed, the invoices open again) and a follow-up task (kind ``card_dispute``)
  asks a person to submit evidence before the deadline.
- **Won**: Stripe reinstates the funds. A returned payment stays returned (its status is final),
  so the money coming back is recorded as a new card payment (external id = the dispute id,
  remittance = the invoice numbers, so it pays them again first); the task is closed.
- **Lost**: the money stays with the payer; the payment stays returned, the invoices stay open
  (dunning takes over); the task is closed with that resolution.

A partial chargeback (less than what is left of the payment) cannot be returned in part by the
payments services: the task asks for it to be booked by hand, nothing is returned automatically.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import event_record
from core.followups import followup_kind_register, followup_open, followups_close_about
from payments.models import Payment, PaymentChannel, PaymentSource, PaymentStatus
from payments.services import payment_record, payment_return

from ..adapters.base import ReportedDispute
from ..models import (
    DISPUTE_TRANSITIONS,
    DISPUTE_WITHDRAWN,
    PROVIDER_PAYMENT_TRANSITIONS,
    DisputeStatus,
    ProviderDispute,
    ProviderPayment,
    ProviderPaymentStatus,
)
from .common import provider_payment_gate, status_change
from .refunds import refundable_amount

DISPUTE_TASK = followup_kind_register("card_dispute", gettext_lazy("card payment disputed"))
INQUIRIES = {DisputeStatus.WARNING_NEEDS_RESPONSE, DisputeStatus.WARNING_UNDER_REVIEW}


def provider_dispute_report(*, provider: str, fact: ReportedDispute, as_of: datetime) -> tuple[ProviderPayment, str]:
    """A dispute created or changed at the provider (in the caller's transaction)."""
    gate = provider_payment_gate(provider=provider, payment_id=fact.payment_id, as_of=as_of)
    if gate.payment_id is None:
        return gate, _("dispute about a payment not recorded here: ignored")
    status = fact.status if fact.status in DisputeStatus.values else DisputeStatus.NEEDS_RESPONSE
    dispute = ProviderDispute.objects.filter(provider=provider, dispute_id=fact.dispute_id).first()
    if dispute is None:
        dispute = ProviderDispute.objects.create(
            provider=provider,
            dispute_id=fact.dispute_id,
            provider_payment=gate,
            amount=fact.amount,
            currency=fact.currency,
            reason=fact.reason[:50],
            status=status,
            created_at=as_of,
            updated_at=as_of,
        )
        event_record(
            type="provider_dispute.created",
            obj=dispute,
            customer_id=gate.customer_id,
            data={"amount": str(fact.amount), "currency": fact.currency, "status": status, "reason_code": fact.reason},
            at=as_of,
        )
    elif dispute.status == status:
        return gate, _("dispute unchanged")
    elif status in DISPUTE_TRANSITIONS.get(dispute.status, set()):
        status_change(
            obj=dispute,
            table=DISPUTE_TRANSITIONS,
            to=status,
            as_of=as_of,
            event_type="provider_dispute.status_changed",
            customer_id=gate.customer_id,
        )
    else:
        return gate, _("dispute status out of order, kept as it is")
    return gate, _apply(dispute, gate=gate, as_of=as_of)


def _apply(dispute: ProviderDispute, *, gate: ProviderPayment, as_of: datetime) -> str:
    """What the dispute's current status means for the money and the follow-up task."""
    payment = Payment.objects.get(pk=gate.payment_id)
    if dispute.status in INQUIRIES:
        _task(dispute, gate, title=_("Card payment questioned by the payer's bank: respond"), as_of=as_of)
        return _("inquiry: task opened")
    if dispute.status == DisputeStatus.WARNING_CLOSED:
        _close(dispute, as_of, _("The inquiry was closed without a chargeback."))
        return _("inquiry closed")
    notes = []
    if dispute.status in DISPUTE_WITHDRAWN and gate.status == ProviderPaymentStatus.SUCCEEDED:
        _to(gate, ProviderPaymentStatus.DISPUTED, as_of)
        if payment.status == PaymentStatus.COMPLETED and dispute.amount >= refundable_amount(payment):
            payment_return(
                payment=payment,
                as_of=as_of,
                reason=_("card payment disputed (%(reason)s)") % {"reason": dispute.get_reason_display()},
                return_code=dispute.reason,
                data={"dispute": dispute.dispute_id},
            )
            notes.append(_("payment returned"))
            title = _("Card payment disputed: submit evidence to the provider")
        else:
            notes.append(_("partial dispute, not returned"))
            title = _("Card payment disputed in part: book the chargeback by hand and respond")
        _task(dispute, gate, title=title, as_of=as_of)
    if dispute.status == DisputeStatus.WON and gate.status == ProviderPaymentStatus.DISPUTED:
        _to(gate, ProviderPaymentStatus.SUCCEEDED, as_of)
        if payment.status == PaymentStatus.RETURNED and dispute.reinstated_payment_id is None:
            dispute.reinstated_payment = payment_record(
                customer=payment.customer,
                channel=PaymentChannel.CARD,
                source=PaymentSource.PROVIDER,
                external_id=dispute.dispute_id,
                amount=dispute.amount,
                currency=dispute.currency,
                value_date=timezone.localdate(as_of),
                as_of=as_of,
                remittance=payment.remittance,
            )
            dispute.save(update_fields=["reinstated_payment"])
            notes.append(_("funds reinstated, recorded as a new payment"))
        _close(dispute, as_of, _("Dispute won: the provider reinstated the money."))
    if dispute.status == DisputeStatus.LOST and gate.status == ProviderPaymentStatus.DISPUTED:
        _to(gate, ProviderPaymentStatus.DISPUTE_LOST, as_of)
        _close(dispute, as_of, _("Dispute lost: the payment stays returned, the invoices are open again."))
        notes.append(_("dispute lost"))
    return ", ".join(notes) or _("dispute recorded")


def _to(gate: ProviderPayment, status: str, as_of: datetime) -> None:
    status_change(
        obj=gate,
        table=PROVIDER_PAYMENT_TRANSITIONS,
        to=status,
        as_of=as_of,
        event_type="provider_payment.status_changed",
        customer_id=gate.customer_id,
    )


def _task(dispute: ProviderDispute, gate: ProviderPayment, *, title: str, as_of: datetime) -> None:
    followup_open(
        kind=DISPUTE_TASK,
        title=title,
        rule="providers.dispute",
        as_of=as_of,
        about=dispute,
        customer=gate.customer,
        priority="high",
        description=_("Reason given by the payer's bank: %(reason)s.") % {"reason": dispute.get_reason_display()},
    )


def _close(dispute: ProviderDispute, as_of: datetime, resolution: str) -> None:
    followups_close_about(kind=DISPUTE_TASK, about=dispute, as_of=as_of, resolution=resolution)

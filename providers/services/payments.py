"""A provider payment succeeded or failed, its card details and its fee.

One ``payments.Payment`` per provider payment, whichever event reports it first (Stripe sends
``checkout.session.completed`` and ``payment_intent.succeeded`` for one payment, each possibly
more than once and in either order): the gate row (``provider_payment_gate``) serialises them and
the second finds the payment recorded. The Payment is recorded through
``payments.services.payment_record`` (channel card, source provider, external id = the provider's
payment id) with the checkout's invoice numbers as remittance: the payer designated them, so they
are paid first (rule PAYER, § 366 (1) BGB), each up to its open amount; anything left goes by law.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.events import event_record
from core.locks import lock_rows
from customers.models import Customer
from payments.models import PaymentChannel, PaymentSource
from payments.services import payment_record

from ..adapters.base import Fee, ReportedChargeDetails, ReportedPayment
from ..models import (
    CHECKOUT_TRANSITIONS,
    PROVIDER_PAYMENT_TRANSITIONS,
    CheckoutSession,
    CheckoutStatus,
    ProviderPayment,
    ProviderPaymentStatus,
)
from .common import provider_payment_gate, status_change


def _checkout_of(*, provider: str, fact: ReportedPayment) -> CheckoutSession | None:
    if fact.checkout_session_id:
        found = CheckoutSession.objects.filter(provider=provider, session_id=fact.checkout_session_id).first()
        if found is not None:
            return found
    reference = fact.metadata.get("debitor_reference")
    if reference:
        try:
            return CheckoutSession.objects.filter(reference=reference).first()
        except ValueError:  # not a UUID: not ours
            return None
    return None


def _customer_of(fact: ReportedPayment, checkout: CheckoutSession | None):
    if checkout is not None:
        return checkout.customer
    customer_id = str(fact.metadata.get("debitor_customer") or "")
    return Customer.objects.filter(pk=int(customer_id)).first() if customer_id.isdigit() else None


def _invoice_numbers(fact: ReportedPayment, checkout: CheckoutSession | None) -> list[str]:
    if checkout is not None:
        return list(checkout.items.order_by("id").values_list("invoice__number", flat=True))
    return [number for number in str(fact.metadata.get("invoices") or "").split() if number]


def provider_payment_report(*, provider: str, fact: ReportedPayment, as_of: datetime) -> tuple[ProviderPayment, str]:
    """Apply a reported success or failure (in the caller's transaction). Returns the provider
    payment and what was done, as a short note for the stored event."""
    gate = provider_payment_gate(provider=provider, payment_id=fact.payment_id, as_of=as_of)
    if not fact.succeeded:
        return gate, _failed(gate, fact=fact, as_of=as_of)
    if gate.payment_id is not None:
        return gate, _("already recorded")
    checkout = _checkout_of(provider=provider, fact=fact)
    if checkout is not None:
        # Before the money work (core.locks: the checkout's place comes before the customer's).
        locked = checkout = lock_rows(CheckoutSession, [checkout.pk])[checkout.pk]
    customer = _customer_of(fact, checkout)
    numbers = _invoice_numbers(fact, checkout)
    payment = payment_record(
        customer=customer,
        channel=PaymentChannel.CARD,
        source=PaymentSource.PROVIDER,
        external_id=fact.payment_id,
        amount=fact.amount,
        currency=fact.currency,
        # The day the provider confirmed the payment, in the company's time zone.
        value_date=timezone.localdate(fact.paid_at),
        as_of=as_of,
        remittance=" ".join(numbers),
    )
    gate.payment, gate.customer, gate.checkout = payment, customer, checkout
    gate.amount, gate.currency = fact.amount, fact.currency
    gate.save(update_fields=["payment", "customer", "checkout", "amount", "currency"])
    status_change(
        obj=gate,
        table=PROVIDER_PAYMENT_TRANSITIONS,
        to=ProviderPaymentStatus.SUCCEEDED,
        as_of=as_of,
        event_type="provider_payment.status_changed",
        customer_id=getattr(customer, "pk", None),
        data={"amount": str(fact.amount), "currency": fact.currency, "payment": payment.pk},
    )
    if checkout is not None:
        if locked.payment_intent_id != fact.payment_id:
            locked.payment_intent_id = fact.payment_id
            locked.save(update_fields=["payment_intent_id"])
        if locked.status == CheckoutStatus.OPEN:
            status_change(
                obj=locked,
                table=CHECKOUT_TRANSITIONS,
                to=CheckoutStatus.PAID,
                as_of=as_of,
                event_type="checkout_session.status_changed",
                customer_id=locked.customer_id,
            )
    return gate, _("payment recorded") if customer is not None else _("payment recorded without a known customer")


def _failed(gate: ProviderPayment, *, fact: ReportedPayment, as_of: datetime) -> str:
    if gate.status != ProviderPaymentStatus.PENDING:
        # A late failure report of an attempt that a later one replaced (or a repeat): no change.
        return _("failure of an earlier attempt, nothing to change")
    gate.failure_message = fact.failure_message
    if fact.amount is not None:
        gate.amount, gate.currency = fact.amount, fact.currency
    gate.save(update_fields=["failure_message", "amount", "currency"])
    status_change(
        obj=gate,
        table=PROVIDER_PAYMENT_TRANSITIONS,
        to=ProviderPaymentStatus.FAILED,
        as_of=as_of,
        event_type="provider_payment.status_changed",
        customer_id=gate.customer_id,
    )
    return _("payment failed")


def provider_charge_report(
    *, provider: str, fact: ReportedChargeDetails, as_of: datetime
) -> tuple[ProviderPayment, str]:
    """Card brand and last four digits, the balance transaction; the fee when reported with it,
    else a job fetches it (never a provider call inside a webhook)."""
    from core.services import job_enqueue

    gate = provider_payment_gate(provider=provider, payment_id=fact.payment_id, as_of=as_of)
    changed = []
    for field in ("charge_id", "card_brand", "card_last4", "balance_transaction_id"):
        value = getattr(fact, field)
        if value and getattr(gate, field) != value:
            setattr(gate, field, value)
            changed.append(field)
    if changed:
        gate.updated_at = as_of
        gate.save(update_fields=[*changed, "updated_at"])
    if fact.fee is not None:
        provider_payment_fee_record(provider_payment=gate, fee=fact.fee, as_of=as_of)
        return gate, _("fee recorded")
    if gate.balance_transaction_id and gate.fee_amount is None:
        job_enqueue(
            kind="providers.fee_fetch",
            as_of=as_of,
            payload={"provider_payment_id": gate.pk},
            dedupe_key=f"fee:{gate.pk}",
        )
        return gate, _("fee to be fetched")
    return gate, _("card details recorded") if changed else _("nothing new")


def provider_payment_fee_record(*, provider_payment: ProviderPayment, fee: Fee, as_of: datetime) -> ProviderPayment:
    """Record the provider's fee beside the payment (it is our cost: the payer paid the full
    amount, so the Payment and what it settles stay as they are). Same fee again: no change."""
    locked = lock_rows(ProviderPayment, [provider_payment.pk])[provider_payment.pk]
    if (locked.fee_amount, locked.fee_currency, locked.net_amount) == (fee.fee, fee.currency, fee.net):
        return locked
    locked.fee_amount, locked.fee_currency, locked.net_amount = fee.fee, fee.currency, fee.net
    locked.updated_at = as_of
    locked.save(update_fields=["fee_amount", "fee_currency", "net_amount", "updated_at"])
    event_record(
        type="provider_payment.fee_recorded",
        obj=locked,
        customer_id=locked.customer_id,
        data={"fee": str(fee.fee), "currency": fee.currency, "net": str(fee.net)},
        at=as_of,
    )
    return locked

"""Receiving a provider's webhook: store the event once, act on what it reports, in one transaction.

Processing is synchronous, in the transaction that stores the event: the work is a few rows per
event (no provider call — a fee that is not in the payload is fetched by a job), and the provider
then learns from the answer whether it must deliver again. If the event is stored, what it
reported is applied; if anything fails unexpectedly, nothing is stored, the answer is 500 and the
provider delivers again (Stripe: for three days). A refusal by our rules (a ``ValidationError``:
the payment conflicts with one recorded by hand, a currency the customer is not invoiced in) is
not cured by redelivery: the event is stored with outcome *needs attention*, a follow-up task
names the reason, and the answer is 200.

Idempotent twice over: on the event id (``ProviderEvent`` unique per provider; a redelivered event
is answered 200 without acting again) and on the payment (``provider_payment_gate``; two events
about one payment record it once).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.events import actor_for_provider
from core.followups import followup_kind_register, followup_open

from ..adapters import adapter_for
from ..adapters.base import (
    ReportedChargeDetails,
    ReportedCheckout,
    ReportedDispute,
    ReportedPayment,
    ReportedRefund,
    WebhookEvent,
)
from ..models import CheckoutSession, EventOutcome, ProviderEvent
from .checkout import checkout_session_end
from .common import provider_payment_gate
from .disputes import provider_dispute_report
from .payments import provider_charge_report, provider_payment_report
from .refunds import provider_refund_report

EVENT_FAILED_TASK = followup_kind_register("provider_event_failed", gettext_lazy("card payment event needs attention"))


def provider_event_receive(*, provider: str, body: bytes, headers, as_of: datetime) -> ProviderEvent | None:
    """Verify (``WebhookRefused`` propagates: nothing stored), store once, process. Returns the
    stored event, or None when it had been received before."""
    adapter = adapter_for(provider)
    event = adapter.webhook_verify(body=body, headers=headers)
    with actor_for_provider(provider, event.event_id), transaction.atomic():
        try:
            with transaction.atomic():
                stored = ProviderEvent.objects.create(
                    provider=provider,
                    event_id=event.event_id,
                    type=event.type[:100],
                    livemode=event.livemode,
                    created_at=event.created_at,
                    received_at=as_of,
                    payload=event.payload,
                )
        except IntegrityError:
            return None  # delivered before (or concurrently, and the other delivery stored it)
        try:
            facts = adapter.webhook_facts(event)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            # Signed by the provider, but not in the shape we read (an API version change?):
            # kept with its payload for a person, not refused again on every redelivery.
            _attention(stored, _("The event could not be read: %(error)s") % {"error": repr(exc)}, as_of)
            return stored
        if not facts:
            _finish(stored, EventOutcome.IGNORED, _("not acted on"), as_of)
            return stored
        try:
            with transaction.atomic():
                notes = [_apply(provider, fact, stored, as_of) for fact in facts]
        except ValidationError as exc:
            stored.provider_payment = None  # rolled back with the rest of what the event did
            _attention(stored, "; ".join(exc.messages), as_of)
            return stored
        _finish(stored, EventOutcome.PROCESSED, "; ".join(notes), as_of)
    return stored


def _attention(stored: ProviderEvent, reason: str, as_of: datetime) -> None:
    _finish(stored, EventOutcome.FAILED, reason, as_of)
    followup_open(
        kind=EVENT_FAILED_TASK,
        title=_("A card payment event could not be applied"),
        rule="providers.webhook",
        as_of=as_of,
        about=stored,
        priority="high",
        description=reason,
    )


def _finish(stored: ProviderEvent, outcome: str, message: str, as_of: datetime) -> None:
    stored.outcome, stored.message, stored.processed_at = outcome, message[:2000], as_of
    stored.save(update_fields=["outcome", "message", "processed_at", "provider_payment"])


def _apply(provider: str, fact, stored: ProviderEvent, as_of: datetime) -> str:
    payment_id = getattr(fact, "payment_id", "")
    if isinstance(fact, ReportedCheckout):
        notes = []
        if fact.outcome == "failed" and payment_id:
            # The payment's gate first (core.locks: provider payment before checkout session).
            failed = ReportedPayment(payment_id=payment_id, succeeded=False, amount=None, currency="", paid_at=as_of)
            stored.provider_payment, note = provider_payment_report(provider=provider, fact=failed, as_of=as_of)
            notes.append(note)
        session = CheckoutSession.objects.filter(provider=provider, session_id=fact.session_id).first()
        if session is None:
            notes.insert(0, _("checkout not ours"))
        elif checkout_session_end(session=session, outcome=fact.outcome, as_of=as_of):
            notes.insert(0, _("checkout expired") if fact.outcome == "expired" else _("checkout payment failed"))
        else:
            notes.insert(0, _("checkout ended before"))
        return ", ".join(notes)
    if not payment_id:
        return _("no payment named")
    if isinstance(fact, ReportedPayment):
        gate, note = provider_payment_report(provider=provider, fact=fact, as_of=as_of)
    elif isinstance(fact, ReportedChargeDetails):
        gate, note = provider_charge_report(provider=provider, fact=fact, as_of=as_of)
    elif isinstance(fact, ReportedRefund):
        gate, note = provider_refund_report(provider=provider, fact=fact, as_of=as_of)
    elif isinstance(fact, ReportedDispute):
        gate, note = provider_dispute_report(provider=provider, fact=fact, as_of=as_of)
    else:  # pragma: no cover - an adapter reported a fact this module does not know
        raise TypeError(f"Unknown reported fact {type(fact).__name__}")
    stored.provider_payment = gate
    return note


__all__ = ["WebhookEvent", "provider_event_receive", "provider_payment_gate"]

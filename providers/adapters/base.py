"""What any payment provider offers Debitor: a checkout page, refunds, the fee of a payment, and
its webhooks verified and read as provider-neutral facts (the ``Reported*`` classes below).

The services (``providers.services``) work on these facts only; an adapter knows the provider's
API, its signature scheme and the shape of its payloads. Amounts are ``Decimal`` in the currency's
unit (``core.money``), currencies upper-case ISO 4217, times timezone-aware.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class ProviderError(Exception):
    """The provider refused or could not be reached; ``str()`` says why, for the person who asked."""


class WebhookRefused(Exception):
    """A webhook that is not the provider's (signature, timestamp outside the tolerance, not JSON)."""


class WebhookNotConfigured(WebhookRefused):
    """No signing secret is configured: nobody's webhook is accepted (fail closed)."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str  # ours: client reference, metadata, idempotency key
    customer_id: int
    customer_number: str
    amount: Decimal
    currency: str
    invoice_numbers: tuple[str, ...]
    description: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    locale: str = "auto"


@dataclass(frozen=True)
class CheckoutCreated:
    session_id: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class RefundCreated:
    refund_id: str
    status: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Fee:
    fee: Decimal
    net: Decimal
    currency: str


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event: its id, type, creation time, live mode and the raw payload (stored)."""

    event_id: str
    type: str
    created_at: datetime
    livemode: bool
    payload: dict


# --- Facts a webhook reports -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedPayment:
    """The payer paid (``succeeded``) or the attempt failed. ``metadata`` is what we sent with the
    checkout (reference, customer id, invoice numbers)."""

    payment_id: str
    succeeded: bool
    amount: Decimal | None
    currency: str
    paid_at: datetime
    metadata: dict = field(default_factory=dict)
    checkout_session_id: str = ""
    failure_message: str = ""


@dataclass(frozen=True)
class ReportedCheckout:
    """A checkout session ended without a payment: expired, or its asynchronous payment failed."""

    session_id: str
    outcome: str  # "expired" | "failed"
    payment_id: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReportedChargeDetails:
    """Details of the charge behind a payment: card brand and last four digits, the balance
    transaction that carries the provider's fee (the fee itself when the payload includes it)."""

    payment_id: str
    charge_id: str
    card_brand: str = ""
    card_last4: str = ""
    balance_transaction_id: str = ""
    fee: Fee | None = None


@dataclass(frozen=True)
class ReportedRefund:
    refund_id: str
    payment_id: str
    amount: Decimal
    currency: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class ReportedDispute:
    dispute_id: str
    payment_id: str
    amount: Decimal
    currency: str
    status: str
    reason: str = ""


Reported = ReportedPayment | ReportedCheckout | ReportedChargeDetails | ReportedRefund | ReportedDispute


class ProviderAdapter(ABC):
    """One payment provider. ``name`` is the value stored in the models' ``provider`` columns."""

    name: str

    @abstractmethod
    def checkout_create(self, request: CheckoutRequest) -> CheckoutCreated:
        """Create a hosted payment page for exactly ``request.amount`` (no surcharge, § 270a BGB)."""

    @abstractmethod
    def refund_create(
        self, *, payment_id: str, amount: Decimal, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundCreated:
        """Pay ``amount`` of the payment back to the payer's card."""

    @abstractmethod
    def fee_fetch(self, *, balance_transaction_id: str) -> Fee:
        """The provider's fee on a payment (called from a job, never inside a webhook)."""

    @abstractmethod
    def webhook_verify(self, *, body: bytes, headers) -> WebhookEvent:
        """Verify the signature (and its age) and read the event; ``WebhookRefused`` otherwise."""

    @abstractmethod
    def webhook_facts(self, event: WebhookEvent) -> list[Reported]:
        """What the event reports, as provider-neutral facts; [] for types we do not act on."""

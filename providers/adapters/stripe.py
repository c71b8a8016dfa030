"""Stripe through its official library (``stripe.StripeClient``), API version pinned.

Outbound: Checkout Sessions, Refunds, Balance Transactions, each POST with an idempotency key (a
retried call — the library retries network errors — cannot create a second session or refund).
Inbound: ``Stripe-Signature`` verified by ``stripe.Webhook.construct_event`` with the tolerance
window (``STRIPE_WEBHOOK_TOLERANCE``), then read into provider-neutral facts (``base.Reported*``).

Stripe amounts are integers in the currency's minor unit; ``core.money.minor_unit`` converts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from core.money import minor_unit

from .base import (
    CheckoutCreated,
    CheckoutRequest,
    Fee,
    ProviderAdapter,
    ProviderError,
    RefundCreated,
    ReportedChargeDetails,
    ReportedCheckout,
    ReportedDispute,
    ReportedPayment,
    ReportedRefund,
    WebhookEvent,
    WebhookNotConfigured,
    WebhookRefused,
)

# The API version every request and every webhook payload we read is shaped by. Changing it is a
# deliberate upgrade: set the webhook endpoint's version in the Stripe dashboard to the same.
API_VERSION = "2026-10-28.endive"
# Set by tests to a fake client (``stripe.HTTPClient`` subclass): only the HTTP call is replaced.
HTTP_CLIENT: stripe.HTTPClient | None = None
# Stripe caps a metadata value at 500 characters.
METADATA_VALUE_MAX = 500


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount / minor_unit(currency))


def from_minor(value, currency: str) -> Decimal:
    return Decimal(int(value)) * minor_unit(currency)


def _at(timestamp) -> datetime:
    return datetime.fromtimestamp(int(timestamp), tz=UTC)


def _id(value) -> str:
    """An id field that may be expanded into an object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


class StripeAdapter(ProviderAdapter):
    name = "stripe"

    def __init__(self, *, secret_key: str, webhook_secrets: list[str], tolerance: int, api_base: str = ""):
        self.secret_key = secret_key
        self.webhook_secrets = [secret for secret in webhook_secrets if secret]
        self.tolerance = tolerance
        self.api_base = api_base

    @classmethod
    def from_settings(cls) -> StripeAdapter:
        return cls(
            secret_key=settings.STRIPE_SECRET_KEY,
            # Several secrets, comma-separated, while an endpoint moves (old and new both accepted).
            webhook_secrets=[part.strip() for part in settings.STRIPE_WEBHOOK_SECRET.split(",")],
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
            api_base=settings.STRIPE_API_BASE,
        )

    def _client(self) -> stripe.StripeClient:
        if not self.secret_key:
            raise ProviderError(_("No Stripe key is configured (STRIPE_SECRET_KEY)."))
        return stripe.StripeClient(
            self.secret_key,
            stripe_version=API_VERSION,
            base_addresses={"api": self.api_base} if self.api_base else None,
            http_client=HTTP_CLIENT or stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
            max_network_retries=2,
        )

    def _call(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except stripe.StripeError as exc:
            # The message Stripe gives (a declined refund, an invalid parameter) is for the person.
            detail = getattr(exc, "user_message", None) or str(exc.user_message or exc._message or exc)
            raise ProviderError(_("Stripe refused: %(detail)s") % {"detail": detail}) from exc

    # --- Outbound ------------------------------------------------------------------------------

    def checkout_create(self, request: CheckoutRequest) -> CheckoutCreated:
        metadata = {
            "debitor_reference": request.reference,
            "debitor_customer": str(request.customer_id),
            "invoices": " ".join(request.invoice_numbers)[:METADATA_VALUE_MAX],
        }
        params = {
            "mode": "payment",
            "client_reference_id": request.reference,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": to_minor(request.amount, request.currency),
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "metadata": metadata,
            # Copied onto the PaymentIntent, so payment_intent.* events name the invoices too.
            "payment_intent_data": {"metadata": metadata, "description": request.description},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
            "locale": request.locale,
        }
        session = self._call(
            self._client().v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": f"checkout-{request.reference}"},
        )
        return CheckoutCreated(session_id=session.id, url=session.url, expires_at=_at(session.expires_at))

    def refund_create(
        self, *, payment_id: str, amount: Decimal, currency: str, idempotency_key: str, metadata: dict
    ) -> RefundCreated:
        refund = self._call(
            self._client().v1.refunds.create,
            params={
                "payment_intent": payment_id,
                "amount": to_minor(amount, currency),
                "metadata": {key: str(value)[:METADATA_VALUE_MAX] for key, value in metadata.items()},
            },
            options={"idempotency_key": idempotency_key},
        )
        refund_currency = str(refund.currency).upper()
        return RefundCreated(
            refund_id=refund.id,
            status=refund.status,
            amount=from_minor(refund.amount, refund_currency),
            currency=refund_currency,
        )

    def fee_fetch(self, *, balance_transaction_id: str) -> Fee:
        transaction = self._call(self._client().v1.balance_transactions.retrieve, balance_transaction_id)
        return _fee_of(transaction)

    # --- Inbound -------------------------------------------------------------------------------

    def webhook_verify(self, *, body: bytes, headers) -> WebhookEvent:
        header = headers.get("Stripe-Signature") or ""
        if not self.webhook_secrets:
            raise WebhookNotConfigured("No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).")
        if not header:
            raise WebhookRefused("The Stripe-Signature header is missing.")
        problem = ""
        for secret in self.webhook_secrets:
            try:
                stripe.Webhook.construct_event(body, header, secret, tolerance=self.tolerance)
            except stripe.SignatureVerificationError as exc:
                problem = str(exc.user_message or exc)
                continue
            except (ValueError, UnicodeDecodeError) as exc:
                raise WebhookRefused(f"The body is not a JSON event: {exc}") from exc
            break
        else:
            raise WebhookRefused(f"Signature verification failed: {problem}")
        payload = json.loads(body)
        if not isinstance(payload, dict) or not payload.get("id") or not payload.get("type"):
            raise WebhookRefused("The body is not a Stripe event (no id or type).")
        return WebhookEvent(
            event_id=str(payload["id"]),
            type=str(payload["type"]),
            created_at=_at(payload.get("created") or 0),
            livemode=bool(payload.get("livemode")),
            payload=payload,
        )

    def webhook_facts(self, event: WebhookEvent) -> list:
        obj = (event.payload.get("data") or {}).get("object") or {}
        kind = event.type
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            # "unpaid": an asynchronous method (a bank debit) is still on its way; its own event follows.
            if obj.get("payment_status") != "paid":
                return []
            return [_payment_from_session(obj, event)]
        if kind == "checkout.session.async_payment_failed":
            return [ReportedCheckout(obj["id"], "failed", _id(obj.get("payment_intent")), obj.get("metadata") or {})]
        if kind == "checkout.session.expired":
            return [ReportedCheckout(obj["id"], "expired", _id(obj.get("payment_intent")), obj.get("metadata") or {})]
        if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
            return [_payment_from_intent(obj, event, succeeded=kind == "payment_intent.succeeded")]
        if kind in ("charge.succeeded", "charge.updated"):
            return [_charge_details(obj)] if obj.get("payment_intent") else []
        if kind == "charge.refunded":
            # Since API 2022-11-15 a charge lists its refunds only when expanded: then they are
            # read here; otherwise refund.created/refund.updated report each one.
            refunds = (obj.get("refunds") or {}).get("data") or []
            return [_refund(refund, payment_id=_id(obj.get("payment_intent"))) for refund in refunds]
        if kind in ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"):
            return [_refund(obj)] if obj.get("payment_intent") else []
        if kind.startswith("charge.dispute."):
            currency = str(obj["currency"]).upper()
            return [
                ReportedDispute(
                    dispute_id=obj["id"],
                    payment_id=_id(obj.get("payment_intent")),
                    amount=from_minor(obj["amount"], currency),
                    currency=currency,
                    status=obj["status"],
                    reason=obj.get("reason") or "",
                )
            ]
        return []


def _payment_from_session(obj: dict, event: WebhookEvent) -> ReportedPayment:
    currency = str(obj["currency"]).upper()
    return ReportedPayment(
        payment_id=_id(obj.get("payment_intent")),
        succeeded=True,
        amount=from_minor(obj["amount_total"], currency),
        currency=currency,
        paid_at=event.created_at,
        metadata=obj.get("metadata") or {},
        checkout_session_id=obj["id"],
    )


def _payment_from_intent(obj: dict, event: WebhookEvent, *, succeeded: bool) -> ReportedPayment:
    currency = str(obj["currency"]).upper()
    error = obj.get("last_payment_error") or {}
    received = obj.get("amount_received") if succeeded else None
    return ReportedPayment(
        payment_id=obj["id"],
        succeeded=succeeded,
        amount=from_minor(received if received else obj["amount"], currency),
        currency=currency,
        paid_at=event.created_at,
        metadata=obj.get("metadata") or {},
        failure_message=(error.get("message") or error.get("code") or "")[:500],
    )


def _charge_details(obj: dict) -> ReportedChargeDetails:
    card = (obj.get("payment_method_details") or {}).get("card") or {}
    transaction = obj.get("balance_transaction")
    return ReportedChargeDetails(
        payment_id=_id(obj.get("payment_intent")),
        charge_id=obj["id"],
        card_brand=str(card.get("brand") or "")[:20],
        card_last4=str(card.get("last4") or "")[-4:],
        balance_transaction_id=_id(transaction),
        # Only an expanded balance transaction carries the fee; an id is fetched by a job.
        fee=_fee_of(transaction) if isinstance(transaction, dict) and "fee" in transaction else None,
    )


def _refund(obj: dict, *, payment_id: str = "") -> ReportedRefund:
    currency = str(obj["currency"]).upper()
    return ReportedRefund(
        refund_id=obj["id"],
        payment_id=_id(obj.get("payment_intent")) or payment_id,
        amount=from_minor(obj["amount"], currency),
        currency=currency,
        status=obj["status"],
        reason=obj.get("reason") or "",
    )


def _fee_of(transaction) -> Fee:
    currency = str(transaction["currency"]).upper()
    return Fee(
        fee=from_minor(transaction["fee"], currency),
        net=from_minor(transaction["net"], currency),
        currency=currency,
    )

"""Demo data: a card payment, as Stripe would report it — a signed ``payment_intent.succeeded``
for an open invoice (customer and invoice number in the metadata, as our checkout sends them) and
a ``charge.succeeded`` with the card's brand, last four digits and the fee. Both go through the
real webhook service (signature verified with a demo secret); nothing reaches the network.
Safe to run again: does nothing once a provider payment exists."""

from __future__ import annotations

import json
import time
from datetime import datetime

from django.test.utils import override_settings
from stripe import WebhookSignature

from invoicing.models import DocumentStatus, DocumentType, Invoice, SettlementState

from .adapters.stripe import API_VERSION, to_minor
from .models import ProviderPayment
from .services import provider_event_receive

DEMO_SECRET = "whsec_debitor_demo"  # noqa: S105 - signs the demo's own events only


def _event(kind: str, obj: dict, event_id: str, created: int) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": {"object": obj},
        "livemode": False,
        "type": kind,
    }


def load(*, as_of: datetime, by=None, stdout=None) -> None:
    if ProviderPayment.objects.exists():
        return
    invoice = (
        Invoice.objects.filter(
            document_type=DocumentType.INVOICE,
            status=DocumentStatus.ISSUED,
            settlement_state=SettlementState.OPEN,
            currency="EUR",
            open_amount__gt=0,
        )
        .order_by("-invoice_date", "-id")
        .first()
    )
    if invoice is None:
        return
    created = int(as_of.timestamp())
    intent, minor = "pi_demo_0001", to_minor(invoice.open_amount, invoice.currency)
    metadata = {"debitor_customer": str(invoice.customer_id), "invoices": invoice.number}
    events = [
        _event(
            "payment_intent.succeeded",
            {"id": intent, "object": "payment_intent", "amount": minor, "amount_received": minor, "currency": "eur",
             "metadata": metadata, "status": "succeeded"},
            "evt_demo_0001",
            created,
        ),
        _event(
            "charge.succeeded",
            {"id": "ch_demo_0001", "object": "charge", "amount": minor, "currency": "eur", "payment_intent": intent,
             "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
             # Expanded here, so the fee is recorded without asking Stripe (1.5 % + 0.25 €).
             "balance_transaction": {"id": "txn_demo_0001", "object": "balance_transaction", "currency": "eur",
                                     "fee": minor * 15 // 1000 + 25, "net": minor - (minor * 15 // 1000 + 25)}},
            "evt_demo_0002",
            created,
        ),
    ]  # fmt: skip
    with override_settings(STRIPE_WEBHOOK_SECRET=DEMO_SECRET, STRIPE_WEBHOOK_TOLERANCE=300):
        for event in events:
            body = json.dumps(event)
            header = WebhookSignature.generate_signature_header(body, DEMO_SECRET, int(time.time()))
            provider_event_receive(
                provider="stripe", body=body.encode(), headers={"Stripe-Signature": header}, as_of=as_of
            )
    if stdout is not None:
        stdout.write(f"Card payment for invoice {invoice.number} (Stripe demo events).")

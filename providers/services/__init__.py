"""Every write of the providers app (STYLE: services). Lock order: the provider payment (the
gate), its checkout session, then the payments services' own order (``core.locks``)."""

from .checkout import checkout_session_end, checkout_session_start, checkout_validate
from .common import provider_payment_gate
from .disputes import provider_dispute_report
from .payments import provider_charge_report, provider_payment_fee_record, provider_payment_report
from .refunds import provider_refund_create, provider_refund_report
from .webhooks import provider_event_receive

__all__ = [
    "checkout_session_end",
    "checkout_session_start",
    "checkout_validate",
    "provider_charge_report",
    "provider_dispute_report",
    "provider_event_receive",
    "provider_payment_fee_record",
    "provider_payment_gate",
    "provider_payment_report",
    "provider_refund_create",
    "provider_refund_report",
]

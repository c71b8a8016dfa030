"""Payments' event types, written through from its typed event tables (core.typed_events)."""

from core.events import register_event_types
from core.typed_events import connect_typed_events

from .models import BankStatement, BankStatementEvent, Payment, PaymentEvent


def _payment_customer_id(event: PaymentEvent) -> int | None:
    return event.payment.customer_id  # None while the payer is unknown


connect_typed_events(
    PaymentEvent, prefix="payment", obj_model=Payment, obj_id_attr="payment_id", customer_id_of=_payment_customer_id
)
# A bank statement belongs to the company's account, not to a customer.
connect_typed_events(
    BankStatementEvent,
    prefix="bank_statement",
    obj_model=BankStatement,
    obj_id_attr="statement_id",
    customer_id_of=lambda event: None,
    state_fields=("from_standing", "to_standing"),
)
# Written by the bank services directly: an upload queued for import, a line ignored or matched
# again by a person (a line taken as a payment is logged as the payment's events).
register_event_types("bank_import.queued", "bank_line.ignored", "bank_line.rematched")

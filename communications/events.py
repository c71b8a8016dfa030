"""Communications' event types: every ``MessageEvent`` is written through to the event log
(core.typed_events), so a customer's timeline shows what happened to the messages sent to them.

Neither the event's ``description`` nor the provider's raw payload is copied: both can hold the
recipient's address, name or the subject line. What is copied: provider, event type, reject reason.
A message to staff (no customer) is logged without a customer.
"""

from core.typed_events import connect_typed_events

from .models import MessageEvent, OutboxMessage

connect_typed_events(
    MessageEvent,
    prefix="message",
    obj_model=OutboxMessage,
    obj_id_attr="message_id",
    customer_id_of=lambda event: event.message.customer_id,
    private_data_keys=("raw", "received_at"),
)

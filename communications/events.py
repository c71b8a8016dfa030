"""Communications' event types: every ``MessageEvent`` is written through to the event log
(core.typed_events), so a customer's timeline shows what happened to the messages sent to them.

Neither the event's ``description`` nor the provider's raw payload is copied: both can hold the
recipient's address, name or the subject line. What is copied: provider, event type, reject reason.
A message to staff (no customer) is logged without a customer.
"""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types
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

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "message.queued": gettext_noop("E-mail queued"),
        "message.sending": gettext_noop("Handed to the e-mail provider"),
        "message.sent": gettext_noop("Accepted by the e-mail provider"),
        "message.deferred": gettext_noop("Delivery delayed"),
        "message.delivered": gettext_noop("E-mail delivered"),
        "message.bounced": gettext_noop("E-mail bounced"),
        "message.rejected": gettext_noop("E-mail rejected by the provider"),
        "message.complained": gettext_noop("Marked as spam by the recipient"),
        "message.opened": gettext_noop("E-mail opened"),
        "message.clicked": gettext_noop("Link in the e-mail clicked"),
        "message.failed": gettext_noop("Sending failed"),
        "message.stuck": gettext_noop("Outcome unknown (crash during the hand-off)"),
        "message.cancelled": gettext_noop("Sending cancelled"),
        "message.superseded": gettext_noop("Not sent: what it said had changed (superseded)"),
        "message.unknown": gettext_noop("Other e-mail event"),
    }
)

# Notes and logged calls (communications.services.notes): the summary is under ``note`` (blanked by
# event_redact), the call's direction under ``kind`` and its ``outcome``, both worded by their labels.
register_event_types("note.added", "call.logged")
register_event_sentences(
    {
        "note.added": gettext_noop("Note added"),
        "call.logged": EventSentence(
            gettext_noop("Phone call logged"), (gettext_noop("Phone call logged (%(kind)s): %(outcome)s"),)
        ),
    }
)

"""Event types the bank statement causes on SEPA batches, items and mandates (``sepa.bank.states``)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types("sepa_batch.confirmed", "sepa_item.collected", "sepa_item.returned", "mandate.flagged")

register_event_sentences(
    {
        "sepa_batch.confirmed": EventSentence(
            gettext_noop("SEPA batch booked by the bank"),
            (gettext_noop("SEPA batch of %(total)s booked by the bank"),),
        ),
        "sepa_item.collected": EventSentence(
            gettext_noop("Collection booked by the bank"),
            (gettext_noop("Collection of %(amount)s booked by the bank"),),
        ),
        "sepa_item.returned": EventSentence(
            gettext_noop("Collection returned by the bank"),
            (gettext_noop("Collection of %(amount)s returned by the bank (return reason %(reason_code)s)"),),
        ),
        "mandate.flagged": EventSentence(
            gettext_noop("Mandate marked for attention"),
            (gettext_noop("Mandate marked for attention after a return (return reason %(reason_code)s)"),),
        ),
    }
)

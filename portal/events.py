"""The customer page's event types and what they say in the customer's history."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types("page_link.created", "page_link.revoked", "invoice.page_viewed", "customer.page_viewed")

register_event_sentences(
    {
        "page_link.created": EventSentence(
            gettext_noop("Customer page link created"),
            (gettext_noop("Customer page link for invoice %(invoice)s created"),),
        ),
        "page_link.revoked": gettext_noop("Customer page link revoked"),
        "invoice.page_viewed": EventSentence(
            gettext_noop("The customer opened the invoice page"),
        ),
        "customer.page_viewed": gettext_noop("The customer opened the account page"),
    }
)

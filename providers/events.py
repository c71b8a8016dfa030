"""The providers app's event types and their sentences (written directly with ``event_record``)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "checkout_session.created",
    "checkout_session.status_changed",
    "provider_payment.status_changed",
    "provider_payment.fee_recorded",
    "provider_refund.created",
    "provider_refund.status_changed",
    "provider_dispute.created",
    "provider_dispute.status_changed",
)

register_event_sentences(
    {
        "checkout_session.created": EventSentence(
            gettext_noop("Card payment page created"),
            (gettext_noop("Card payment page created for %(amount)s"),),
        ),
        "checkout_session.status_changed": EventSentence(
            gettext_noop("Card payment page status changed"),
            (gettext_noop("Card payment page changed from %(from_state)s to %(to_state)s"),),
        ),
        "provider_payment.status_changed": EventSentence(
            gettext_noop("Card payment status changed"),
            (
                gettext_noop("Card payment of %(amount)s %(to_state)s"),
                gettext_noop("Card payment changed from %(from_state)s to %(to_state)s"),
            ),
        ),
        "provider_payment.fee_recorded": EventSentence(
            gettext_noop("Provider fee recorded"), (gettext_noop("Provider fee of %(fee)s recorded"),)
        ),
        "provider_refund.created": EventSentence(
            gettext_noop("Card refund created"), (gettext_noop("Card refund of %(amount)s created"),)
        ),
        "provider_refund.status_changed": EventSentence(
            gettext_noop("Card refund status changed"),
            (gettext_noop("Card refund changed from %(from_state)s to %(to_state)s"),),
        ),
        "provider_dispute.created": EventSentence(
            gettext_noop("Card payment disputed"), (gettext_noop("Card payment of %(amount)s disputed"),)
        ),
        "provider_dispute.status_changed": EventSentence(
            gettext_noop("Dispute status changed"),
            (gettext_noop("Dispute changed from %(from_state)s to %(to_state)s"),),
        ),
    }
)

"""Casework's event types and their sentences (written directly with ``event_record``, each with
the customer's id so they appear on the customer's timeline)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "promise.taken",
    "promise.kept",
    "promise.broken",
    "promise.cancelled",
    "dispute.opened",
    "dispute.resolved",
    "dispute.withdrawn",
    "dispute.credited",
)

register_event_sentences(
    {
        "promise.taken": EventSentence(
            gettext_noop("Promise to pay taken"),
            (gettext_noop("Promise to pay %(amount)s by %(promised_date)s taken (%(channel)s)"),),
        ),
        "promise.kept": EventSentence(
            gettext_noop("Promise to pay kept"), (gettext_noop("Promise to pay %(amount)s kept"),)
        ),
        "promise.broken": EventSentence(
            gettext_noop("Promise to pay broken"),
            (gettext_noop("Promise to pay %(amount)s by %(promised_date)s broken"),),
        ),
        "promise.cancelled": EventSentence(
            gettext_noop("Promise to pay cancelled"), (gettext_noop("Promise to pay %(amount)s cancelled"),)
        ),
        "dispute.opened": EventSentence(
            gettext_noop("Invoice disputed"),
            (gettext_noop("Invoice %(invoice)s disputed: %(amount)s, %(reason_code)s"),),
        ),
        "dispute.resolved": EventSentence(
            gettext_noop("Dispute resolved in our favour"),
            (gettext_noop("Dispute about invoice %(invoice)s resolved in our favour"),),
        ),
        "dispute.withdrawn": EventSentence(
            gettext_noop("Dispute withdrawn"), (gettext_noop("Dispute about invoice %(invoice)s withdrawn"),)
        ),
        "dispute.credited": EventSentence(
            gettext_noop("Dispute settled with a credit note"),
            (gettext_noop("Dispute about invoice %(invoice)s settled with credit note %(credit_note)s of %(amount)s"),),
        ),
    }
)

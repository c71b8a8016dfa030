"""Event types of dunning (the names the webhooks of issue 21 publish)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "reminder.prepared",
    "reminder.sent",
    "reminder.superseded",
    "invoice.overdue",
    "dunning.paused",
    "dunning.resumed",
    "dunning.run_finished",
)

# The run's events (dunning.services, dunning.gate), worded for the histories (core.event_sentences).
register_event_sentences(
    {
        "reminder.prepared": EventSentence(
            gettext_noop("Reminder prepared"), (gettext_noop("Reminder of level %(level)s prepared"),)
        ),
        "reminder.sent": gettext_noop("Reminder handed over for sending"),
        "reminder.superseded": gettext_noop("Reminder not sent: the amounts had changed"),
        "dunning.run_finished": gettext_noop("Dunning run finished"),
    }
)

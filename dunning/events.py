"""Event types of dunning (the names the webhooks of issue 21 publish)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types

register_event_types(
    "reminder.prepared",
    "reminder.sent",
    "reminder.superseded",
    "reminder.cancelled",
    "invoice.overdue",
    "dunning.paused",
    "dunning.resumed",
    "dunning.run_finished",
)

# Configuration (dunning/policies.py, dunning/api_config.py): who changed how customers are reminded.
register_event_types("dunning.policy_saved", "dunning.policy_deleted", "dunning.settings_changed")

register_event_sentences(
    {
        "dunning.paused": EventSentence(
            gettext_noop("Dunning paused"),
            (
                gettext_noop("Dunning paused until %(until)s: %(reason)s"),
                gettext_noop("Dunning paused: %(reason)s"),
            ),
        ),
        "dunning.resumed": EventSentence(
            gettext_noop("Dunning resumed"), (gettext_noop("Dunning resumed: %(reason)s"),)
        ),
        "dunning.policy_saved": EventSentence(gettext_noop("Dunning policy saved")),
        "dunning.policy_deleted": EventSentence(gettext_noop("Dunning policy deleted")),
        "dunning.settings_changed": EventSentence(gettext_noop("Customer's dunning settings changed")),
        "reminder.prepared": EventSentence(
            gettext_noop("Reminder prepared"), (gettext_noop("Reminder of level %(level)s prepared"),)
        ),
        "reminder.sent": gettext_noop("Reminder handed over for sending"),
        "reminder.superseded": gettext_noop("Reminder not sent: the amounts had changed"),
        "reminder.cancelled": EventSentence(
            gettext_noop("Reminder cancelled before sending"),
            (gettext_noop("Reminder cancelled before sending: %(reason)s"),),
        ),
        "dunning.run_finished": gettext_noop("Dunning run finished"),
    }
)

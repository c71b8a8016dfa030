"""Event types of dunning (the names the webhooks of issue 21 publish)."""

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

# Configuration (dunning/policies.py, dunning/api_config.py): who changed how customers are reminded.
register_event_types("dunning.policy_saved", "dunning.policy_deleted", "dunning.settings_changed")

"""Follow-up tasks' event types, from their history records (core.history)."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.history import connect_history_events

from .models import FollowUpTask

connect_history_events(
    FollowUpTask,
    prefix="task",
    customer_id_of=lambda task: task.customer_id,
    data_of=lambda task: {"kind": task.kind, "status": task.status},
)

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "task.created": gettext_noop("Task opened"),
        "task.changed": EventSentence(gettext_noop("Task changed"), (gettext_noop("Task changed: now %(status)s"),)),
        "task.deleted": gettext_noop("Task deleted"),
    }
)

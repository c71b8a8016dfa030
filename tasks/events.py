"""Follow-up tasks' event types, from their history records (core.history), and the notes."""

from django.utils.translation import gettext_noop

from core.event_sentences import EventSentence, register_event_sentences
from core.events import register_event_types
from core.history import connect_history_events

from .models import FollowUpTask, TaskRule

connect_history_events(
    FollowUpTask,
    prefix="task",
    customer_id_of=lambda task: task.customer_id,
    data_of=lambda task: {"kind": task.kind, "status": task.status},
)
# A finance manager's change of a rule is an audited decision; it concerns no customer.
connect_history_events(
    TaskRule, prefix="task_rule", customer_id_of=lambda rule: None, data_of=lambda r: {"kind": r.kind}
)
# A note on a task (tasks.services.task_note_add): its id only, the text stays on the note.
register_event_types("task.noted")

# What each event type says in the admin's histories (core.event_sentences).
register_event_sentences(
    {
        "task.created": gettext_noop("Task opened"),
        "task.changed": EventSentence(gettext_noop("Task changed"), (gettext_noop("Task changed: now %(status)s"),)),
        "task.deleted": gettext_noop("Task deleted"),
        "task.noted": gettext_noop("Note added to a task"),
        "task_rule.created": gettext_noop("Task rule created"),
        "task_rule.changed": gettext_noop("Task rule changed"),
        "task_rule.deleted": gettext_noop("Task rule deleted"),
    }
)

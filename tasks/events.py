"""Follow-up tasks' event types, from their history records (core.history)."""

from core.history import connect_history_events

from .models import FollowUpTask

connect_history_events(
    FollowUpTask,
    prefix="task",
    customer_id_of=lambda task: task.customer_id,
    data_of=lambda task: {"kind": task.kind, "status": task.status},
)

"""Follow-up tasks for the outbox: the tasks app registers with ``communications``, never the reverse.

The outbox words what a person must look at (a failed or stuck hand-off, a bounce, a reply) as a
``FollowUp``; this opens it as a task once per kind and object, and closes it when the outbox
reports the cause gone. Runs in the outbox's transaction.
"""

from datetime import datetime

from communications.registry import FollowUp, reaction

from .models import FollowUpTask
from .services import task_open_for_cause, tasks_close_about


@reaction("follow_up")
def open_follow_up_task(*, follow_up: FollowUp) -> None:
    task_open_for_cause(
        kind=follow_up.kind,
        title=follow_up.title,
        description=follow_up.description,
        about=follow_up.about,
        customer=follow_up.customer,
        assignee=follow_up.assignee,
        priority=FollowUpTask.Priority.LOW if follow_up.low_priority else FollowUpTask.Priority.NORMAL,
        rule=follow_up.rule,
        as_of=follow_up.as_of,
    )


@reaction("follow_up_done")
def close_follow_up_tasks(*, kind: str, about, as_of: datetime, by, resolution: str) -> None:
    tasks_close_about(kind=kind, about=about, as_of=as_of, by=by, resolution=resolution)

"""Follow-up task causes raised by the layers below ``tasks`` (``core.followups``)."""

from __future__ import annotations

from .models import FollowUpTask
from .services import task_open_for_cause


def open_for_cause(*, priority: str, **cause) -> tuple[FollowUpTask, bool]:
    """``core.followups`` names the priority; the task stores its level."""
    return task_open_for_cause(priority=FollowUpTask.Priority[priority.upper()], **cause)

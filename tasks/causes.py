"""Follow-up task causes raised by the layers below ``tasks`` (``core.followups``), under the rules.

``open_for_cause`` is the backend of ``core.followups.followup_open``: the kind's ``TaskRule``
decides whether a task opens at all, when it is due, its priority and who gets it
(``tasks.rules``). A cause that happens again while its task is still open writes a note on that
task ("happened again on …", once a day at most) instead of a second task: at most one task per
kind and object stays open (a database constraint).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.formatting import datetime_text
from core.languages import default_language

from .mail import assignment_mail_send
from .models import FollowUpTask, TaskNote
from .rules import rule_assignee, rule_due_date, rule_priority, task_rule_get
from .services import task_open_for_cause


def _note_again(task: FollowUpTask, *, rule: str, as_of: datetime, title: str) -> None:
    """The cause of an open task happened again: one note a day, by the rule, in the site's language."""
    day = timezone.localdate(as_of)
    if TaskNote.objects.filter(task=task, author__isnull=True, rule=rule or "rule", created_at__date=day).exists():
        return
    with translation.override(default_language()):
        text = _("Happened again on %(when)s: %(title)s") % {"when": datetime_text(as_of), "title": title}
    TaskNote.objects.create(task=task, text=text, rule=(rule or "rule")[:100], created_at=as_of)


def open_for_cause(
    *,
    kind: str,
    title: str,
    rule: str,
    as_of: datetime,
    priority: str,
    about: models.Model | None = None,
    description: str = "",
    customer=None,
    assignee=None,
    due_date: date | None = None,
) -> tuple[FollowUpTask | None, bool]:
    """Open (or note again) the task for a cause reported through ``core.followups``.

    Returns ``(task, created)``; ``(None, False)`` when the kind's rule is switched off. Runs in
    the caller's transaction; costs two queries when the task is open already.
    """
    task_rule = task_rule_get(kind)
    if task_rule is not None and not task_rule.enabled:
        return None, False
    task, created = task_open_for_cause(
        kind=kind,
        title=title,
        description=description,
        about=about,
        customer=customer,
        rule=rule,
        as_of=as_of,
        assignee=lambda customer_id: rule_assignee(task_rule, kind=kind, customer_id=customer_id, preferred=assignee),
        due_date=rule_due_date(task_rule, as_of=as_of, given=due_date),
        priority=rule_priority(task_rule, given=FollowUpTask.Priority[priority.upper()]),
        on_existing=lambda existing: _note_again(existing, rule=rule, as_of=as_of, title=title),
    )
    if created and task.assignee_id is not None:
        assignment_mail_send(task=task, as_of=as_of)
    return task, created

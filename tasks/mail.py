"""E-mails to staff about their tasks (the daily digest, a new assignment), through the outbox.

Staff messages have no customer (``communications.services.outbox.message_queue`` with
``customer=None``): the recipient is the user (``user_id`` links the address), the row and its
send job are written in the caller's transaction, and the outbox tracks delivery like any other
message. They are written in the person's language (``TaskPreferences.language``) when they chose
one, else in the site's default language; every date is formatted for that language.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext_lazy

from communications.services.wording import template_label_register
from core.followups import followup_kind_label
from core.formatting import date_text
from core.languages import document_language

from .models import FollowUpTask, TaskPreferences

logger = logging.getLogger(__name__)

ASSIGNED_TEMPLATE = template_label_register("task_assigned", pgettext_lazy("message template", "Task assigned"))
DIGEST_TEMPLATE = template_label_register("task_digest", pgettext_lazy("message template", "Daily task digest"))


def staff_language(preferences: TaskPreferences | None) -> str:
    return document_language(preferences.language if preferences is not None else None)


def _admin_url(path: str) -> str:
    # E-mails carry absolute links; the site's address is the one customers' links use too.
    base = (getattr(settings, "DEBITOR_PORTAL", {}) or {}).get("BASE_URL", "")
    return f"{base.rstrip('/')}{path}"


def task_line(task: FollowUpTask) -> dict:
    """A task as the mails show it, every value already worded (call under the reader's language)."""
    return {
        "title": task.title,
        "kind": followup_kind_label(task.kind),
        "due": date_text(task.due_date),
        "priority": task.get_priority_display(),
        "customer": f"{task.customer.number} {task.customer.legal_name}" if task.customer_id else "",
        "url": _admin_url(reverse("admin:tasks_followuptask_change", args=[task.pk])),
    }


def _render(folder: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"mail/tasks/{folder}/subject.txt", context).split())
    body_text = render_to_string(f"mail/tasks/{folder}/body.txt", context)
    body_html = render_to_string(f"mail/tasks/{folder}/body.html", context)
    return subject, body_text, body_html


def _queue(*, user, language: str, template: str, rendered, cause: str, as_of: datetime, subjects=()):
    from communications.services.outbox import message_queue

    subject, body_text, body_html = rendered
    return message_queue(
        customer=None,
        template=template,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        to=[{"name": user.get_full_name() or user.get_username(), "email": user.email, "user_id": user.pk}],
        cause=cause,
        as_of=as_of,
        subjects=subjects,
    )


def assignment_mail_send(*, task: FollowUpTask, as_of: datetime, by=None):
    """Tell the new assignee of ``task`` at once, if they asked for it (``email_on_assignment``) and
    have an address; nobody is told about a task they gave themselves. Runs in the caller's
    transaction; returns the outbox message or None."""
    user = task.assignee
    if user is None or not user.email or (by is not None and by.pk == user.pk):
        return None
    preferences = TaskPreferences.objects.filter(user=user).first()
    if preferences is None or not preferences.email_on_assignment:
        return None
    language = staff_language(preferences)
    with translation.override(language):
        context = {"task": task_line(task), "description": task.description, "by": by.get_username() if by else ""}
        rendered = _render("assigned", context)
    try:
        # A savepoint: an address the outbox refuses must not undo the assignment that caused it.
        with transaction.atomic():
            return _queue(
                user=user,
                language=language,
                template=ASSIGNED_TEMPLATE,
                rendered=rendered,
                cause=f"task {task.pk} assigned",
                as_of=as_of,
                subjects=[task],
            )
    except ValidationError as refused:
        logger.warning("No assignment e-mail to user %s for task %s: %s", user.pk, task.pk, refused.messages)
        return None


def digest_mail_render(*, user, preferences: TaskPreferences | None, overdue, due_today, day) -> tuple[str, tuple]:
    language = staff_language(preferences)
    with translation.override(language):
        context = {
            "name": user.get_full_name() or user.get_username(),
            "day": date_text(day),
            "overdue": [task_line(task) for task in overdue],
            "due_today": [task_line(task) for task in due_today],
            "count": len(overdue) + len(due_today),
            "worklist_url": _admin_url(reverse("admin:tasks_followuptask_changelist") + "?assignee=me&state=open"),
        }
        return language, _render("digest", context)


def digest_mail_queue(*, user, language: str, rendered, as_of: datetime, day):
    return _queue(
        user=user,
        language=language,
        template=DIGEST_TEMPLATE,
        rendered=rendered,
        cause=f"task digest {day.isoformat()}",
        as_of=as_of,
    )

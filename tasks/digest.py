"""The daily digest: one e-mail per person and day with their due and overdue open tasks.

Exactly once per person and day: the ``TaskDigest`` row (unique per user and day) and the outbox
message are written in one transaction, per person. A second run the same day — or a concurrent
run on another worker — hits the unique row (PostgreSQL makes the second INSERT wait for the
first transaction and then refuses it) and sends nothing; a run that fails for one person rolls
back that person's row and message only, and the next run sends theirs.

Who gets one: active users with at least one open task assigned to them that is due on the day
or earlier, an e-mail address, and the digest switched on (``TaskPreferences.daily_digest``; a
person without preferences has the defaults, digest on).
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .mail import digest_mail_queue, digest_mail_render
from .models import FollowUpTask, TaskDigest, TaskPreferences


def digest_tasks(*, day: date):
    """Open and in-progress tasks with an assignee due on ``day`` or before, by assignee, then as the worklist
    sorts them (due date, priority, id)."""
    return (
        # A snoozed task ("waiting") stays quiet until it wakes.
        FollowUpTask.objects.filter(
            status__in=(FollowUpTask.Status.OPEN, FollowUpTask.Status.IN_PROGRESS),
            assignee__isnull=False,
            due_date__lte=day,
        )
        .select_related("customer")
        .order_by("assignee_id", "due_date", "-priority", "id")
    )


def task_digests_send(*, as_of: datetime) -> int:
    """Queue today's digest for everyone who should get one and has not yet. Returns how many."""
    day = timezone.localdate(as_of)
    tasks = list(digest_tasks(day=day))
    if not tasks:
        return 0
    user_ids = sorted({task.assignee_id for task in tasks})
    users = {
        user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    }
    preferences = {p.user_id: p for p in TaskPreferences.objects.filter(user_id__in=user_ids)}
    already = set(TaskDigest.objects.filter(day=day, user_id__in=user_ids).values_list("user_id", flat=True))
    sent = 0
    for user_id, own in groupby(tasks, key=lambda task: task.assignee_id):
        user, prefs = users.get(user_id), preferences.get(user_id)
        if user is None or user_id in already or (prefs is not None and not prefs.daily_digest):
            continue
        own = list(own)
        if _digest_send(user=user, preferences=prefs, tasks=own, day=day, as_of=as_of):
            sent += 1
    return sent


def _digest_send(*, user, preferences, tasks: list[FollowUpTask], day: date, as_of: datetime) -> bool:
    overdue = [task for task in tasks if task.due_date < day]
    due_today = [task for task in tasks if task.due_date == day]
    language, rendered = digest_mail_render(
        user=user, preferences=preferences, overdue=overdue, due_today=due_today, day=day
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = TaskDigest.objects.create(user=user, day=day, task_count=len(tasks), created_at=as_of)
        except IntegrityError:
            return False  # another run sent this person's digest for the day
        digest.message = digest_mail_queue(user=user, language=language, rendered=rendered, as_of=as_of, day=day)
        digest.save(update_fields=["message"])
    return True

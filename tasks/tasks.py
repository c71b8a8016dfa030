"""Celery tasks of the follow-up tasks app: thin, idempotent, time from the clock."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .digest import task_digests_send
from .services import tasks_wake


@shared_task(name="tasks.wake_snoozed", ignore_result=True)
def wake_snoozed() -> int:
    """Snoozed tasks whose day has come are open again (a rerun finds none left to wake)."""
    return tasks_wake(as_of=timezone.now())


@shared_task(name="tasks.send_digests", ignore_result=True, acks_late=True)
def send_digests() -> int:
    """Today's digest e-mails (exactly once per person and day: the TaskDigest row guards it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return task_digests_send(as_of=timezone.now())

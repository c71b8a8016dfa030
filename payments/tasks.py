"""Celery entry points of payments: thin, call one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .bank.followup import unmatched_line_tasks_open


@shared_task(name="payments.open_unmatched_line_tasks", ignore_result=True)
def open_unmatched_line_tasks() -> int:
    # Follow-up task texts are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return unmatched_line_tasks_open(as_of=timezone.now())

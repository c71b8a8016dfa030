"""Celery entry points of dunning's scheduled notices: thin, one service each, time from the clock.

Not named ``tasks.py`` (the dunning run's module): ``DunningConfig.ready`` imports this one so the
worker knows the tasks."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .notices import due_date_heads_up_send, overdue_transition_run, statements_monthly_send


@shared_task(name="dunning.overdue_transition", ignore_result=True)
def overdue_transition() -> int:
    return overdue_transition_run(as_of=timezone.now())


@shared_task(name="dunning.due_date_heads_up", ignore_result=True, acks_late=True)
def due_date_heads_up() -> dict:
    # Causes and texts of a worker are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return due_date_heads_up_send(as_of=timezone.now())


@shared_task(name="dunning.monthly_statements", ignore_result=True, acks_late=True)
def monthly_statements() -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        return statements_monthly_send(as_of=timezone.now())

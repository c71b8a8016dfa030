"""Celery entry points of casework: thin, call one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .services.promises import promises_evaluate_due


@shared_task(name="casework.evaluate_promises", ignore_result=True)
def evaluate_promises() -> int:
    # Follow-up task texts are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return promises_evaluate_due(as_of=timezone.now())

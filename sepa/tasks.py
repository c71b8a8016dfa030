"""Celery entry points of sepa: thin, call one service."""

from celery import shared_task
from django.utils import timezone

from .services.mandates import mandates_expire


@shared_task(name="sepa.expire_mandates", ignore_result=True)
def expire_mandates() -> int:
    return mandates_expire(as_of=timezone.now())

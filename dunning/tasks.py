"""Celery tasks of dunning: thin, the work is in ``dunning.services``."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .services import dunning_run


@shared_task(name="dunning.run", ignore_result=True)
def run() -> int:
    """The daily dunning run, as of today in the site's time zone; returns the run's id."""
    with translation.override(settings.LANGUAGE_CODE):  # task titles in the site language
        return dunning_run(as_of=timezone.localdate(), trigger="schedule").pk

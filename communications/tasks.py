from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from .services.outbox import messages_check_stuck


@shared_task(name="communications.check_stuck_messages", ignore_result=True)
def check_stuck_messages() -> int:
    # Follow-up task texts are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return messages_check_stuck(as_of=timezone.now())

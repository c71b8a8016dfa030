from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from . import services
from .services.outbox import messages_check_stuck


@shared_task(name="customers.reverify_due", ignore_result=True)
def reverify_due() -> int:
    return services.customers_reverify_due(as_of=timezone.now())


@shared_task(name="customers.check_stuck_messages", ignore_result=True)
def check_stuck_messages() -> int:
    # Follow-up task texts are written in the site language (a worker has no request).
    with translation.override(settings.LANGUAGE_CODE):
        return messages_check_stuck(as_of=timezone.now())

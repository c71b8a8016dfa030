from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="customers.reverify_due", ignore_result=True)
def reverify_due() -> int:
    return services.customers_reverify_due(as_of=timezone.now())

from celery import shared_task
from django.utils import timezone

from .recurring import recurring_invoices_run


@shared_task(name="invoicing.run_recurring", ignore_result=True)
def run_recurring() -> dict:
    return recurring_invoices_run(as_of=timezone.now())

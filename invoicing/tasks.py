from celery import shared_task
from django.utils import timezone

from .recurring import recurring_invoices_run
from .services.receipts import invoice_receipts_assume


@shared_task(name="invoicing.run_recurring", ignore_result=True)
def run_recurring() -> dict:
    return recurring_invoices_run(as_of=timezone.now())


@shared_task(name="invoicing.assume_receipts", ignore_result=True)
def assume_receipts() -> int:
    return invoice_receipts_assume(as_of=timezone.now())

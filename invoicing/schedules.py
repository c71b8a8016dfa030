"""Periodic schedules of the invoicing app (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Create recurring invoices"),
        task="invoicing.run_recurring",
        when=Crontab(minute="0", hour="6"),
        description="Turns each due period of active recurring invoice templates into one invoice.",
    ),
    Schedule(
        name=gettext_noop("Assume receipt of invoices"),
        task="invoicing.assume_receipts",
        when=Crontab(minute="30", hour="5"),
        description="Assumes receipt of invoices without a delivery report (DEBITOR_RECEIPT_ASSUMED_AFTER_DAYS).",
    ),
)
job_register("invoicing.run_recurring", "invoicing.recurring.recurring_invoices_run")
job_register("invoicing.assume_receipts", "invoicing.services.receipts.invoice_receipts_assume")

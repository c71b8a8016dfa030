"""Periodic schedules of the customers app (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Re-verify customer data"),
        task="customers.reverify_due",
        when=Crontab(minute="15", hour="3"),
        description="Queues verification of customers never verified or last verified more than "
        "DEBITOR_REVERIFY_AFTER_DAYS (90) days ago, 500 per run.",
    ),
)
job_register("customers.reverify_due", "customers.services.customers_reverify_due")

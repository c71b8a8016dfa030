"""Periodic schedules of the customers app (see core.schedules; editable in the admin)."""

from core.schedules import Crontab, Every, Schedule, register

register(
    Schedule(
        name="Re-verify customer data",
        task="customers.reverify_due",
        when=Crontab(minute="15", hour="3"),
        description="Queues verification of customers never verified or last verified more than "
        "DEBITOR_REVERIFY_AFTER_DAYS (90) days ago, 500 per run.",
    ),
    Schedule(
        name="Check e-mails stuck in sending",
        task="customers.check_stuck_messages",
        when=Every(5, "minutes"),
        description="Outbox messages still 'sending' 15 minutes after the hand-off started are not resent; "
        "each gets a follow-up task to check the provider's log.",
    ),
)

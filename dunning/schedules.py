"""Periodic schedules of dunning (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, register

register(
    Schedule(
        name=gettext_noop("Send payment reminders"),
        task="dunning.run",
        when=Crontab(minute="0", hour="8", day_of_week="1-5"),
        description="Weekdays 08:00 local time: one reminder per customer about every invoice that reached a "
        "dunning level; skipped invoices are listed with their reason in the run's log.",
    ),
)

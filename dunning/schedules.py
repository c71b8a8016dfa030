"""Periodic schedules of dunning (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, register

# Limitation (dunning/limitation.py): claims about to become time-barred get a follow-up task.
register(
    Schedule(
        name=gettext_noop("Open follow-up tasks for claims about to become time-barred"),
        task="dunning.limitation_tasks_open",
        when=Crontab(minute="15", hour="6"),
        description="Every open invoice that becomes time-barred (§§ 195, 199 BGB) within "
        "DEBITOR_LIMITATION_WARN_MONTHS months gets one follow-up task per barred date.",
    ),
)

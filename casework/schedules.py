"""Periodic schedules of casework (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Decide promises to pay whose date passed"),
        task="casework.evaluate_promises",
        when=Crontab(minute="15", hour="6"),
        description="Every open promise to pay whose promised date plus grace days has passed is marked kept "
        "or broken; a broken one opens a follow-up task.",
    ),
)
job_register("casework.evaluate_promises", "casework.services.promises.promises_evaluate_due")

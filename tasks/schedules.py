"""Periodic schedules of the follow-up tasks app (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Wake snoozed follow-up tasks"),
        task="tasks.wake_snoozed",
        when=Crontab(minute="5", hour="*"),
        description="Tasks waiting until a day are open again from that day on (hourly; a rerun changes nothing).",
    ),
    Schedule(
        name=gettext_noop("Send the daily task digests"),
        task="tasks.send_digests",
        when=Crontab(minute="0", hour="7", day_of_week="1-5"),
        description="One e-mail per person with their due and overdue tasks, at most once a day.",
    ),
)
job_register("tasks.wake_snoozed", "tasks.services.tasks_wake")
job_register("tasks.send_digests", "tasks.digest.task_digests_send")

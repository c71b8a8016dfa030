"""Periodic schedules of the payments app (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Open follow-up tasks for unmatched bank lines"),
        task="payments.open_unmatched_line_tasks",
        when=Crontab(minute="30", hour="7"),
        description="Every booked credit line of a bank statement still unmatched "
        "DEBITOR_UNMATCHED_LINE_TASK_DAYS days after its booking date gets one follow-up task.",
    ),
)
job_register("payments.open_unmatched_line_tasks", "payments.bank.followup.unmatched_line_tasks_open")

"""Periodic schedules of dunning (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Record invoices that became overdue"),
        task="dunning.overdue_transition",
        when=Crontab(minute="30", hour="0"),
        description="Records 'invoice overdue' once per invoice and due date for every issued invoice with an "
        "amount open whose due date has passed (timeline, webhooks).",
    ),
    Schedule(
        name=gettext_noop("Send due-date heads-ups"),
        task="dunning.due_date_heads_up",
        when=Crontab(minute="0", hour="7"),
        description="One e-mail per customer who asked for it, listing the invoices due in the customer's number "
        "of days; once per invoice and due date.",
    ),
    Schedule(
        name=gettext_noop("Send monthly account statements"),
        task="dunning.monthly_statements",
        when=Crontab(minute="30", hour="6", day_of_month="1"),
        description="The previous month's account statement (PDF) to every customer with open items; once per "
        "customer and month.",
    ),
)
job_register("dunning.overdue_transition", "dunning.notices.overdue_transition_run")
job_register("dunning.due_date_heads_up", "dunning.notices.due_date_heads_up_send")
job_register("dunning.monthly_statements", "dunning.notices.statements_monthly_send")

register(
    Schedule(
        name=gettext_noop("Send payment reminders"),
        task="dunning.run",
        when=Crontab(minute="0", hour="8", day_of_week="1-5"),
        description="Weekdays 08:00 local time: one reminder per customer about every invoice that reached a "
        "dunning level; skipped invoices are listed with their reason in the run's log.",
    ),
)
job_register("dunning.run", "dunning.services.dunning_run")

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
job_register("dunning.limitation_tasks_open", "dunning.limitation.limitation_tasks_open")

"""Periodic schedules of the communications app (see core.schedules; editable in the admin).

The name is the schedule's identity and stays as it was when the task lived in ``customers``;
migration ``communications.0002`` points an existing row at the new task path.
"""

from django.utils.translation import gettext_noop

from core.schedules import Every, Schedule, dry_run_watch, job_register, register

register(
    Schedule(
        name=gettext_noop("Check e-mails stuck in sending"),
        task="communications.check_stuck_messages",
        when=Every(5, "minutes"),
        description="Outbox messages still 'sending' 15 minutes after the hand-off started are not resent; "
        "each gets a follow-up task to check the provider's log.",
    ),
)
job_register("communications.check_stuck_messages", "communications.services.outbox.messages_check_stuck")


def _outbox_line(message) -> str:
    to = ", ".join(message.to_addresses)
    return f"[{message.template}] customer={message.customer_id} to {to}: {message.subject}"


# What ``manage.py run_job --dry-run`` lists of a job's e-mails (core knows no outbox).
dry_run_watch(
    "communications.OutboxMessage", title="outbox message(s)", describe=_outbox_line, prefetch=("recipients",)
)

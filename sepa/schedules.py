"""Periodic schedules of the sepa app (see core.schedules; editable in the admin)."""

from django.utils.translation import gettext_noop

from core.schedules import Crontab, Schedule, job_register, register

register(
    Schedule(
        name=gettext_noop("Expire SEPA mandates unused for 36 months"),
        task="sepa.expire_mandates",
        when=Crontab(minute="15", hour="6"),
        description="SEPA Rulebook: a mandate with no collection for 36 months (since its last collection, "
        "or since it was signed when never used) expires and may not be used again.",
    ),
)
job_register("sepa.expire_mandates", "sepa.services.mandates.mandates_expire")

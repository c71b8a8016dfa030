from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DunningConfig(AppConfig):
    """Reminders of overdue invoices on a schedule, exactly once, with fees and statutory default
    interest; the scheduled notices around due dates. Above casework, payments and tasks: it reads
    promises, disputes, collections pending and delivery, and writes open items and messages."""

    name = "dunning"
    verbose_name = _("Dunning")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import ReminderRecord

        lock_place_register(ReminderRecord, "reminder")
        from . import gate

        gate.register()  # the outbox re-checks a reminder's amounts before hand-off
        from . import (
            events,  # noqa: F401  (registers reminder.* and invoice.overdue)
            limitation,  # noqa: F401  (the limitation task kind and its daily job)
            notices,  # noqa: F401  (the notices' purpose, templates and the overdue sentence)
            schedules,  # noqa: F401  (declares the dunning run and the notices)
            tasks_notices,  # noqa: F401  (Celery finds <app>.tasks only)
        )
        from .charges import interest_listeners_register

        interest_listeners_register()  # the final interest item when an invoice with interest is paid

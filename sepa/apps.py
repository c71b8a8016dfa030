from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SepaConfig(AppConfig):
    name = "sepa"
    verbose_name = _("SEPA direct debit and transfers")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import Batch, Mandate

        lock_place_register(Batch, "collection_batch")
        lock_place_register(Mandate, "sepa_mandate")
        from . import (
            events,  # noqa: F401  (registers the sepa event types and their sentences)
            schedules,  # noqa: F401  (declares the mandate expiry job)
        )

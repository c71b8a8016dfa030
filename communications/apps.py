from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import OutboxMessage

        lock_place_register(OutboxMessage, "outbox_message")
        from . import (
            events,  # noqa: F401  (registers the message event types and their write-through)
            handlers,  # noqa: F401  (registers the send job kind)
            receivers,  # noqa: F401  (connects anymail's tracking and inbound signals)
            schedules,  # noqa: F401  (declares the stuck-message check)
        )

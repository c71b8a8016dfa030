from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    """The collector's casework: promises to pay, disputes, the customer timeline and writing to
    customers. Above payments and invoicing (it reads both); dunning reads its selectors."""

    name = "casework"
    verbose_name = _("Collections casework")

    def ready(self) -> None:
        from .letters import messaging  # noqa: F401  (registers the letters' purpose)
        from .timeline import events  # noqa: F401  (replies become timeline events)

        self._ready_promises_and_disputes()

    def _ready_promises_and_disputes(self) -> None:
        from core.events import event_listener_register
        from core.locks import lock_place_register

        from .models import Dispute

        lock_place_register(Dispute, "dispute")
        from . import (
            events,  # noqa: F401  (registers the promise and dispute event types and sentences)
            schedules,  # noqa: F401  (declares the daily promise evaluation)
        )
        from .services import disputes, promises  # noqa: F401  (register their follow-up kinds)

        # Money applied to an invoice may keep a promise, in the writer's transaction.
        event_listener_register(promises.MONEY_EVENT_TYPES, promises.promises_on_money_events)

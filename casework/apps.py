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

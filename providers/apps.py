from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Payment providers")

    def ready(self) -> None:
        from core.locks import lock_place_register

        from .models import CheckoutSession, ProviderPayment

        lock_place_register(ProviderPayment, "provider_payment")
        lock_place_register(CheckoutSession, "provider_checkout")
        from . import (
            events,  # noqa: F401  (registers the event types and sentences)
            jobs,  # noqa: F401  (registers providers.fee_fetch)
        )
        from .services import disputes, refunds, webhooks  # noqa: F401  (register their follow-up kinds)

"""Payment-provider adapters: ``base`` says what a provider offers, one module per provider."""

from __future__ import annotations

from django.conf import settings

from .base import ProviderAdapter


def adapter_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def adapter_for(provider: str = "stripe") -> ProviderAdapter:
    """The adapter of ``provider``, configured from the settings (read at each call, so tests and
    a changed environment take effect)."""
    if provider != "stripe":
        raise LookupError(f"No adapter for payment provider {provider!r}.")
    from .stripe import StripeAdapter

    return StripeAdapter.from_settings()

"""The contract the customer invoice page (``portal``) uses for "pay now"."""

from __future__ import annotations

from collections.abc import Sequence

from .adapters import adapter_configured


def provider_available() -> bool:
    """True when a payment provider is configured (``STRIPE_SECRET_KEY``) and "pay now" may be offered."""
    return adapter_configured()


def checkout_session_create(*, customer, invoices: Sequence, success_url: str, cancel_url: str, as_of) -> str:
    """Start a provider checkout for the open amount of ``invoices`` (all the customer's, issued,
    each with something open, one currency; else ``ValidationError`` naming ``invoices``) and
    return the URL to send the payer to. No surcharge: the payer is asked for the open amount."""
    from .services import checkout_session_start

    session = checkout_session_start(
        customer=customer, invoices=invoices, success_url=success_url, cancel_url=cancel_url, as_of=as_of
    )
    return session.url

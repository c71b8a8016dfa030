"""The contract the customer invoice page (``portal``) uses for "pay now" (filled in by the provider work)."""

from __future__ import annotations

from collections.abc import Sequence


def provider_available() -> bool:
    """True when a payment provider is configured and "pay now" may be offered."""
    return False


def checkout_session_create(*, customer, invoices: Sequence, success_url: str, cancel_url: str, as_of) -> str:
    """Start a provider checkout for the open amount of ``invoices`` (all the customer's, EUR or one
    currency) and return the URL to send the payer to."""
    raise NotImplementedError("No payment provider is configured.")

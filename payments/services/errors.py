"""Refusals that are conflicts with the current state rather than bad input.

They are Django ``ValidationError``s (the admin shows them beside the form as any refusal), and
the API answers them with 409 problem details (``payments.api`` registers them): the request was
well-formed, but the payment or the invoices changed — a second return of the same payment, a
suggestion whose amounts someone else's payment made stale.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PaymentConflict(ValidationError):
    """The state of a payment (or what it is to pay) forbids the change; ``str()`` is the message."""

    type_slug = "payment-conflict"

    def __init__(self, message: str, *, field: str = "payment", code: str = "conflict"):
        super().__init__({field: [ValidationError(message, code=code)]})
        self.text = message

    def __str__(self) -> str:
        return self.text


class PaymentAlreadyReturned(PaymentConflict):
    """A payment is returned once; a second return of it names the first."""

    type_slug = "payment-already-returned"


class SuggestionStale(PaymentConflict):
    """A suggestion computed on open amounts that changed since (another payment was applied).
    ``open_amounts``: {invoice pk: current open amount} of the suggestion's invoices."""

    type_slug = "suggestion-stale"

    def __init__(self, message: str, *, open_amounts: dict, line_id: int):
        super().__init__(message, field="match", code="stale")
        self.open_amounts = open_amounts
        self.line_id = line_id

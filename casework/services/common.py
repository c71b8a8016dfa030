"""What the promise and dispute services share: the conflict they refuse with, and how an amount
given by a person or a client is read."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.money import minor_unit

LARGEST = Decimal("1e12")


class CaseworkConflict(ValidationError):
    """The state of a promise, dispute or invoice forbids the change: the request was well-formed
    (API 409, ``type_slug`` names the problem). Still a ValidationError keyed by ``field``, so the
    admin shows it beside the form as any refusal."""

    type_slug = "casework-conflict"

    def __init__(self, message: str, *, field: str = "status"):
        super().__init__({field: [ValidationError(message, code="conflict")]})
        self.text = message

    def __str__(self) -> str:
        return self.text


def amount_given(value, currency: str, errors: dict, *, field: str = "amount") -> Decimal | None:
    """An amount above zero in the currency's minor unit, or None with the reason in ``errors``
    (also None, with no error, when nothing was given)."""
    if value is None or value == "":
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        errors[field] = [_("Enter an amount such as 250.00.")]
        return None
    if amount <= 0:
        errors[field] = [_("The amount must be above zero.")]
        return None
    if amount >= LARGEST:
        errors[field] = [_("The amount is too large.")]
        return None
    if amount != amount.quantize(minor_unit(currency)):
        errors[field] = [_("The amount has more decimal places than %(currency)s has.") % {"currency": currency}]
        return None
    return amount

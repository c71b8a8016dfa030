"""Money is Decimal, quantized here and nowhere else.

Amounts are rounded to the currency's minor unit (ISO 4217, via Babel's CLDR data:
EUR 2, JPY 0, BHD 3) with ROUND_HALF_UP — commercial rounding, which German practice
and EN 16931 (BR-DEC: at most two decimals for EUR amounts) expect; a tie rounds away
from zero, so negating an amount negates its rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

ROUNDING = ROUND_HALF_UP


@lru_cache(maxsize=64)
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency: Decimal('0.01') for EUR, Decimal('1') for JPY."""
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise ValueError(f"Not an ISO 4217 currency code: {currency!r}")
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round an amount to the currency's minor unit (ROUND_HALF_UP)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money must be Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"Not a finite amount: {amount}")
    return amount.quantize(minor_unit(currency), rounding=ROUNDING)

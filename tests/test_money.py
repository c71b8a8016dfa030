from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import minor_unit, quantize

CURRENCIES = st.sampled_from(["EUR", "USD", "CHF", "GBP", "JPY", "BHD", "SEK"])
AMOUNTS = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=6)


def test_minor_units_follow_iso_4217():
    assert (minor_unit("EUR"), minor_unit("JPY"), minor_unit("BHD")) == (
        Decimal("0.01"),
        Decimal("1"),
        Decimal("0.001"),
    )


def test_ties_round_half_up_away_from_zero():
    assert quantize(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert quantize(Decimal("-2.345"), "EUR") == Decimal("-2.35")
    assert quantize(Decimal("2.344999"), "EUR") == Decimal("2.34")
    assert quantize(Decimal("0.5"), "JPY") == Decimal("1")


@pytest.mark.parametrize("bad", [2.5, 2, "2.50"])
def test_anything_but_decimal_is_refused(bad):
    with pytest.raises(TypeError):
        quantize(bad, "EUR")


@pytest.mark.parametrize("code", ["eur", "EURO", "", "E1R"])
def test_malformed_currency_codes_are_refused(code):
    with pytest.raises(ValueError):
        quantize(Decimal("1"), code)


@given(amount=AMOUNTS, currency=CURRENCIES)
def test_quantized_amounts_have_the_minor_unit_and_are_within_half_a_unit(amount, currency):
    unit = minor_unit(currency)
    rounded = quantize(amount, currency)
    assert rounded.as_tuple().exponent == unit.as_tuple().exponent
    assert abs(rounded - amount) <= unit / 2
    assert quantize(rounded, currency) == rounded  # idempotent
    assert quantize(-amount, currency) == -rounded  # symmetric


@given(a=AMOUNTS, b=AMOUNTS)
def test_quantizing_preserves_order(a, b):
    if a <= b:
        assert quantize(a, "EUR") <= quantize(b, "EUR")

"""The creditor identifier check (ISO 7064 MOD 97-10 via python-stdnum) and the TARGET2 calendar."""

from datetime import date

import pytest

from customers.validation import FieldProblem, clean_creditor_id
from sepa.calendar import is_target2_day, target2_add, target2_on_or_after


@pytest.mark.parametrize(
    "published",
    [
        "DE98ZZZ09999999999",  # the Bundesbank's sample
        "de98 zzz 0999 9999 999",  # as typed, with spaces
        "ES23ZZZ47690558N",  # the EPC's Spanish example
        "AT61ZZZ01234567890",  # the Austrian sample
    ],
)
def test_published_creditor_identifiers_are_valid(published):
    assert clean_creditor_id(published) == published.replace(" ", "").upper()


def test_the_business_code_is_left_out_of_the_check():
    # Positions 5-7 may be any business code the creditor chose; the check digits stay the same.
    assert clean_creditor_id("DE98ABC09999999999") == "DE98ABC09999999999"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("DE99ZZZ09999999999", "check digits"),
        ("DE98ZZZ0999999999", "18 characters"),
        ("XX98ZZZ09999999999", "not a country code"),
        ("98DEZZZ09999999999", "not the form"),
    ],
)
def test_a_wrong_creditor_identifier_says_why(value, why, settings):
    from django.utils import translation

    with translation.override("en"), pytest.raises(FieldProblem, match=why):
        clean_creditor_id(value)


def test_an_empty_creditor_identifier_is_empty():
    assert clean_creditor_id("  ") == ""


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        (date(2027, 3, 26), False),  # Good Friday
        (date(2027, 3, 29), False),  # Easter Monday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 26), False),  # Boxing Day (a Saturday anyway)
        (date(2026, 12, 24), True),  # Christmas Eve: TARGET2 is open
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 12, 12), False),  # Saturday
        (date(2026, 12, 13), False),  # Sunday
        (date(2026, 10, 3), False),  # German Unity Day is a Saturday in 2026 …
        (date(2027, 10, 4), True),  # … and TARGET2 ignores national holidays (a Monday in 2027)
    ],
)
def test_target2_days(day, open_):
    assert is_target2_day(day) is open_


def test_the_next_business_day_skips_christmas_and_the_weekend():
    assert target2_add(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert target2_on_or_after(date(2026, 12, 25)) == date(2026, 12, 28)


def test_the_day_after_maundy_thursday_is_the_tuesday_after_easter():
    assert target2_add(date(2027, 3, 25), 1) == date(2027, 3, 30)

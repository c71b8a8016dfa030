"""TARGET2 business days: the days SEPA collections settle on.

TARGET2 (the Eurosystem's settlement system) is closed on Saturdays, Sundays, New Year's Day,
Good Friday, Easter Monday, 1 May, 25 and 26 December; a collection date (pain.008
``ReqdColltnDt``) must be a TARGET2 day. The closing days come from the ``holidays`` package's
ECB calendar ("XECB"), not from a list of our own.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closing_days(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_target2_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closing_days(day.year)


def target2_on_or_after(day: date) -> date:
    """``day`` itself when TARGET2 is open, else the next day it is."""
    while not is_target2_day(day):
        day += timedelta(days=1)
    return day


def target2_add(day: date, business_days: int) -> date:
    """The TARGET2 day ``business_days`` TARGET2 days after ``day`` (D+1 is the next open day)."""
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    while business_days:
        day += timedelta(days=1)
        if is_target2_day(day):
            business_days -= 1
    return day

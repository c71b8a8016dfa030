"""Reading the scope from query parameters: defaults, named periods, custom periods, bad input."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.scope import Scope, ScopeError, scope_from_params

TODAY = date(2026, 12, 7)


def test_defaults_are_the_90_days_up_to_today_in_all_currencies():
    scope = scope_from_params({}, today=TODAY)
    assert (scope.as_of, scope.start, scope.end, scope.days, scope.currency) == (
        TODAY, date(2026, 9, 9), TODAY, 90, None,
    )  # fmt: skip
    assert scope.params() == {"as_of": "2026-12-07"}


@pytest.mark.parametrize(
    ("period", "start"),
    [("month", date(2026, 12, 1)), ("quarter", date(2026, 10, 1)), ("year", date(2026, 1, 1)),
     ("30d", date(2026, 11, 8)), ("365d", date(2025, 12, 8))],
)  # fmt: skip
def test_named_periods_end_on_as_of(period, start):
    scope = scope_from_params({"period": period}, today=TODAY)
    assert (scope.start, scope.end, scope.period) == (start, TODAY, period)


def test_a_custom_period_is_seen_as_of_its_last_day_and_the_previous_period_just_before_it():
    scope = scope_from_params({"from": "2026-11-01", "to": "2026-11-30", "currency": "usd"}, today=TODAY)
    assert (scope.as_of, scope.days, scope.currency, scope.period) == (date(2026, 11, 30), 30, "USD", "custom")
    previous = scope.previous()
    assert (previous.start, previous.end, previous.as_of) == (date(2026, 10, 2), date(2026, 10, 31), date(2026, 10, 31))
    assert scope_from_params(scope.params(), today=TODAY) == scope


def test_filters_round_trip_through_the_url():
    params = {"as_of": "2026-11-30", "period": "month", "country": "at", "owner": "7", "customer": "3",
              "customer_kind": "consumer"}  # fmt: skip
    scope = scope_from_params(params, today=TODAY)
    assert (scope.country, scope.owner_id, scope.customer_id, scope.customer_kind) == ("AT", 7, 3, "consumer")
    assert scope_from_params(scope.params(), today=TODAY) == scope
    assert isinstance(scope.at(date(2026, 10, 31)), Scope) and scope.at(date(2026, 10, 31)).days == scope.days


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"as_of": "yesterday"}, {"as_of"}),
        ({"as_of": "1999-12-31"}, {"as_of"}),
        ({"from": "2026-11-01"}, {"to"}),
        ({"to": "2026-11-01"}, {"from"}),
        ({"from": "2026-13-45x"}, {"from", "to"}),
        ({"from": "0001-01-01", "to": "0001-01-05"}, {"from", "to"}),
        ({"from": "2026-11-30", "to": "2026-11-01"}, {"to"}),
        ({"from": "2000-01-01", "to": "2026-11-01"}, {"to"}),
        ({"from": "2026-11-01", "to": "2026-11-30", "as_of": "2026-11-15"}, {"to"}),
        ({"period": "week"}, {"period"}),
        ({"currency": "€"}, {"currency"}),
        ({"country": "Deutschland"}, {"country"}),
        ({"customer": "1.5", "owner": "x"}, {"customer", "owner"}),
        ({"customer_kind": "robot"}, {"customer_kind"}),
    ],
)
def test_each_bad_parameter_is_named(params, named):
    with pytest.raises(ScopeError) as caught:
        scope_from_params(params, today=TODAY)
    assert set(caught.value.errors) == named

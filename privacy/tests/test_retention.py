"""Retention arithmetic: each period counts from the end of the calendar year of the record (§ 147 (4) AO)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from core.models import Event
from core.privacy import BOOKS, LETTERS, NONE, VOUCHERS
from core.privacy import retention_ends as retention_ends_default
from privacy.services import retention_ends, retention_settings_get, retention_settings_update

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("record_date", "retention", "kept_until"),
    [
        (date(2026, 3, 1), VOUCHERS, date(2034, 12, 31)),  # the example
        (date(2026, 1, 1), VOUCHERS, date(2034, 12, 31)),  # first and last day of a year end alike
        (date(2026, 12, 31), VOUCHERS, date(2034, 12, 31)),
        (date(2026, 3, 1), BOOKS, date(2036, 12, 31)),
        (date(2026, 3, 1), LETTERS, date(2032, 12, 31)),
        (date(2028, 2, 29), VOUCHERS, date(2036, 12, 31)),  # a leap day: 2036 is a leap year too
        (date(2024, 2, 29), LETTERS, date(2030, 12, 31)),  # a leap day into a common year
        (date(2024, 2, 29), BOOKS, date(2034, 12, 31)),
    ],
)
def test_retention_ends_at_the_end_of_the_records_year_plus_the_period(record_date, retention, kept_until):
    assert retention_ends_default(record_date, retention) == kept_until


def test_a_time_counts_in_the_local_calendar_year():
    # 31.12.2025 23:30 UTC is already New Year's Day 2026 in Berlin.
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert retention_ends_default(new_year, VOUCHERS) == date(2034, 12, 31)
    assert retention_ends_default(datetime(2025, 12, 31, 23, 30, tzinfo=BERLIN), VOUCHERS) == date(2033, 12, 31)


def test_records_without_a_duty_have_no_end_and_an_unknown_class_is_refused():
    assert retention_ends_default(date(2026, 3, 1), NONE) is None
    with pytest.raises(ValueError, match="retention class"):
        retention_ends_default(date(2026, 3, 1), "forever")


@pytest.mark.django_db
def test_the_configured_periods_apply_and_their_change_is_logged(manager):
    assert retention_settings_get().periods() == {"books": 10, "vouchers": 8, "letters": 6}
    assert retention_ends(date(2026, 3, 1), VOUCHERS) == date(2034, 12, 31)
    as_of = datetime(2026, 11, 27, 9, tzinfo=BERLIN)
    retention_settings_update(books_years=10, vouchers_years=10, letters_years=6, as_of=as_of, by=manager)
    assert retention_ends(date(2026, 3, 1), VOUCHERS) == date(2036, 12, 31)
    event = Event.objects.get(type="privacy.retention_changed")
    assert event.data["fields"] == ["vouchers_years"]
    assert event.actor_user == manager


@pytest.mark.django_db
@pytest.mark.parametrize("value", [0, 31, "8", None, 2.5, True])
def test_a_period_that_is_no_whole_number_of_years_from_1_to_30_is_refused(value):
    with pytest.raises(ValidationError) as refused:
        retention_settings_update(
            books_years=10, vouchers_years=value, letters_years=6, as_of=datetime(2026, 11, 27, tzinfo=BERLIN)
        )
    assert set(refused.value.message_dict) == {"vouchers_years"}
    assert retention_settings_get().vouchers_years == 8
    assert not Event.objects.filter(type="privacy.retention_changed").exists()

"""One formatter for amounts, dates and times on every admin page (core.formatting, {% load money %})."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.formatting import date_text, datetime_text, money_text, number_text

NBSP = "\xa0"


def test_an_amount_reads_as_german_with_the_euro_sign_after_it():
    with translation.override("de"):
        assert money_text(Decimal("1341.13"), "EUR") == f"1.341,13{NBSP}€"
        assert money_text(Decimal("-50244.78"), "EUR") == f"-50.244,78{NBSP}€"


def test_an_amount_reads_as_english_with_the_euro_sign_before_it():
    with translation.override("en"):
        assert money_text(Decimal("1341.13"), "EUR") == "€1,341.13"


def test_an_amount_is_shown_to_its_currencys_minor_unit():
    with translation.override("de"):
        assert money_text(Decimal("5"), "EUR") == f"5,00{NBSP}€"
        assert money_text(Decimal("1000"), "JPY") == f"1.000{NBSP}¥"
        assert money_text(None, "EUR") == "—"


def test_a_float_is_refused_as_money():
    with pytest.raises(TypeError):
        money_text(1.5, "EUR")


def test_a_day_reads_dd_mm_yyyy_in_german():
    with translation.override("de"):
        assert date_text(date(2026, 12, 7)) == "07.12.2026"
    with translation.override("en"):
        assert date_text(date(2026, 12, 7)) == "7 Dec 2026"


def test_a_moment_is_shown_in_the_configured_time_zone_not_utc():
    moment = datetime(2026, 12, 7, 2, 21, tzinfo=UTC)  # 03:21 in Berlin (CET)
    with translation.override("de"):
        assert datetime_text(moment) == "07.12.2026, 03:21"
        assert date_text(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == "07.12.2026"
    with translation.override("en"):
        assert datetime_text(moment) == "7 Dec 2026, 03:21"


def test_a_number_is_grouped_for_the_reader():
    with translation.override("de"):
        assert number_text(Decimal("12345.5"), places=2) == "12.345,50"


def test_templates_use_the_same_formatter():
    template = Template("{% load money %}{{ amount|money:currency }} {{ day|date_text }} {{ moment|datetime_text }}")
    context = Context(
        {
            "amount": Decimal("1341.13"),
            "currency": "EUR",
            "day": date(2026, 12, 7),
            "moment": datetime(2026, 12, 7, 2, 21, tzinfo=UTC),
        }
    )
    with translation.override("de"):
        assert template.render(context) == f"1.341,13{NBSP}€ 07.12.2026 07.12.2026, 03:21"


def test_djangos_own_date_output_matches_the_formatter():
    moment = datetime(2026, 12, 7, 2, 21, tzinfo=UTC)
    for language in ("de", "en"):
        with translation.override(language):
            assert date_format(date(2026, 12, 7)) == date_text(date(2026, 12, 7))
            assert date_format(timezone.localtime(moment), "DATETIME_FORMAT") == datetime_text(moment)

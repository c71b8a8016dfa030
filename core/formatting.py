"""Amounts, dates and times as the reader reads them: one place for every page of the admin.

The reader's language is the active translation (the admin's ``LocaleMiddleware``), formatted with
the CLDR locale ``core.languages.message_locale`` names for it (German as in Germany, English as in
Britain), and times are shown in the configured time zone (``TIME_ZONE``, Europe/Berlin), never in
UTC. German reads ``1.341,13 €``, ``07.12.2026`` and ``07.12.2026, 03:21``; English ``€1,341.13``,
``7 Dec 2026`` and ``7 Dec 2026, 03:21``.

Python code (``list_display`` columns, read-only fields, panels) calls ``money_text``,
``date_text`` and ``datetime_text``; templates use the same functions through ``{% load money %}``
(``{{ amount|money:currency }}``, ``{{ day|date_text }}``, ``{{ moment|datetime_text }}``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from django.utils import timezone, translation

from core.languages import message_locale

EMPTY = "—"


def reader_locale() -> str:
    """The Babel locale of the active language (the reader's)."""
    return message_locale((translation.get_language() or "").split("-")[0])


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("Money must be Decimal, not float")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Not an amount: {value!r}") from None


def money_text(amount: Decimal | int | str | None, currency: str, *, empty: str = EMPTY) -> str:
    """An amount with its currency for the reader: ``1.341,13 €`` (German), ``€1,341.13`` (English).

    Rounded to the currency's minor unit (CLDR), grouped, with the currency's symbol where the
    locale has one (the ISO code otherwise: ``1.341,13 CHF``). ``None`` reads as ``empty``."""
    value = _decimal(amount)
    if value is None:
        return empty
    return format_currency(value, currency or "EUR", locale=reader_locale())


def number_text(value: Decimal | int | str | None, *, places: int | None = None, empty: str = EMPTY) -> str:
    """A plain number for the reader (``1.234,5``); ``places`` fixes the decimals shown."""
    number = _decimal(value)
    if number is None:
        return empty
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(number, format=pattern, locale=reader_locale())
    return format_decimal(number, locale=reader_locale())


def date_text(value: date | datetime | None, *, empty: str = EMPTY) -> str:
    """A day for the reader: ``07.12.2026`` (German), ``7 Dec 2026`` (English). A datetime is
    first moved into the configured time zone, so its day is the local one."""
    if value is None or value == "":
        return empty
    if isinstance(value, datetime):
        value = _local(value).date()
    return format_date(value, "medium", locale=reader_locale())


@lru_cache(maxsize=16)
def _datetime_pattern(locale: str) -> str:
    # CLDR's medium date joined with the short time ("07.12.2026, 03:21"): seconds are noise here.
    cldr = Locale.parse(locale)
    return cldr.datetime_formats["medium"].format(
        cldr.time_formats["short"].pattern, cldr.date_formats["medium"].pattern
    )


def datetime_text(value: datetime | None, *, empty: str = EMPTY) -> str:
    """A moment for the reader in the configured time zone: ``07.12.2026, 03:21``."""
    if value is None or value == "":
        return empty
    if not isinstance(value, datetime):
        return date_text(value, empty=empty)
    locale = reader_locale()
    return format_datetime(_local(value), _datetime_pattern(locale), locale=locale)


def _local(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return timezone.localtime(value)

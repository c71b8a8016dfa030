"""Number series (customer numbers now; invoice and credit-note numbers later).

A series is one row locked while a number is drawn, inside the caller's transaction:
if that transaction rolls back, so does the draw — no gaps, no duplicates.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from .locks import lock_rows
from .models import NumberSeries


def number_next(*, key: str, today: date) -> str:
    """Draw the next number of a series (creating the series with defaults on first use)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the transaction that uses the number.")
    row, _created = NumberSeries.objects.get_or_create(key=key, defaults=NumberSeries.DEFAULTS.get(key, {}))
    # Late in core.locks.LOCK_ORDER: the series is a hot row held until commit.
    series = lock_rows(NumberSeries, [row.pk])[row.pk]
    if series.reset_yearly and series.year != today.year:
        series.year = today.year
        series.next_number = series.start_number
    number = series.next_number
    series.next_number += 1
    series.save(update_fields=["year", "next_number"])
    return series.render(number=number, year=today.year)


def validate_number_format(fmt: str) -> None:
    try:
        fmt.format(number=1, year=2026)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            {"format": f"Use {{number}} (e.g. {{number:05d}}) and optionally {{year}}; {exc!s} is not known."}
        ) from exc
    if "{number" not in fmt:
        raise ValidationError({"format": "The format must contain {number}."})

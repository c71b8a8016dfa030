"""Default interest arithmetic (§ 288 BGB; Directive 2011/7/EU): pure functions, no database
except :func:`rate_tables` (one query).

Conventions (each a ``DunningPolicy`` setting, defaults as the law and the common commentary read it):

- **Rate per half-year.** § 247 BGB changes the base rate on 1 January and 1 July; the Directive
  fixes the ECB rate "in force on 1 January / 1 July" for the half-year. So the rate of a day is
  the series' value in force on the first day of its half-year, plus the margin (never clipped:
  −0.88 % + 9 points = 8.12 %). A half-year is *covered* only when the series has a row dated on
  or after its first day; otherwise its rate is MISSING and no interest is computed from its first
  day on (never guessed) — finance managers enter the new row from the Bundesbank's announcement.
- **Segments.** The span from the first interest day is cut into segments of one rate and one
  principal (and, for act/act, one calendar year). A segment's interest is
  ``principal × rate / 100 × days / basis`` (act/365: 365 in every year, act/360: 360,
  act/act: the days of its year), rounded to the cent once, in ``core.money``.
- **Items never overlap, and add up.** A reminder charges the days since the last interest item;
  a slice that cuts a segment gets the difference of the segment's rounded running totals
  (``Q(interest up to its last day) − Q(interest up to the day before its first day)``). So any
  split of a period into items — two reminders, then the final item on payment — gives to the cent
  the interest of one calculation over the whole period.
- **Principal** is the invoice's open amount day by day: a payment lowers it from the day after
  its value date (interest up to and including the day the payment is credited) or, with that
  policy setting off, from the value date itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from core.money import quantize

from .snapshot import InterestSlice

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ONE_DAY = timedelta(days=1)


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(day: date) -> date:
    start = half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


@dataclass(frozen=True)
class RateTable:
    """One series' rows, ``[(valid_from, rate)]`` sorted by day."""

    rows: tuple[tuple[date, Decimal], ...]

    def rate_of_half_year(self, start: date) -> Decimal | None:
        """The rate fixed for the half-year beginning ``start``, or None when it is not covered."""
        if not self.rows or self.rows[-1][0] < start:
            return None
        days = [row[0] for row in self.rows]
        index = bisect_right(days, start) - 1
        if index < 0:
            return None
        return self.rows[index][1]

    def first_missing(self, start: date, end: date) -> date | None:
        """The first day in ``start…end`` whose half-year has no rate (the first day of that
        half-year, or ``start`` itself)."""
        day = start
        while day <= end:
            if self.rate_of_half_year(half_year_start(day)) is None:
                return day
            day = next_half_year(day)
        return None


def rate_table(rows: Iterable[tuple[date, Decimal]]) -> RateTable:
    return RateTable(tuple(sorted((d, Decimal(r)) for d, r in rows)))


def rate_tables() -> dict[str, RateTable]:
    """Every series' table (one query; the table has a few dozen rows per series)."""
    from .models import ReferenceRate

    grouped: dict[str, list[tuple[date, Decimal]]] = {}
    for series, valid_from, rate in ReferenceRate.objects.order_by("series", "valid_from").values_list(
        "series", "valid_from", "rate"
    ):
        grouped.setdefault(series, []).append((valid_from, rate))
    return {series: rate_table(rows) for series, rows in grouped.items()}


def principal_steps(
    *, open_now: Decimal, reductions: Iterable[tuple[date, Decimal]]
) -> tuple[tuple[date, Decimal], ...]:
    """The principal as steps ``[(from_day, principal)]``, the first from ``date.min``.

    ``reductions`` are ``(day the principal falls, amount)``: a payment, credit or discount
    applied to the invoice. ``open_now`` is the invoice's open amount after all of them."""
    by_day: dict[date, Decimal] = {}
    for day, amount in reductions:
        by_day[day] = by_day.get(day, ZERO) + Decimal(amount)
    principal = Decimal(open_now) + sum(by_day.values(), ZERO)
    steps = [(date.min, principal)]
    for day in sorted(by_day):
        principal -= by_day[day]
        steps.append((day, principal))
    return tuple(steps)


def _basis(day_count: str, year: int) -> Decimal:
    if day_count == "act/360":
        return Decimal("360")
    if day_count == "act/act":
        return Decimal((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    return Decimal("365")


def _running(principal: Decimal, rate: Decimal, days: int, basis: Decimal, currency: str) -> Decimal:
    """The rounded interest of ``days`` days of one segment (the only place interest is rounded)."""
    if days <= 0:
        return ZERO
    return quantize(principal * rate * days / (HUNDRED * basis), currency)


@dataclass(frozen=True)
class Segment:
    start: date
    end: date  # inclusive
    principal: Decimal
    reference_rate: Decimal
    margin: Decimal
    rate: Decimal
    basis: Decimal


def segments(
    *,
    steps: tuple[tuple[date, Decimal], ...],
    table: RateTable,
    margin: Decimal,
    first_day: date,
    last_day: date,
    day_count: str = "act/365",
) -> tuple[list[Segment], date | None]:
    """The segments of one rate and one principal from ``first_day`` (the first interest day) to
    ``last_day``, and the first day left out because its half-year has no rate (None if none).
    Segments with no principal are left out; adjacent half-years with the same rate stay one
    segment (act/act: split at every 1 January)."""
    missing = table.first_missing(first_day, last_day)
    if missing is not None:
        last_day = missing - ONE_DAY
    cuts = {first_day}
    day = next_half_year(first_day)
    while day <= last_day:
        cuts.add(day)
        day = next_half_year(day)
    cuts.update(d for d, _ in steps if first_day < d <= last_day)
    ordered = sorted(cuts)
    step_days = [d for d, _ in steps]
    result: list[Segment] = []
    for index, start in enumerate(ordered):
        if start > last_day:
            break
        end = min(ordered[index + 1] - ONE_DAY, last_day) if index + 1 < len(ordered) else last_day
        principal = steps[bisect_right(step_days, start) - 1][1]
        reference = table.rate_of_half_year(half_year_start(start))
        rate = reference + margin
        basis = _basis(day_count, start.year)
        previous = result[-1] if result else None
        if (
            previous is not None
            and previous.end + ONE_DAY == start
            and previous.principal == principal
            and previous.rate == rate
            and previous.reference_rate == reference
            and (day_count != "act/act" or previous.start.year == start.year)
        ):
            result[-1] = Segment(previous.start, end, principal, reference, margin, rate, basis)
        else:
            result.append(Segment(start, end, principal, reference, margin, rate, basis))
    return [s for s in result if s.principal > 0], missing


def interest_slices(
    *,
    steps: tuple[tuple[date, Decimal], ...],
    table: RateTable,
    margin: Decimal,
    first_day: date,
    start: date,
    end: date,
    currency: str,
    day_count: str = "act/365",
) -> tuple[list[InterestSlice], date | None]:
    """The slices of ``start…end`` (inclusive) of an interest claim whose first day is
    ``first_day``: one per segment it touches, each with the difference of the segment's rounded
    running totals (so slices of any split add up to one calculation). Returns the slices and the
    first day left out for a missing rate (None if none)."""
    if end < start:
        return [], None
    parts, missing = segments(
        steps=steps, table=table, margin=margin, first_day=first_day, last_day=end, day_count=day_count
    )
    slices = []
    for seg in parts:
        a, b = max(start, seg.start), min(end, seg.end)
        if a > b:
            continue
        amount = _running(seg.principal, seg.rate, (b - seg.start).days + 1, seg.basis, currency) - _running(
            seg.principal, seg.rate, (a - seg.start).days, seg.basis, currency
        )
        slices.append(
            InterestSlice(
                start=a,
                end=b,
                principal=seg.principal,
                reference_rate=seg.reference_rate,
                margin=seg.margin,
                rate=seg.rate,
                days=(b - a).days + 1,
                amount=amount,
            )
        )
    if missing is not None and missing < start:
        missing = start
    return slices, missing


def slices_total(slices: Iterable[InterestSlice]) -> Decimal:
    return sum((s.amount for s in slices), ZERO)

"""What a KPI is computed for: the day (``as_of``), the period, and the filters.

One ``Scope`` serves the dashboard pages (filters in the URL, so a view can be bookmarked) and
the API (the same query parameters): ``scope_from_params`` reads and checks them and raises
``ScopeError`` naming each bad parameter and why — never a half-read scope.

Parameters (all optional):

- ``as_of``: the day the numbers are for (ISO date; default today in ``TIME_ZONE``). A past day
  gives the numbers as the ledger had recorded them by the end of that day.
- ``period``: ``month`` (the calendar month up to ``as_of``), ``quarter``, ``year``, ``30d``,
  ``90d`` (default: the 90 days up to ``as_of``), ``365d``; or ``from`` and ``to`` (ISO dates) for
  any other period (at most ten years; ``as_of`` then defaults to ``to``). The *previous
  period* is the one of the same length just before it (what the overview compares with).
- ``currency``: one ISO 4217 code, or none for all currencies converted to EUR.
- ``customer`` (id), ``country`` (ISO 3166 alpha-2 of the billing address), ``owner`` (user id of
  the account owner), ``customer_kind`` (``business``, ``consumer``, ``public``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_PERIOD_DAYS = 3660
PERIODS = {
    "month": _("this month"),
    "quarter": _("this quarter"),
    "year": _("this year"),
    "30d": _("last 30 days"),
    "90d": _("last 90 days"),
    "365d": _("last 365 days"),
}
DEFAULT_PERIOD = "90d"
CUSTOMER_KINDS = ("business", "consumer", "public")
PARAMETERS = ("as_of", "period", "from", "to", "currency", "customer", "country", "owner", "customer_kind")


class ScopeError(ValueError):
    """Bad filter parameters: ``errors`` maps each parameter to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Scope:
    """The day, the period ``start``–``end`` (both inclusive) and the filters of a KPI."""

    as_of: date
    start: date
    end: date
    period: str = DEFAULT_PERIOD  # a key of PERIODS, or "custom"
    currency: str | None = None
    customer_id: int | None = None
    country: str | None = None
    owner_id: int | None = None
    customer_kind: str | None = None

    @property
    def days(self) -> int:
        """Days in the period, both ends counted."""
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The period of the same length just before this one (as_of its last day)."""
        end = self.start - timedelta(days=1)
        return replace(self, as_of=end, start=end - timedelta(days=self.days - 1), end=end)

    def at(self, day: date) -> Scope:
        """The same filters and period length, ending on ``day``."""
        return replace(self, as_of=day, start=day - timedelta(days=self.days - 1), end=day)

    @property
    def filtered(self) -> bool:
        """Whether a customer filter (customer, country, owner, kind) applies."""
        return any(v is not None for v in (self.customer_id, self.country, self.owner_id, self.customer_kind))

    def params(self) -> dict[str, str]:
        """The query parameters that give this scope back (for links, exports, bookmarks)."""
        out = {"as_of": self.as_of.isoformat()}
        if self.period == "custom":
            out |= {"from": self.start.isoformat(), "to": self.end.isoformat()}
        elif self.period != DEFAULT_PERIOD:
            out["period"] = self.period
        for key, value in (
            ("currency", self.currency),
            ("customer", self.customer_id),
            ("country", self.country),
            ("owner", self.owner_id),
            ("customer_kind", self.customer_kind),
        ):
            if value is not None:
                out[key] = str(value)
        return out


def period_bounds(period: str, as_of: date) -> tuple[date, date]:
    """First and last day of a named period ending ``as_of``."""
    if period == "month":
        return as_of.replace(day=1), as_of
    if period == "quarter":
        return as_of.replace(month=(as_of.month - 1) // 3 * 3 + 1, day=1), as_of
    if period == "year":
        return as_of.replace(month=1, day=1), as_of
    days = int(period.removesuffix("d"))
    return as_of - timedelta(days=days - 1), as_of


def _day(raw: str, key: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = [gettext("A date such as 2026-11-30.")]
        return None


def _whole(raw: str, key: str, errors: dict) -> int | None:
    if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18:
        return int(raw)
    errors[key] = [gettext("An id (a whole number).")]
    return None


def scope_from_params(params, *, today: date) -> Scope:
    """A Scope from query parameters (a QueryDict or dict); ``ScopeError`` for any bad one."""
    errors: dict[str, list[str]] = {}
    get = lambda key: (params.get(key) or "").strip()  # noqa: E731
    as_of = _day(get("as_of"), "as_of", errors) if get("as_of") else today
    if as_of and not date(2000, 1, 1) <= as_of <= date(2100, 12, 31):
        errors["as_of"] = [gettext("A day between 2000 and 2100.")]
    period = get("period") or DEFAULT_PERIOD
    start = end = None
    if get("from") or get("to"):
        start = _day(get("from"), "from", errors) if get("from") else None
        end = _day(get("to"), "to", errors) if get("to") else None
        if not (get("from") and get("to")):
            errors["from" if not get("from") else "to"] = [gettext("Give both 'from' and 'to', or neither.")]
        else:
            for key, value in (("from", start), ("to", end)):
                if value and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                    errors[key] = [gettext("A day between 2000 and 2100.")]
            if start and end and not errors and start > end:
                errors["to"] = [gettext("'to' is before 'from'.")]
            elif start and end and not errors and (end - start).days + 1 > MAX_PERIOD_DAYS:
                errors["to"] = [gettext("A period of at most ten years.")]
        period = "custom"
    elif period not in PERIODS:
        errors["period"] = [gettext("One of: %(periods)s.") % {"periods": ", ".join(PERIODS)}]
    currency = get("currency").upper() or None
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = [gettext("A three-letter currency code such as EUR.")]
    country = get("country").upper() or None
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = [gettext("A two-letter country code such as DE.")]
    customer_id = _whole(get("customer"), "customer", errors) if get("customer") else None
    owner_id = _whole(get("owner"), "owner", errors) if get("owner") else None
    kind = get("customer_kind") or None
    if kind and kind not in CUSTOMER_KINDS:
        errors["customer_kind"] = [gettext("One of: %(kinds)s.") % {"kinds": ", ".join(CUSTOMER_KINDS)}]
    if errors:
        raise ScopeError(errors)
    if period != "custom":
        start, end = period_bounds(period, as_of)
    elif not get("as_of"):
        as_of = end  # a past period is seen as the ledger stood at its end
    elif end > as_of:
        raise ScopeError({"to": [gettext("The period ends after 'as_of'.")]})
    return Scope(
        as_of=as_of,
        start=start,
        end=end,
        period=period,
        currency=currency,
        customer_id=customer_id,
        country=country,
        owner_id=owner_id,
        customer_kind=kind,
    )

"""What every KPI module shares: running hand-written SQL, and amounts per currency with their
EUR total (rounded here, once: core.money.quantize)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from core.money import quantize

ZERO = Decimal("0")
ONE_PLACE = Decimal("0.1")


def one_place(value) -> Decimal | None:
    """Days or percent to one place (not money: half away from zero, as SQL's ROUND); None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def rows(sql: str, params: dict | None = None) -> list[dict]:
    """The rows of a query as dicts (column name → value)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Amounts:
    """An amount per currency (each in its own currency) and all of them in EUR.

    ``eur`` leaves out amounts of documents without a stored exchange rate
    (``eur_missing`` says whether any was left out)."""

    by_currency: dict[str, Decimal] = field(default_factory=dict)
    eur: Decimal = ZERO
    eur_missing: bool = False

    @classmethod
    def from_rows(cls, found: list[dict], *, amount: str = "amount", eur: str = "eur") -> Amounts:
        """From rows of ``currency``, ``amount`` and ``eur`` (NULL when a rate was missing)."""
        by_currency: dict[str, Decimal] = {}
        total, missing = ZERO, False
        for row in found:
            value = row[amount] or ZERO
            by_currency[row["currency"]] = by_currency.get(row["currency"], ZERO) + value
            if row[eur] is None and value:
                missing = True
            total += row[eur] or ZERO
        return cls(
            by_currency={c: quantize(v, c) for c, v in sorted(by_currency.items())},
            eur=quantize(total, "EUR"),
            eur_missing=missing,
        )

    def amount(self, currency: str | None) -> Decimal:
        """The amount in ``currency``, or in EUR for all currencies (None)."""
        return self.eur if currency is None else self.by_currency.get(currency, ZERO)

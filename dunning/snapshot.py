"""The shape of a reminder's ``lines`` (``Reminder.lines``): what the letter and its PDF are
rendered from, and what the sender re-checks under lock before hand-off. Plain JSON (strings for
money and dates) so the stored letter can be read back exactly as it was sent."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class InterestSlice:
    start: date
    end: date  # inclusive
    principal: Decimal
    reference_rate: Decimal
    margin: Decimal
    rate: Decimal
    days: int
    amount: Decimal


@dataclass(frozen=True)
class Charge:
    """A fee, the € 40 flat fee or default interest on one invoice. ``item`` is the open item once
    it exists (earlier charges still open, or this reminder's after hand-off); ``new`` charges are
    created by this reminder when it is handed off."""

    kind: str  # payments.OpenItemKind value: dunning_fee, flat_fee, default_interest
    amount: Decimal  # still open (earlier charges) or to be charged (new ones)
    new: bool
    item: int | None = None
    periods: tuple[InterestSlice, ...] = ()
    note: str = ""  # e.g. "§ 288 (5) sentence 3 BGB: credited against the flat fee"


@dataclass(frozen=True)
class ReminderLine:
    invoice: int
    number: str
    invoice_date: date
    due_date: date
    level: int  # the level position this invoice reached in this reminder
    gross: Decimal  # the invoice's amount due as issued
    open: Decimal  # the principal still open when rendered (re-checked before hand-off)
    currency: str
    default_since: date | None = None  # the day default began (§ 286 BGB), if it has
    charges: tuple[Charge, ...] = field(default_factory=tuple)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def lines_to_json(lines: list[ReminderLine]) -> list[dict]:
    return [_plain(asdict(line)) for line in lines]


def _slice(data: dict) -> InterestSlice:
    return InterestSlice(
        start=date.fromisoformat(data["start"]),
        end=date.fromisoformat(data["end"]),
        principal=Decimal(data["principal"]),
        reference_rate=Decimal(data["reference_rate"]),
        margin=Decimal(data["margin"]),
        rate=Decimal(data["rate"]),
        days=int(data["days"]),
        amount=Decimal(data["amount"]),
    )


def _charge(data: dict) -> Charge:
    return Charge(
        kind=data["kind"],
        amount=Decimal(data["amount"]),
        new=bool(data["new"]),
        item=data.get("item"),
        periods=tuple(_slice(s) for s in data.get("periods", ())),
        note=data.get("note", ""),
    )


def lines_from_json(rows: list[dict]) -> list[ReminderLine]:
    return [
        ReminderLine(
            invoice=row["invoice"],
            number=row["number"],
            invoice_date=date.fromisoformat(row["invoice_date"]),
            due_date=date.fromisoformat(row["due_date"]),
            level=int(row["level"]),
            gross=Decimal(row["gross"]),
            open=Decimal(row["open"]),
            currency=row["currency"],
            default_since=date.fromisoformat(row["default_since"]) if row.get("default_since") else None,
            charges=tuple(_charge(c) for c in row.get("charges", ())),
        )
        for row in rows
    ]


def reminder_total(lines: list[ReminderLine]) -> Decimal:
    """Principal plus every charge listed (earlier ones still open and new ones)."""
    return sum((line.open + sum((c.amount for c in line.charges), Decimal("0")) for line in lines), Decimal("0"))

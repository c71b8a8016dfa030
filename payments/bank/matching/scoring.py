"""Signals, their weights, and what the amount says about an invoice (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core.messages import Money, message, message_text
from customers.models import Customer
from invoicing.models import Invoice

from ...services import skonto_amount_to_pay
from . import wording

DEFAULT_THRESHOLD = 90
LEAD = 15  # points the best candidate must lead the second by to be applied automatically
AMBIGUOUS_CAP = 60
ZERO = Decimal("0")

WEIGHTS = {
    "number_exact": 70,
    "number_mangled": 60,
    "number_lookalike": 50,
    "number_typo": 40,
    "iban": 35,
    "name_strong": 20,
    "name_similar": 10,
    "customer_number": 25,
    "amount_exact": 25,
    "amount_skonto": 25,
    "amount_partial": 5,
    "amount_over": 0,
    "number_other_customer": -40,
    "amount_ambiguous": 0,
    "numbers_several": 0,
    "customer_only": 0,
    "reversal": 0,
}
NAME_STRONG, NAME_SIMILAR = 0.90, 0.75


@dataclass(frozen=True)
class Signal:
    """What one signal contributes: its code, weight and why, as a stored message
    (``core.messages``, worded when read) — or a text already worded (rows of old)."""

    code: str
    weight: int
    message: dict | str

    @property
    def detail(self) -> str:
        return message_text(self.message) if isinstance(self.message, dict) else self.message

    def as_json(self) -> dict:
        if isinstance(self.message, dict):
            return {"code": self.code, "weight": self.weight, "message": self.message["code"],
                    "params": self.message["params"]}  # fmt: skip
        return {"code": self.code, "weight": self.weight, "detail": self.message}


@dataclass
class Candidate:
    """A suggestion: the customer, and the invoices with the amount each would receive (none: the
    payment is recorded for the customer and left unapplied)."""

    customer: Customer
    targets: list[tuple[Invoice, Decimal]]
    amount: Decimal
    signals: list[Signal] = field(default_factory=list)
    cap: int = 100

    @property
    def confidence(self) -> int:
        return max(0, min(self.cap, 100, sum(signal.weight for signal in self.signals)))

    @property
    def explanation(self) -> str:
        return "; ".join(signal.detail for signal in self.signals)

    @property
    def messages(self) -> list[dict]:
        """The explanation as stored messages (what an allocation keeps)."""
        return [signal.message for signal in self.signals if isinstance(signal.message, dict)]


def amount_signal(line_amount: Decimal, invoice: Invoice, value_date) -> tuple[Signal, Decimal]:
    """The amount signal for one invoice and what the invoice would receive."""
    if line_amount == invoice.open_amount:
        return Signal("amount_exact", WEIGHTS["amount_exact"], message(wording.AMOUNT_EXACT)), line_amount
    skonto = skonto_amount_to_pay(invoice, value_date) if value_date else None
    if skonto is not None and line_amount == skonto:
        stored = message(wording.AMOUNT_SKONTO, amount=Money(skonto, invoice.currency))
        return Signal("amount_skonto", WEIGHTS["amount_skonto"], stored), line_amount
    open_amount = Money(invoice.open_amount, invoice.currency)
    if line_amount < invoice.open_amount:
        stored = message(wording.AMOUNT_PARTIAL, open=open_amount)
        return Signal("amount_partial", WEIGHTS["amount_partial"], stored), line_amount
    stored = message(wording.AMOUNT_OVER, open=open_amount)
    return Signal("amount_over", WEIGHTS["amount_over"], stored), invoice.open_amount


def split(line_amount: Decimal, invoices: list[Invoice], value_date) -> tuple[list, Signal, Signal]:
    """Several invoices named: each in turn receives its open amount (or, when the amount is
    exactly what they ask for with Skonto, its Skonto amount) until the money runs out."""
    opens = sum((invoice.open_amount for invoice in invoices), ZERO)
    with_skonto = [(skonto_amount_to_pay(invoice, value_date) if value_date else None) for invoice in invoices]
    discounted = [s if s is not None else inv.open_amount for s, inv in zip(with_skonto, invoices, strict=True)]
    use_skonto = sum(discounted, ZERO) == line_amount and any(s is not None for s in with_skonto)
    wanted = discounted if use_skonto else [invoice.open_amount for invoice in invoices]
    money, targets = line_amount, []
    for invoice, share in zip(invoices, wanted, strict=True):
        if money <= 0:
            break
        take = min(money, share)
        targets.append((invoice, take))
        money -= take
    numbers = ", ".join(invoice.number for invoice in invoices)
    total = Money(opens, invoices[0].currency)
    if line_amount == opens:
        signal = Signal("amount_exact", WEIGHTS["amount_exact"], message(wording.SUM_EXACT))
    elif use_skonto:
        signal = Signal("amount_skonto", WEIGHTS["amount_skonto"], message(wording.SUM_SKONTO))
    elif line_amount < opens:
        signal = Signal("amount_partial", WEIGHTS["amount_partial"], message(wording.SUM_PARTIAL, open=total))
    else:
        signal = Signal("amount_over", WEIGHTS["amount_over"], message(wording.SUM_OVER, open=total))
    several = Signal("numbers_several", WEIGHTS["numbers_several"], message(wording.NUMBERS_SEVERAL, numbers=numbers))
    return targets, several, signal

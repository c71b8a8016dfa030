"""Signals, their weights, and what the amount says about an invoice (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from customers.models import Customer
from invoicing.models import Invoice

from ...services import skonto_amount_to_pay

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
    code: str
    weight: int
    detail: str

    def as_json(self) -> dict:
        return {"code": self.code, "weight": self.weight, "detail": self.detail}


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


def amount_signal(line_amount: Decimal, invoice: Invoice, value_date) -> tuple[Signal, Decimal]:
    """The amount signal for one invoice and what the invoice would receive."""
    if line_amount == invoice.open_amount:
        return Signal("amount_exact", WEIGHTS["amount_exact"], _("amount equals the open amount")), line_amount
    skonto = skonto_amount_to_pay(invoice, value_date) if value_date else None
    if skonto is not None and line_amount == skonto:
        detail = _(
            "amount equals the amount to pay with early payment discount (%(amount)s) within the discount period"
        )
        return Signal("amount_skonto", WEIGHTS["amount_skonto"], detail % {"amount": skonto}), line_amount
    if line_amount < invoice.open_amount:
        detail = _("amount is less than the open amount %(open)s (partial payment)") % {"open": invoice.open_amount}
        return Signal("amount_partial", WEIGHTS["amount_partial"], detail), line_amount
    detail = _("amount exceeds the open amount %(open)s; the rest stays unapplied") % {"open": invoice.open_amount}
    return Signal("amount_over", WEIGHTS["amount_over"], detail), invoice.open_amount


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
    if line_amount == opens:
        signal = Signal("amount_exact", WEIGHTS["amount_exact"], _("amount equals the sum of the open amounts"))
    elif use_skonto:
        detail = _("amount equals the sum of the amounts to pay with early payment discount")
        signal = Signal("amount_skonto", WEIGHTS["amount_skonto"], detail)
    elif line_amount < opens:
        detail = _("amount is less than the sum of the open amounts %(open)s (partial payment)") % {"open": opens}
        signal = Signal("amount_partial", WEIGHTS["amount_partial"], detail)
    else:
        detail = _("amount exceeds the sum of the open amounts %(open)s; the rest stays unapplied") % {"open": opens}
        signal = Signal("amount_over", WEIGHTS["amount_over"], detail)
    several = Signal(
        "numbers_several",
        WEIGHTS["numbers_several"],
        _("several invoice numbers named (%(numbers)s); amount split by open amounts") % {"numbers": numbers},
    )
    return targets, several, signal

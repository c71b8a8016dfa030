"""Payment plans offered to a customer: an amount split into instalments, exactly.

``payment_plan_split`` divides an amount into ``count`` instalments in the currency's minor unit
(``core.money``): every instalment is the amount divided and rounded down, and the cents left over
go to the first instalments, one each — so the instalments always add up to the amount, differ by
at most one cent and none is negative. ``payment_plan_rows`` checks instalments a person wrote out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core.formatting import money_text
from core.money import minor_unit, quantize

MAX_INSTALMENTS = 36


class Interval(models.TextChoices):
    WEEKLY = "weekly", pgettext_lazy("payment plan interval", "weekly")
    BIWEEKLY = "biweekly", pgettext_lazy("payment plan interval", "every two weeks")
    MONTHLY = "monthly", pgettext_lazy("payment plan interval", "monthly")
    QUARTERLY = "quarterly", pgettext_lazy("payment plan interval", "quarterly")


STEPS = {
    Interval.WEEKLY: relativedelta(weeks=1),
    Interval.BIWEEKLY: relativedelta(weeks=2),
    Interval.MONTHLY: relativedelta(months=1),
    Interval.QUARTERLY: relativedelta(months=3),
}


@dataclass(frozen=True)
class Instalment:
    due_date: date
    amount: Decimal


def _check_amount(amount, currency: str, errors: dict) -> Decimal | None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        errors["amount"] = [_("Enter the amount of the plan.")]
        return None
    if amount <= 0:
        errors["amount"] = [_("The amount of a payment plan must be more than zero.")]
        return None
    if quantize(amount, currency) != amount:
        errors["amount"] = [
            _("%(amount)s has more decimals than %(currency)s allows.") % {"amount": amount, "currency": currency}
        ]
        return None
    return amount


def payment_plan_split(
    *, amount: Decimal, currency: str, count: int, first_date: date, interval: str, today: date
) -> list[Instalment]:
    """``count`` instalments summing exactly to ``amount``, the first on ``first_date``, then one
    per ``interval`` (a month after 31 January is the last day of February)."""
    errors: dict[str, list[str]] = {}
    amount = _check_amount(amount, currency, errors)
    if not isinstance(count, int) or not 2 <= count <= MAX_INSTALMENTS:
        errors["count"] = [_("A plan has between 2 and %(max)s instalments.") % {"max": MAX_INSTALMENTS}]
    if not isinstance(first_date, date):
        errors["first_date"] = [_("Enter the date of the first instalment.")]
    elif first_date < today:
        errors["first_date"] = [_("The first instalment cannot be due in the past.")]
    if interval not in STEPS:
        errors["interval"] = [_("Choose how often an instalment is due.")]
    if amount is not None and not errors and amount < minor_unit(currency) * count:
        errors["count"] = [_("The amount is too small to split into %(count)s instalments.") % {"count": count}]
    if errors:
        raise ValidationError(errors)
    unit = minor_unit(currency)
    share = (amount / count).quantize(unit, rounding=ROUND_DOWN)
    leftover = int((amount - share * count) / unit)
    return [
        Instalment(due_date=first_date + STEPS[interval] * index, amount=share + (unit if index < leftover else 0))
        for index in range(count)
    ]


def payment_plan_rows(
    *, rows: list[tuple[date, Decimal]], amount: Decimal, currency: str, today: date
) -> list[Instalment]:
    """Instalments written out by a person: each on a later day than the one before, none in the
    past, each more than zero, together exactly ``amount``."""
    errors: dict[str, list[str]] = {}
    amount = _check_amount(amount, currency, errors)
    problems = []
    if not 1 <= len(rows) <= MAX_INSTALMENTS:
        problems.append(_("A plan has between 1 and %(max)s instalments.") % {"max": MAX_INSTALMENTS})
    previous = None
    total = Decimal(0)
    for number, (due, value) in enumerate(rows, start=1):
        if not isinstance(due, date) or not isinstance(value, Decimal):
            problems.append(_("Instalment %(number)s: give a date and an amount.") % {"number": number})
            continue
        if due < today:
            problems.append(_("Instalment %(number)s is due in the past.") % {"number": number})
        if previous is not None and due <= previous:
            problems.append(_("Instalment %(number)s must be due after the one before.") % {"number": number})
        if value <= 0 or quantize(value, currency) != value:
            problems.append(
                _("Instalment %(number)s: %(amount)s is no positive amount in %(currency)s.")
                % {"number": number, "amount": money_text(value, currency), "currency": currency}
            )
        previous = due
        total += value
    if amount is not None and not problems and total != amount:
        problems.append(
            _("The instalments add up to %(total)s, not to %(amount)s.")
            % {"total": money_text(total, currency), "amount": money_text(amount, currency)}
        )
    if problems:
        errors["instalments"] = problems
    if errors:
        raise ValidationError(errors)
    return [Instalment(due_date=due, amount=value) for due, value in rows]

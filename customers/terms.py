"""Payment terms: due dates, cash discounts (Skonto) and their wording.

Pure functions without database access; the invoice date is always an argument.
A spec is checked by ``validate_terms`` and every other function validates it first,
so an invalid spec never yields a date, an amount or a sentence.

Wording goes on invoices and into EN 16931 BT-20 ("Payment terms"). For XRechnung the
Skonto tiers are also written in the machine-readable form that the German CIUS checks
with BR-DE-18 (see ``xrechnung_payment_terms``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.utils import translation
from django.utils.translation import npgettext, pgettext

from core.languages import document_locale, is_language, language_codes, percent_text
from core.money import quantize

BASES = ("net", "end_of_month")

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DiscountTier:
    """Skonto: ``percent`` off if paid within ``days`` of the invoice date."""

    percent: Decimal
    days: int


@dataclass(frozen=True)
class TermsSpec:
    """``basis`` "net": due = invoice date + days; "end_of_month": last day of the invoice month + days."""

    basis: str
    days: int
    tiers: tuple[DiscountTier, ...] = ()


@dataclass(frozen=True)
class DiscountOffer:
    percent: Decimal
    deadline: date  # last day on which the discounted payment counts
    discount_amount: Decimal  # quantized to the currency
    amount_to_pay: Decimal  # gross - discount_amount


class TermsError(ValueError):
    """Invalid payment terms; ``errors`` maps a field path ("tiers.1.days") to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


# --- validation ---------------------------------------------------------------------------


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_terms(spec: TermsSpec) -> None:
    """Raise ``TermsError`` listing every problem of the spec at once.

    Rules: basis is "net" or "end_of_month"; days >= 0; each tier has 0 < percent < 100
    with at most two decimals (XRechnung writes PROZENT with exactly two, BR-DE-18, and
    rounding it there would misstate the terms), 0 < days < net days; tiers strictly
    ascending in days and strictly descending in percent (a later tier that were not
    smaller would make the earlier one pointless).
    """
    errors: dict[str, str] = {}
    if spec.basis not in BASES:
        errors["basis"] = f"Unknown basis {spec.basis!r}; expected one of: {', '.join(BASES)}."
    net_days_valid = _is_whole_number(spec.days) and spec.days >= 0
    if not _is_whole_number(spec.days):
        errors["days"] = "Must be a whole number of days."
    elif spec.days < 0:
        errors["days"] = "Must not be negative."

    previous: DiscountTier | None = None
    for index, tier in enumerate(spec.tiers):
        path = f"tiers.{index}"
        if not isinstance(tier, DiscountTier):
            errors[path] = "Must be a DiscountTier."
            previous = None
            continue
        percent_valid = _check_tier_percent(tier.percent, f"{path}.percent", errors)
        days_valid = _check_tier_days(tier.days, f"{path}.days", errors, spec.days if net_days_valid else None)
        if previous is not None:
            if days_valid and _is_whole_number(previous.days) and tier.days <= previous.days:
                errors[f"{path}.days"] = f"Must be more than the previous tier's {previous.days} days."
            if (
                percent_valid
                and isinstance(previous.percent, Decimal)
                and previous.percent.is_finite()
                and tier.percent >= previous.percent
            ):
                errors[f"{path}.percent"] = f"Must be less than the previous tier's {previous.percent} %."
        previous = tier
    if errors:
        raise TermsError(errors)


def _check_tier_percent(percent: object, path: str, errors: dict[str, str]) -> bool:
    if not isinstance(percent, Decimal) or not percent.is_finite():
        errors[path] = "Must be a Decimal."
        return False
    if not Decimal(0) < percent < _HUNDRED:
        errors[path] = "Must be more than 0 and less than 100."
        return False
    if percent != percent.quantize(_CENT):
        errors[path] = "Must have at most two decimal places."
        return False
    return True


def _check_tier_days(days: object, path: str, errors: dict[str, str], net_days: int | None) -> bool:
    if not _is_whole_number(days):
        errors[path] = "Must be a whole number of days."
        return False
    if days <= 0:
        errors[path] = "Must be at least 1."
        return False
    if net_days is not None and days >= net_days:
        errors[path] = f"Must be less than the {net_days} days of the payment term."
        return False
    return True


# --- arithmetic -----------------------------------------------------------------------------


def due_date(spec: TermsSpec, *, invoice_date: date) -> date:
    """The last day of the payment term, as stated on the invoice (BT-9).

    "end_of_month" counts from the last day of the invoice month (2026-02-10 + 15 → 2026-03-15).
    A due date on a weekend or public holiday is deliberately not moved: § 193 BGB
    lets the debtor perform on the next working day, which concerns whether a payment
    is late, not the date the invoice states. Payment matching applies that grace.
    """
    validate_terms(spec)
    start = invoice_date
    if spec.basis == "end_of_month":
        start = invoice_date.replace(day=calendar.monthrange(invoice_date.year, invoice_date.month)[1])
    return start + timedelta(days=spec.days)


def discount_offers(
    spec: TermsSpec,
    *,
    invoice_date: date,
    gross_amount: Decimal,
    currency: str = "EUR",
    discount_base: Decimal | None = None,
) -> list[DiscountOffer]:
    """One offer per tier, in tier order (earliest deadline, largest discount first).

    The discount is ``quantize(base × percent / 100, currency)``; German practice grants
    Skonto on the gross amount, so the base defaults to it. A smaller ``discount_base``
    covers amounts excluded from Skonto (e.g. freight); it must lie between 0 and gross.
    A tier's deadline is the invoice date plus its days; like the due date it is not
    moved off weekends (§ 193 BGB is applied when payments are matched).
    """
    validate_terms(spec)
    base = _discount_base(gross_amount, discount_base)
    offers = []
    for tier in spec.tiers:
        discount = quantize(base * tier.percent / _HUNDRED, currency)
        offers.append(
            DiscountOffer(
                percent=tier.percent,
                deadline=invoice_date + timedelta(days=tier.days),
                discount_amount=discount,
                amount_to_pay=gross_amount - discount,
            )
        )
    return offers


def _discount_base(gross_amount: Decimal, discount_base: Decimal | None) -> Decimal:
    if not isinstance(gross_amount, Decimal) or not gross_amount.is_finite():
        raise TypeError(f"gross_amount must be a finite Decimal, not {gross_amount!r}")
    if gross_amount < 0:
        raise ValueError(f"No cash discount on a negative amount: {gross_amount}")
    if discount_base is None:
        return gross_amount
    if not isinstance(discount_base, Decimal) or not discount_base.is_finite():
        raise TypeError(f"discount_base must be a finite Decimal, not {discount_base!r}")
    if not Decimal(0) <= discount_base <= gross_amount:
        raise ValueError(f"discount_base {discount_base} must lie between 0 and the gross amount {gross_amount}")
    return discount_base


# --- wording --------------------------------------------------------------------------------


def terms_text(
    spec: TermsSpec,
    *,
    language: str,
    invoice_date: date | None = None,
    gross_amount: Decimal | None = None,
    currency: str = "EUR",
    discount_base: Decimal | None = None,
) -> str:
    """The terms as sentences for documents and BT-20, in ``language`` (one of ``settings.LANGUAGES``).

    With ``invoice_date`` the deadlines are concrete dates, otherwise periods. With
    ``gross_amount`` each Skonto sentence names the discount and the amount to pay,
    formatted for the language by Babel. A ``discount_base`` other than the gross
    amount is named ("2 % Skonto auf 1.000,00 €") so the amounts can be checked.
    Net 0 reads "payable immediately" even with a date: it is what a reader expects.
    """
    if not is_language(language):
        raise ValueError(f"Unsupported language {language!r}; expected one of: {', '.join(language_codes())}")
    validate_terms(spec)
    offers: list[DiscountOffer] | None = None
    if gross_amount is not None:
        offers = discount_offers(
            spec,
            invoice_date=invoice_date or date.min,  # deadlines unused when no date is given
            gross_amount=gross_amount,
            currency=currency,
            discount_base=discount_base,
        )
    elif discount_base is not None:
        _discount_base(discount_base, None)
    # The base is only worth naming when it is not the amount the percent obviously applies to.
    named_base = discount_base if discount_base is not None and discount_base != gross_amount else None
    with translation.override(language):
        sentences = _sentences(spec, language, invoice_date, offers, named_base, currency)
    return " ".join(sentences)


def _sentences(spec, language, invoice_date, offers, named_base, currency) -> list[str]:
    """The sentences of ``terms_text``; call under ``translation.override(language)``."""
    locale = document_locale(language)

    def money(amount: Decimal) -> str:
        return format_currency(amount, currency, locale=locale)

    sentences = []
    for index, tier in enumerate(spec.tiers):
        if invoice_date is not None:
            when = _by(_date(invoice_date + timedelta(days=tier.days), locale))
        else:
            when = _within_days(tier.days, from_invoice_date=spec.basis == "end_of_month")
        values = {
            "percent": percent_text(format_decimal(tier.percent, locale=locale), locale),
            "when": when,
            "on_base": "",
            "amounts": "",
        }
        if named_base is not None:
            values["on_base"] = " " + pgettext("payment terms", "on %(amount)s") % {"amount": money(named_base)}
        if offers is not None:
            offer = offers[index]
            values["amounts"] = " " + pgettext("payment terms", "(%(discount)s, amount to pay %(to_pay)s)") % {
                "discount": money(offer.discount_amount),
                "to_pay": money(offer.amount_to_pay),
            }
        sentences.append(
            pgettext("payment terms", "%(percent)s early payment discount%(on_base)s if paid %(when)s%(amounts)s.")
            % values
        )

    if spec.basis == "net" and spec.days == 0:
        sentences.append(pgettext("payment terms", "Payable immediately without deduction."))
    elif invoice_date is not None:
        sentences.append(_net_sentence(_by(_date(due_date(spec, invoice_date=invoice_date), locale))))
    elif spec.basis == "end_of_month":
        if spec.days == 0:
            sentences.append(_net_sentence(pgettext("payment terms", "by the end of the invoice month")))
        else:
            sentences.append(
                _net_sentence(
                    npgettext(
                        "payment terms",
                        "within %(days)s day after the end of the invoice month",
                        "within %(days)s days after the end of the invoice month",
                        spec.days,
                    )
                    % {"days": spec.days}
                )
            )
    else:
        sentences.append(_net_sentence(_within_days(spec.days, from_invoice_date=False)))
    return sentences


def _date(value: date, locale: str) -> str:
    # The CLDR pattern is a message: German writes 27.11.2026 (DIN 5008), English 27 Nov 2026.
    return format_date(value, pgettext("date format on documents (CLDR pattern)", "d MMM y"), locale=locale)


def _within_days(days: int, *, from_invoice_date: bool) -> str:
    if from_invoice_date:
        text = npgettext(
            "payment terms", "within %(days)s day of the invoice date", "within %(days)s days of the invoice date", days
        )
    else:
        text = npgettext("payment terms", "within %(days)s day", "within %(days)s days", days)
    return text % {"days": days}


def _net_sentence(when: str) -> str:
    return pgettext("payment terms", "Payable without deduction %(when)s.") % {"when": when}


def _by(day: str) -> str:
    return pgettext("payment terms", "by %(date)s") % {"date": day}


# --- XRechnung ------------------------------------------------------------------------------

# BR-DE-18 (XRechnung CIUS, KoSIT schematron `XR-SKONTO-REGEX`), checked against each line
# of BT-20 that starts with '#'. Kept here so the output is asserted against the rule itself.
XRECHNUNG_SKONTO_LINE = re.compile(
    r"#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$"
)


def xrechnung_payment_terms(
    spec: TermsSpec,
    *,
    invoice_date: date,
    gross_amount: Decimal | None = None,
    discount_base: Decimal | None = None,
    currency: str = "EUR",
    language: str = "de",
) -> str:
    """BT-20 for XRechnung: one Skonto line per tier, then the terms as free text.

    Syntax of the German CIUS (XRechnung, rule BR-DE-18): each line is
    ``#SKONTO#TAGE=n#PROZENT=n.nn#``, upper case, no whitespace, percent with exactly two
    decimals and a point; if the discount is computed on less than the amount due
    (BT-115) the base follows as ``BASISBETRAG=n.nn#``. A line break (LF) must follow
    the last '#', so every line ends with "\\n" and the free text comes after them.
    TAGE is the tier's days counted from the invoice date. ``gross_amount`` stands for
    the amount due; BASISBETRAG is written only when ``discount_base`` differs from it.
    """
    validate_terms(spec)
    base = None
    if discount_base is not None and discount_base != gross_amount:
        if gross_amount is not None:
            _discount_base(gross_amount, discount_base)
        else:
            _discount_base(discount_base, None)
        base = _two_decimals(discount_base, "BASISBETRAG")
    lines = []
    for tier in spec.tiers:
        line = f"#SKONTO#TAGE={tier.days}#PROZENT={_two_decimals(tier.percent, 'PROZENT')}#"
        if base is not None:
            line += f"BASISBETRAG={base}#"
        lines.append(line + "\n")
    text = terms_text(
        spec,
        language=language,
        invoice_date=invoice_date,
        gross_amount=gross_amount,
        currency=currency,
        discount_base=discount_base,
    )
    return "".join(lines) + text


def _two_decimals(value: Decimal, name: str) -> str:
    """Plain notation with exactly two decimals, refusing to round (BR-DE-18 wants n.nn)."""
    fixed = value.quantize(_CENT)
    if fixed != value:
        raise ValueError(f"{name} {value} cannot be written with two decimals without rounding")
    return format(fixed, "f")

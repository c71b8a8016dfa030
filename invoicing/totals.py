"""Invoice totals following the arithmetic of EN 16931-1 (BG-22 document totals, BG-23 VAT breakdown).

A pure module: no database, no clock, no settings. Services hand in plain inputs and store what
comes back; the same inputs always give the same totals.

Rounding points (every one goes through ``core.money.quantize``, ROUND_HALF_UP to the currency's
minor unit: EUR 0.01, JPY 1, BHD 0.001):

1. line amount before allowances and charges ``quantity × unit_price ÷ price_base_quantity``
   (PEPPOL-EN16931-R120); this rounded amount is also the base (BT-137) of a percent allowance;
2. line allowance or charge given as a percent: ``round(rounded line amount × BT-138 ÷ 100)``
   (BT-143 for a charge; PEPPOL-EN16931-R040 then holds exactly);
3. document allowance/charge given as a percent: ``round(BT-93 × BT-94 ÷ 100)``
   (BT-100 × BT-101 for charges);
4. VAT per breakdown row: ``round(BT-116 × BT-119 ÷ 100)`` (BR-CO-17), never per line.

Everything else is an exact sum or difference of amounts already rounded, so BR-CO-10..16 and
BR-S-08 (and the other -08 rules) hold to the cent, not just within the validators' tolerance.
Amounts the caller gives directly (line allowance and charge, document allowance/charge and
base, prepaid, rounding) must already fit the currency's minor unit (BR-DEC-xx); they are refused
rather than silently rounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from core.money import minor_unit, quantize

VAT_CATEGORIES = ("S", "Z", "E", "AE", "K", "G", "O", "L", "M")  # UNCL 5305 as used by EN 16931

# Category -> prefix of its EN 16931 rule family (BR-<prefix>-05 line rate, -06 allowance rate, -07 charge rate).
_RULE_FAMILY = {"S": "S", "Z": "Z", "E": "E", "AE": "AE", "K": "IC", "G": "G", "O": "O", "L": "AF", "M": "AG"}
_RATE_ZERO = frozenset({"Z", "E", "AE", "K", "G"})  # BR-Z/E/AE/IC/G-05..07: the rate is 0
_RATE_ZERO_OR_MORE = frozenset({"L", "M"})  # BR-AF/AG-05..07: IGIC and IPSI rates are 0 or more
_HUNDRED = Decimal(100)
# Enough digits that products of realistic inputs are exact and a quotient is never rounded
# across a half-cent tie before quantize() sees it.
_PRECISION = 60


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal  # BT-129, any sign (returned items are negative)
    unit_price: Decimal  # BT-146 net price after price discount, >= 0 (BR-27)
    vat_category: str  # BT-151
    vat_rate: Decimal | None  # BT-152 in percent; None only for category O
    price_base_quantity: Decimal = Decimal("1")  # BT-149, > 0
    allowance_percent: Decimal | None = None  # BT-138, 0..100, of the rounded line amount
    allowance_amount: Decimal | None = None  # BT-136; not together with allowance_percent
    charge_amount: Decimal | None = None  # BT-141
    charge_percent: Decimal | None = None  # BT-143, 0..100, of the rounded line amount (BT-142)

    @classmethod
    def of(cls, line) -> LineInput:
        """The input of a stored line (anything with the InvoiceLine attributes)."""
        return cls(
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_category=line.vat_category,
            vat_rate=line.vat_rate,
            price_base_quantity=line.price_base_quantity,
            allowance_percent=line.allowance_percent,
            allowance_amount=line.allowance_amount,
            charge_amount=line.charge_amount,
            charge_percent=line.charge_percent,
        )


@dataclass(frozen=True)
class AllowanceChargeInput:  # BG-20 (allowance) / BG-21 (charge)
    is_charge: bool
    vat_category: str  # BT-95 / BT-102
    vat_rate: Decimal | None  # BT-96 / BT-103
    amount: Decimal | None = None  # BT-92 / BT-99
    percent: Decimal | None = None  # BT-94 / BT-101, together with base_amount
    base_amount: Decimal | None = None  # BT-93 / BT-100
    # BT-97 / BT-104. Not checked here: BR-33 / BR-38 accept a reason code (BT-98 / BT-105) instead,
    # which this module never sees, so the caller that holds both enforces them.
    reason: str = ""


@dataclass(frozen=True)
class LineResult:
    net_amount: Decimal  # BT-131
    allowance_amount: Decimal  # BT-136 as applied (rounded); 0 without an allowance
    charge_amount: Decimal  # BT-141; 0 without a charge


@dataclass(frozen=True)
class AllowanceChargeResult:
    is_charge: bool
    vat_category: str
    vat_rate: Decimal | None
    amount: Decimal  # BT-92 / BT-99, rounded


@dataclass(frozen=True)
class VatBreakdownRow:  # BG-23
    vat_category: str  # BT-118
    vat_rate: Decimal | None  # BT-119, None for category O
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117


@dataclass(frozen=True)
class Totals:  # BG-22
    lines: tuple[LineResult, ...]
    allowances_charges: tuple[AllowanceChargeResult, ...]
    line_total: Decimal  # BT-106
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive_total: Decimal  # BT-109
    tax_total: Decimal  # BT-110
    tax_inclusive_total: Decimal  # BT-112
    prepaid_amount: Decimal  # BT-113
    rounding_amount: Decimal  # BT-114
    amount_due: Decimal  # BT-115
    breakdown: tuple[VatBreakdownRow, ...]  # in VAT_CATEGORIES order, then by ascending rate


class TotalsError(ValueError):
    """Input that cannot make a valid EN 16931 document.

    ``errors`` maps a field path to a message naming the rule, e.g.
    ``{"lines.2.vat_rate": "Category S needs a VAT rate above 0 (BR-S-05)."}``.
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


class _Errors(dict):
    def add(self, path: str, message: str) -> None:
        self[path] = f"{self[path]} {message}" if path in self else message


def _is_decimal(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _fits(amount: Decimal, currency: str) -> bool:
    return amount == amount.quantize(minor_unit(currency))


def _money(amount: Decimal, currency: str) -> Decimal:
    """quantize(), with a rounded-away negative zero shown as plain zero."""
    rounded = quantize(amount, currency)
    return abs(rounded) if not rounded else rounded


def _canonical_rate(rate: Decimal | None) -> Decimal | None:
    """19.00 and 19 are one breakdown row; report it as 19 (5.50 as 5.5)."""
    if rate is None:
        return None
    if not rate:
        return Decimal(0)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()


def _check_decimal(errors: _Errors, path: str, value: object, *, optional: bool = False) -> bool:
    """Record a type error; True when the value is usable in arithmetic."""
    if value is None and optional:
        return False
    if not _is_decimal(value):
        errors.add(path, f"Must be a finite Decimal, not {value!r}.")
        return False
    return True


def _check_amount(errors: _Errors, path: str, value: object, currency: str, rule: str) -> None:
    if _check_decimal(errors, path, value, optional=True) and not _fits(value, currency):
        places = -minor_unit(currency).as_tuple().exponent
        errors.add(path, f"{currency} amounts have at most {places} decimals ({rule}).")


def _check_percent(errors: _Errors, path: str, value: object, term: str) -> None:
    if _check_decimal(errors, path, value, optional=True) and not (0 <= value <= _HUNDRED):
        errors.add(path, f"A percentage must lie between 0 and 100 ({term}).")


def _check_vat(errors: _Errors, prefix: str, category: object, rate: object, rule_number: str) -> None:
    """Category code from UNCL 5305 (BR-CL-17/18) and the rate its rule family demands (BR-x-05/06/07)."""
    if category not in VAT_CATEGORIES:
        code_rule = "BR-CL-18" if rule_number == "05" else "BR-CL-17"
        errors.add(
            f"{prefix}.vat_category",
            f"Unknown VAT category {category!r}; use one of {', '.join(VAT_CATEGORIES)} ({code_rule}).",
        )
        return
    rule = f"BR-{_RULE_FAMILY[category]}-{rule_number}"
    path = f"{prefix}.vat_rate"
    if category == "O":
        if rate is not None:
            errors.add(path, f"Category O (not subject to VAT) takes no VAT rate ({rule}).")
        return
    if not _is_decimal(rate):
        errors.add(path, f"Category {category} needs a VAT rate as a finite Decimal, not {rate!r} ({rule}).")
    elif category == "S" and not rate > 0:
        errors.add(path, f"Category S needs a VAT rate above 0 ({rule}).")
    elif category in _RATE_ZERO and rate != 0:
        errors.add(path, f"Category {category} needs a VAT rate of 0 ({rule}).")
    elif category in _RATE_ZERO_OR_MORE and rate < 0:
        errors.add(path, f"Category {category} needs a VAT rate of 0 or more ({rule}).")


def _check_line(errors: _Errors, index: int, line: LineInput, currency: str) -> None:
    prefix = f"lines.{index}"
    _check_decimal(errors, f"{prefix}.quantity", line.quantity)
    if _check_decimal(errors, f"{prefix}.unit_price", line.unit_price) and line.unit_price < 0:
        errors.add(f"{prefix}.unit_price", "The item net price must not be negative (BR-27).")
    path = f"{prefix}.price_base_quantity"
    if _check_decimal(errors, path, line.price_base_quantity) and not line.price_base_quantity > 0:
        errors.add(path, "The price base quantity must be above 0 (BT-149, PEPPOL-EN16931-R121).")
    _check_percent(errors, f"{prefix}.allowance_percent", line.allowance_percent, "BT-138")
    _check_amount(errors, f"{prefix}.allowance_amount", line.allowance_amount, currency, "BR-DEC-24")
    if line.allowance_percent is not None and line.allowance_amount is not None:
        errors.add(
            f"{prefix}.allowance_amount",
            "Give the line allowance as a percentage (BT-138) or as an amount (BT-136), not both.",
        )
    _check_amount(errors, f"{prefix}.charge_amount", line.charge_amount, currency, "BR-DEC-27")
    _check_percent(errors, f"{prefix}.charge_percent", line.charge_percent, "BT-143")
    if line.charge_percent is not None and line.charge_amount is not None:
        errors.add(
            f"{prefix}.charge_amount",
            "Give the line charge as a percentage (BT-143) or as an amount (BT-141), not both.",
        )
    _check_vat(errors, prefix, line.vat_category, line.vat_rate, "05")


def _check_allowance_charge(errors: _Errors, index: int, item: AllowanceChargeInput, currency: str) -> None:
    prefix = f"allowances_charges.{index}"
    if not isinstance(item.is_charge, bool):
        errors.add(
            f"{prefix}.is_charge", f"Must be True (charge, BG-21) or False (allowance, BG-20), not {item.is_charge!r}."
        )
        return
    kind, amount_rule = ("charge", "BR-36") if item.is_charge else ("allowance", "BR-31")
    dec_amount, dec_base = ("BR-DEC-05", "BR-DEC-06") if item.is_charge else ("BR-DEC-01", "BR-DEC-02")
    _check_amount(errors, f"{prefix}.amount", item.amount, currency, dec_amount)
    _check_amount(errors, f"{prefix}.base_amount", item.base_amount, currency, dec_base)
    _check_percent(errors, f"{prefix}.percent", item.percent, "BT-101" if item.is_charge else "BT-94")
    if item.percent is not None and item.base_amount is None:
        errors.add(
            f"{prefix}.base_amount", f"A {kind} percentage needs the base amount it applies to (PEPPOL-EN16931-R041)."
        )
    if item.base_amount is not None and item.percent is None:
        errors.add(
            f"{prefix}.percent", f"A {kind} base amount needs the percentage applied to it (PEPPOL-EN16931-R042)."
        )
    if item.amount is None and item.percent is None and item.base_amount is None:
        errors.add(
            f"{prefix}.amount",
            f"Each document level {kind} needs an amount, or a percentage and base amount ({amount_rule}).",
        )
    if (
        _is_decimal(item.amount)
        and _is_decimal(item.percent)
        and _is_decimal(item.base_amount)
        and item.amount != _money(item.base_amount * item.percent / _HUNDRED, currency)
    ):
        errors.add(
            f"{prefix}.amount", f"The {kind} amount must equal base amount × percentage ÷ 100 (PEPPOL-EN16931-R040)."
        )
    _check_vat(errors, prefix, item.vat_category, item.vat_rate, "07" if item.is_charge else "06")


def _check_not_subject_to_vat_alone(errors: _Errors, lines: tuple, items: tuple) -> None:
    """BR-O-11..14: category O (not subject to VAT) cannot share a document with any other category.

    When some line is O, every non-O line (BR-O-12), allowance (BR-O-13) and charge (BR-O-14) is
    at fault; when only document level allowances/charges are O, those are (BR-O-11).
    """
    known_lines = [(i, x) for i, x in enumerate(lines) if x.vat_category in VAT_CATEGORIES]
    known_items = [(i, x) for i, x in enumerate(items) if x.vat_category in VAT_CATEGORIES]
    categories = {x.vat_category for _, x in known_lines + known_items}
    if "O" not in categories or categories == {"O"}:
        return
    message = "An invoice with category O (not subject to VAT) can have no other VAT category ({})."
    if any(x.vat_category == "O" for _, x in known_lines):
        for i, line in known_lines:
            if line.vat_category != "O":
                errors.add(f"lines.{i}.vat_category", message.format("BR-O-12"))
        for i, item in known_items:
            if item.vat_category != "O":
                rule = "BR-O-14" if item.is_charge is True else "BR-O-13"
                errors.add(f"allowances_charges.{i}.vat_category", message.format(rule))
    else:
        for i, item in known_items:
            if item.vat_category == "O":
                errors.add(f"allowances_charges.{i}.vat_category", message.format("BR-O-11"))


def _validate(lines: tuple, items: tuple, prepaid_amount: object, rounding_amount: object, currency: str) -> None:
    errors = _Errors()
    if not lines:
        errors.add("lines", "An invoice needs at least one line (BR-16).")
    for index, line in enumerate(lines):
        _check_line(errors, index, line, currency)
    for index, item in enumerate(items):
        _check_allowance_charge(errors, index, item, currency)
    _check_not_subject_to_vat_alone(errors, lines, items)
    _check_decimal(errors, "prepaid_amount", prepaid_amount)
    _check_amount(errors, "prepaid_amount", prepaid_amount, currency, "BR-DEC-16")
    _check_decimal(errors, "rounding_amount", rounding_amount)
    _check_amount(errors, "rounding_amount", rounding_amount, currency, "BR-DEC-17")
    if errors:
        raise TotalsError(errors)


def _check_currency(currency: object, rule: str) -> None:
    try:
        minor_unit(currency)
    except (TypeError, ValueError):
        raise TotalsError({"currency": f"Not an ISO 4217 currency code: {currency!r} ({rule})."})


def _line_result(line: LineInput, currency: str) -> LineResult:
    """BT-131 = round(BT-129 × BT-146 ÷ BT-149) − BT-136 + BT-141 (PEPPOL-EN16931-R120).

    A percent allowance or charge is taken of the rounded line amount, which is its base amount
    (BT-137, BT-142).
    """
    gross = _line_gross(line, currency)
    if line.allowance_percent is not None:
        allowance = _money(gross * line.allowance_percent / _HUNDRED, currency)
    else:
        allowance = _money(line.allowance_amount or Decimal(0), currency)
    if line.charge_percent is not None:
        charge = _money(gross * line.charge_percent / _HUNDRED, currency)
    else:
        charge = _money(line.charge_amount or Decimal(0), currency)
    return LineResult(
        net_amount=_money(gross - allowance + charge, currency), allowance_amount=allowance, charge_amount=charge
    )


def line_amounts(line: LineInput, *, currency: str = "EUR") -> tuple[Decimal, LineResult]:
    """The rounded line amount (the base BT-137/BT-142 of a percent allowance or charge) and the
    line's result, for documents built from stored lines (the e-invoice, the PDF)."""
    with localcontext() as context:
        context.prec = _PRECISION
        return _line_gross(line, currency), _line_result(line, currency)


def _line_gross(line: LineInput, currency: str) -> Decimal:
    """round(BT-129 × BT-146 ÷ BT-149), under the caller's precise context."""
    extended = line.quantity * line.unit_price
    if line.price_base_quantity != 1:
        extended /= line.price_base_quantity
    return _money(extended, currency)


def _allowance_charge_result(item: AllowanceChargeInput, currency: str) -> AllowanceChargeResult:
    """BT-92/BT-99 as given, else round(BT-93 × BT-94 ÷ 100) (BT-100, BT-101 for charges)."""
    if item.amount is not None:
        amount = _money(item.amount, currency)
    else:
        amount = _money(item.base_amount * item.percent / _HUNDRED, currency)
    return AllowanceChargeResult(
        is_charge=item.is_charge, vat_category=item.vat_category, vat_rate=_canonical_rate(item.vat_rate), amount=amount
    )


def _breakdown(
    lines: Iterable[tuple[LineInput, LineResult]], items: Iterable[AllowanceChargeResult], currency: str
) -> tuple[VatBreakdownRow, ...]:
    """One BG-23 row per (category, rate) used anywhere in the document.

    BT-116 = Σ line nets + Σ charges − Σ allowances of that category and rate (BR-S-08, BR-Z-08,
    BR-E-08, BR-AE-08, BR-IC-08, BR-G-08, BR-O-08, BR-AF-08, BR-AG-08); BT-117 = round(BT-116 × BT-119
    ÷ 100) (BR-CO-17, BR-S-09, BR-AF-09, BR-AG-09), which is 0 for the zero-rate categories and for O
    (BR-Z/E/AE/IC/G/O-09).
    """
    taxable: dict[tuple[str, Decimal | None], Decimal] = {}
    for line, result in lines:
        key = (line.vat_category, _canonical_rate(line.vat_rate))
        taxable[key] = taxable.get(key, Decimal(0)) + result.net_amount
    for item in items:
        key = (item.vat_category, item.vat_rate)
        taxable[key] = taxable.get(key, Decimal(0)) + (item.amount if item.is_charge else -item.amount)
    rows = []
    for (category, rate), amount in sorted(
        taxable.items(), key=lambda entry: (VAT_CATEGORIES.index(entry[0][0]), entry[0][1] or Decimal(0))
    ):
        tax = Decimal(0) if rate is None else amount * rate / _HUNDRED
        rows.append(
            VatBreakdownRow(
                vat_category=category,
                vat_rate=rate,
                taxable_amount=_money(amount, currency),
                tax_amount=_money(tax, currency),
            )
        )
    return tuple(rows)


def compute_totals(
    *,
    lines: Iterable[LineInput],
    allowances_charges: Iterable[AllowanceChargeInput] = (),
    prepaid_amount: Decimal = Decimal("0"),
    rounding_amount: Decimal = Decimal("0"),
    currency: str = "EUR",
) -> Totals:
    """The document totals (BG-22) and VAT breakdown (BG-23) of an invoice, EN 16931-1.

    Validates everything first and raises one TotalsError listing every problem found. Then:
    BT-106 = Σ BT-131 (BR-CO-10); BT-107 = Σ BT-92 (BR-CO-11); BT-108 = Σ BT-99 (BR-CO-12);
    BT-109 = BT-106 − BT-107 + BT-108 (BR-CO-13); BT-110 = Σ BT-117 (BR-CO-14);
    BT-112 = BT-109 + BT-110 (BR-CO-15); BT-115 = BT-112 − BT-113 + BT-114 (BR-CO-16).
    Rounding happens only at the points listed in the module docstring.
    """
    _check_currency(currency, "BT-5, BR-CL-04")
    lines = tuple(lines)
    items = tuple(allowances_charges)
    with localcontext() as context:
        context.prec = _PRECISION
        _validate(lines, items, prepaid_amount, rounding_amount, currency)
        line_results = tuple(_line_result(line, currency) for line in lines)
        item_results = tuple(_allowance_charge_result(item, currency) for item in items)
        breakdown = _breakdown(zip(lines, line_results, strict=True), item_results, currency)

        zero = _money(Decimal(0), currency)
        line_total = sum((r.net_amount for r in line_results), zero)
        allowance_total = sum((r.amount for r in item_results if not r.is_charge), zero)
        charge_total = sum((r.amount for r in item_results if r.is_charge), zero)
        tax_exclusive_total = _money(line_total - allowance_total + charge_total, currency)
        tax_total = sum((row.tax_amount for row in breakdown), zero)
        tax_inclusive_total = _money(tax_exclusive_total + tax_total, currency)
        prepaid = _money(prepaid_amount, currency)
        rounding = _money(rounding_amount, currency)
        amount_due = _money(tax_inclusive_total - prepaid + rounding, currency)

    return Totals(
        lines=line_results,
        allowances_charges=item_results,
        line_total=_money(line_total, currency),
        allowance_total=_money(allowance_total, currency),
        charge_total=_money(charge_total, currency),
        tax_exclusive_total=tax_exclusive_total,
        tax_total=_money(tax_total, currency),
        tax_inclusive_total=tax_inclusive_total,
        prepaid_amount=prepaid,
        rounding_amount=rounding,
        amount_due=amount_due,
        breakdown=breakdown,
    )


def convert_tax_total(*, tax_total: Decimal, rate: Decimal, currency: str = "EUR") -> Decimal:
    """BT-111: the VAT total in the VAT accounting currency (BT-6), required when BT-6 is given (BR-53).

    ``rate`` is units of the accounting currency per one unit of the invoice currency; ``currency``
    is the accounting currency, whose minor unit the result is rounded to (BR-DEC-15).
    """
    _check_currency(currency, "BT-6, BR-CL-05")
    errors = _Errors()
    _check_decimal(errors, "tax_total", tax_total)
    if _check_decimal(errors, "rate", rate) and not rate > 0:
        errors.add("rate", "An exchange rate must be above 0.")
    if errors:
        raise TotalsError(errors)
    with localcontext() as context:
        context.prec = _PRECISION
        return _money(tax_total * rate, currency)

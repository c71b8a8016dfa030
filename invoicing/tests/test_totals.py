"""EN 16931 totals: hand-computed documents, an independent Fraction oracle, and the validation rules.

The oracle below deliberately shares no code with invoicing.totals or core.money: it works in
exact fractions and rounds half away from zero by integer arithmetic, at the same rounding points
the module documents (line amount, percent allowances, percent document allowances/charges, VAT
per breakdown row).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.totals import (
    VAT_CATEGORIES,
    AllowanceChargeInput,
    LineInput,
    Totals,
    TotalsError,
    VatBreakdownRow,
    compute_totals,
    convert_tax_total,
)

D = Decimal


def row(category, rate, taxable, tax):
    return VatBreakdownRow(
        vat_category=category, vat_rate=None if rate is None else D(rate), taxable_amount=D(taxable), tax_amount=D(tax)
    )


# --- hand-computed documents ----------------------------------------------------------------------


class TestAGermanInvoiceWithTwoRates:
    """19 % and 7 % lines, line allowances in percent and amount, a line charge, a 3 % document
    allowance on the 7 % goods, freight at 19 %, and a down payment already received.

    Line 1  2 × 899.00                    = 1798.00, −5 % = −89.90             net 1708.10  S 19
    Line 2  3 × 24.95                     =   74.85, −5.00                     net   69.85  S 7
    Line 3  7 × 34.99 per 10 m = 24.493   →   24.49                            net   24.49  S 19
    Line 4  1.5 × 12.99 = 19.485          →   19.49 (tie rounds up), +2.50     net   21.99  S 7
    Allowance 3 % of 91.84 = 2.7552       →    2.76                                         S 7
    Freight                                     9.90                                        S 19
    S 7:  69.85 + 21.99 − 2.76 =   89.08, VAT 6.2356   → 6.24
    S 19: 1708.10 + 24.49 + 9.90 = 1742.49, VAT 331.0731 → 331.07
    """

    @pytest.fixture
    def totals(self) -> Totals:
        return compute_totals(
            lines=[
                LineInput(D("2"), D("899.00"), "S", D("19"), allowance_percent=D("5")),
                LineInput(D("3"), D("24.95"), "S", D("7"), allowance_amount=D("5.00")),
                LineInput(D("7"), D("34.99"), "S", D("19.00"), price_base_quantity=D("10")),
                LineInput(D("1.5"), D("12.99"), "S", D("7"), charge_amount=D("2.50")),
            ],
            allowances_charges=[
                AllowanceChargeInput(
                    is_charge=False,
                    vat_category="S",
                    vat_rate=D("7"),
                    percent=D("3"),
                    base_amount=D("91.84"),
                    reason="Treuerabatt",
                ),
                AllowanceChargeInput(
                    is_charge=True, vat_category="S", vat_rate=D("19"), amount=D("9.90"), reason="Fracht"
                ),
            ],
            prepaid_amount=D("500.00"),
        )

    def test_lines_are_rounded_per_line(self, totals):
        assert [(r.net_amount, r.allowance_amount, r.charge_amount) for r in totals.lines] == [
            (D("1708.10"), D("89.90"), D("0.00")),
            (D("69.85"), D("5.00"), D("0.00")),
            (D("24.49"), D("0.00"), D("0.00")),
            (D("21.99"), D("0.00"), D("2.50")),
        ]

    def test_a_percent_document_allowance_is_rounded_half_up(self, totals):
        assert [(a.is_charge, a.amount) for a in totals.allowances_charges] == [(False, D("2.76")), (True, D("9.90"))]

    def test_the_breakdown_has_a_row_per_rate_with_vat_rounded_per_row(self, totals):
        assert totals.breakdown == (row("S", "7", "89.08", "6.24"), row("S", "19", "1742.49", "331.07"))

    def test_the_document_totals_follow_br_co_10_to_16(self, totals):
        assert (
            totals.line_total,
            totals.allowance_total,
            totals.charge_total,
            totals.tax_exclusive_total,
            totals.tax_total,
            totals.tax_inclusive_total,
            totals.prepaid_amount,
            totals.rounding_amount,
            totals.amount_due,
        ) == (
            D("1824.43"),
            D("2.76"),
            D("9.90"),
            D("1831.57"),
            D("337.31"),
            D("2168.88"),
            D("500.00"),
            D("0.00"),
            D("1668.88"),
        )

    def test_every_amount_has_exactly_two_decimals(self, totals):
        amounts = [totals.line_total, totals.tax_total, totals.amount_due, totals.rounding_amount]
        amounts += [r.net_amount for r in totals.lines] + [r.allowance_amount for r in totals.lines]
        amounts += [r.tax_amount for r in totals.breakdown] + [r.taxable_amount for r in totals.breakdown]
        assert {a.as_tuple().exponent for a in amounts} == {-2}

    def test_a_rate_written_19_00_shares_the_19_row_and_is_reported_as_19(self, totals):
        assert str(totals.breakdown[1].vat_rate) == "19"


def test_reverse_charge_invoice_has_no_vat():
    totals = compute_totals(lines=[LineInput(D("10"), D("95.00"), "AE", D("0"))])
    assert totals.breakdown == (row("AE", "0", "950.00", "0.00"),)
    assert (totals.tax_total, totals.tax_inclusive_total, totals.amount_due) == (D("0.00"), D("950.00"), D("950.00"))


def test_intra_community_supply_with_freight_has_no_vat():
    totals = compute_totals(
        lines=[LineInput(D("100"), D("4.25"), "K", D("0"))],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=True, vat_category="K", vat_rate=D("0.00"), amount=D("15.00"), reason="Freight"
            )
        ],
    )
    assert totals.breakdown == (row("K", "0", "440.00", "0.00"),)
    assert (totals.tax_exclusive_total, totals.tax_total, totals.amount_due) == (D("440.00"), D("0.00"), D("440.00"))


def test_not_subject_to_vat_invoice_has_a_rateless_row():
    totals = compute_totals(
        lines=[LineInput(D("1"), D("120.00"), "O", None)],
        allowances_charges=[
            AllowanceChargeInput(is_charge=False, vat_category="O", vat_rate=None, amount=D("20.00"), reason="Goodwill")
        ],
    )
    assert totals.breakdown == (row("O", None, "100.00", "0.00"),)
    assert totals.breakdown[0].vat_rate is None
    assert (totals.tax_exclusive_total, totals.tax_total, totals.amount_due) == (D("100.00"), D("0.00"), D("100.00"))


def test_yen_amounts_have_no_decimals():
    """3 × 335 = 1005 at 10 % → VAT 100.5 → 101; 335 − 10 % (33.5 → 34) = 301 at 8 % → 24.08 → 24."""
    totals = compute_totals(
        lines=[
            LineInput(D("3"), D("335"), "S", D("10")),
            LineInput(D("1"), D("335"), "S", D("8"), allowance_percent=D("10")),
        ],
        prepaid_amount=D("1000"),
        currency="JPY",
    )
    assert [(r.net_amount, r.allowance_amount) for r in totals.lines] == [(D("1005"), D("0")), (D("301"), D("34"))]
    assert totals.breakdown == (row("S", "8", "301", "24"), row("S", "10", "1005", "101"))
    assert (totals.line_total, totals.tax_total, totals.tax_inclusive_total, totals.amount_due) == (
        D("1306"),
        D("125"),
        D("1431"),
        D("431"),
    )
    assert totals.amount_due.as_tuple().exponent == 0


def test_a_returned_item_rounds_symmetrically_and_can_make_a_negative_row():
    totals = compute_totals(
        lines=[
            LineInput(D("1"), D("10.00"), "S", D("19")),
            LineInput(D("-1.5"), D("12.99"), "S", D("19")),  # −19.485 → −19.49, away from zero
        ]
    )
    assert totals.lines[1].net_amount == D("-19.49")
    assert totals.breakdown == (row("S", "19", "-9.49", "-1.80"),)  # −1.8031
    assert totals.amount_due == D("-11.29")


def test_zero_tax_on_a_negative_base_is_a_plain_zero():
    totals = compute_totals(lines=[LineInput(D("-2"), D("5.00"), "E", D("0"))])
    assert str(totals.breakdown[0].tax_amount) == "0.00"


def test_rounding_amount_is_added_to_the_amount_due():
    totals = compute_totals(lines=[LineInput(D("1"), D("9.99"), "S", D("19"))], rounding_amount=D("-0.01"))
    assert (totals.tax_inclusive_total, totals.amount_due) == (D("11.89"), D("11.88"))


def test_igic_may_carry_a_positive_rate():
    totals = compute_totals(lines=[LineInput(D("1"), D("100.00"), "L", D("7"))])
    assert totals.breakdown == (row("L", "7", "100.00", "7.00"),)


def test_breakdown_follows_the_category_list_then_the_rate():
    totals = compute_totals(
        lines=[
            LineInput(D("1"), D("1"), "Z", D("0")),
            LineInput(D("1"), D("1"), "S", D("19")),
            LineInput(D("1"), D("1"), "E", D("0")),
            LineInput(D("1"), D("1"), "S", D("7")),
        ]
    )
    assert [(r.vat_category, r.vat_rate) for r in totals.breakdown] == [
        ("S", D("7")),
        ("S", D("19")),
        ("Z", D("0")),
        ("E", D("0")),
    ]


def test_an_allowance_with_amount_percent_and_base_that_agree_is_accepted():
    totals = compute_totals(
        lines=[LineInput(D("1"), D("91.84"), "S", D("7"))],
        allowances_charges=[
            AllowanceChargeInput(
                is_charge=False,
                vat_category="S",
                vat_rate=D("7"),
                amount=D("2.76"),
                percent=D("3"),
                base_amount=D("91.84"),
                reason="Skonto",
            )
        ],
    )
    assert totals.allowance_total == D("2.76")


def test_vat_total_converts_to_the_accounting_currency_in_cents():
    assert convert_tax_total(tax_total=D("337.31"), rate=D("0.8567")) == D("288.97")  # 288.973477
    assert convert_tax_total(tax_total=D("125"), rate=D("0.0062"), currency="EUR") == D("0.78")  # 0.775 → up
    assert convert_tax_total(tax_total=D("-125"), rate=D("0.0062")) == D("-0.78")


# --- independent oracle ---------------------------------------------------------------------------


def _half_up(value: Fraction, places: int) -> Fraction:
    """Round half away from zero to `places` decimals, in integers."""
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    return Fraction(magnitude if value >= 0 else -magnitude, scale)


def _f(value) -> Fraction:
    return Fraction(0) if value is None else Fraction(value)


def oracle(lines, items, prepaid, rounding, places):
    """EN 16931 totals computed exactly in fractions, rounded only where the module rounds."""
    nets, line_allowances, line_charges = [], [], []
    for line in lines:
        gross = _half_up(_f(line.quantity) * _f(line.unit_price) / _f(line.price_base_quantity), places)
        if line.allowance_percent is not None:
            allowance = _half_up(gross * _f(line.allowance_percent) / 100, places)
        else:
            allowance = _f(line.allowance_amount)
        if line.charge_percent is not None:  # BT-143 of the rounded line amount (BT-142)
            charge = _half_up(gross * _f(line.charge_percent) / 100, places)
        else:
            charge = _f(line.charge_amount)
        nets.append(gross - allowance + charge)
        line_allowances.append(allowance)
        line_charges.append(charge)
    item_amounts = [
        _f(item.amount) if item.amount is not None else _half_up(_f(item.base_amount) * _f(item.percent) / 100, places)
        for item in items
    ]
    groups: dict[tuple[str, Fraction | None], Fraction] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.vat_category, None if line.vat_rate is None else _f(line.vat_rate))
        groups[key] = groups.get(key, Fraction(0)) + net
    for item, amount in zip(items, item_amounts, strict=True):
        key = (item.vat_category, None if item.vat_rate is None else _f(item.vat_rate))
        groups[key] = groups.get(key, Fraction(0)) + (amount if item.is_charge else -amount)
    breakdown = {
        key: (taxable, Fraction(0) if key[1] is None else _half_up(taxable * key[1] / 100, places))
        for key, taxable in groups.items()
    }
    line_total = sum(nets, Fraction(0))
    allowance_total = sum((a for i, a in zip(items, item_amounts, strict=True) if not i.is_charge), Fraction(0))
    charge_total = sum((a for i, a in zip(items, item_amounts, strict=True) if i.is_charge), Fraction(0))
    tax_exclusive = line_total - allowance_total + charge_total
    tax_total = sum((tax for _, tax in breakdown.values()), Fraction(0))
    return {
        "nets": nets,
        "line_allowances": line_allowances,
        "line_charges": line_charges,
        "item_amounts": item_amounts,
        "breakdown": breakdown,
        "line_total": line_total,
        "allowance_total": allowance_total,
        "charge_total": charge_total,
        "tax_exclusive_total": tax_exclusive,
        "tax_total": tax_total,
        "tax_inclusive_total": tax_exclusive + tax_total,
        "amount_due": tax_exclusive + tax_total - _f(prepaid) + _f(rounding),
    }


RATED = [
    ("S", "19"),
    ("S", "19.00"),
    ("S", "7"),
    ("S", "5.5"),
    ("Z", "0"),
    ("E", "0"),
    ("AE", "0"),
    ("K", "0"),
    ("G", "0"),
    ("L", "7"),
    ("L", "0"),
    ("M", "10"),
]
CURRENCY_PLACES = {"EUR": 2, "JPY": 0, "BHD": 3}


def amounts(places: int, low: str, high: str):
    return st.decimals(min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False)


@st.composite
def documents(draw, currency="EUR"):
    places = CURRENCY_PLACES[currency]
    if draw(st.integers(0, 9)) == 0:
        taxes = [("O", None)]
    else:
        taxes = [(c, D(r)) for c, r in draw(st.lists(st.sampled_from(RATED), min_size=1, max_size=4, unique=True))]
    tax = st.sampled_from(taxes)
    quantity = st.one_of(amounts(4, "0", "1000"), amounts(4, "-50", "0"))
    lines = []
    for _ in range(draw(st.integers(1, 15))):
        category, rate = draw(tax)
        allowance = draw(st.sampled_from(["none", "percent", "amount"]))
        charge = draw(st.sampled_from(["none", "percent", "amount"]))
        lines.append(
            LineInput(
                quantity=draw(quantity),
                unit_price=draw(amounts(4, "0", "10000")),
                vat_category=category,
                vat_rate=rate,
                price_base_quantity=draw(
                    st.sampled_from([D("1"), D("1"), D("1"), D("10"), D("100"), D("3"), D("0.5")])
                ),
                allowance_percent=draw(amounts(2, "0", "100")) if allowance == "percent" else None,
                allowance_amount=draw(amounts(places, "-20", "500")) if allowance == "amount" else None,
                charge_percent=draw(amounts(2, "0", "100")) if charge == "percent" else None,
                charge_amount=draw(amounts(places, "0", "100")) if charge == "amount" else None,
            )
        )
    items = []
    for _ in range(draw(st.integers(0, 4))):
        category, rate = draw(tax)
        if draw(st.booleans()):
            amount, percent, base = draw(amounts(places, "0", "1000")), None, None
        else:
            amount, percent, base = None, draw(amounts(2, "0", "100")), draw(amounts(places, "-100", "50000"))
        items.append(
            AllowanceChargeInput(
                is_charge=draw(st.booleans()),
                vat_category=category,
                vat_rate=rate,
                amount=amount,
                percent=percent,
                base_amount=base,
                reason="Test",
            )
        )
    prepaid = draw(amounts(places, "0", "5000"))
    rounding = draw(st.sampled_from([D("0"), D("0.01"), D("-0.02")])) if places == 2 else D("0")
    return lines, items, prepaid, rounding


def assert_money(value: Decimal, expected: Fraction, places: int):
    assert Fraction(value) == expected, (value, expected)
    assert value.as_tuple().exponent == -places, value


def check_against_oracle(document, currency):
    lines, items, prepaid, rounding = document
    places = CURRENCY_PLACES[currency]
    totals = compute_totals(
        lines=lines, allowances_charges=items, prepaid_amount=prepaid, rounding_amount=rounding, currency=currency
    )
    expected = oracle(lines, items, prepaid, rounding, places)

    for result, net, allowance, charge in zip(
        totals.lines, expected["nets"], expected["line_allowances"], expected["line_charges"], strict=True
    ):
        assert_money(result.net_amount, net, places)
        assert_money(result.allowance_amount, allowance, places)
        assert_money(result.charge_amount, charge, places)
    for result, amount in zip(totals.allowances_charges, expected["item_amounts"], strict=True):
        assert_money(result.amount, amount, places)
    got = {(r.vat_category, None if r.vat_rate is None else Fraction(r.vat_rate)): r for r in totals.breakdown}
    assert got.keys() == expected["breakdown"].keys()
    for key, (taxable, tax) in expected["breakdown"].items():
        assert_money(got[key].taxable_amount, taxable, places)
        assert_money(got[key].tax_amount, tax, places)
    for field in (
        "line_total",
        "allowance_total",
        "charge_total",
        "tax_exclusive_total",
        "tax_total",
        "tax_inclusive_total",
        "amount_due",
    ):
        assert_money(getattr(totals, field), expected[field], places)
    assert_money(totals.prepaid_amount, Fraction(prepaid), places)
    assert_money(totals.rounding_amount, Fraction(rounding), places)
    return totals


@settings(deadline=None)
@given(document=documents())
def test_totals_match_an_exact_fraction_oracle(document):
    check_against_oracle(document, "EUR")


@settings(deadline=None)
@given(document=documents(currency="JPY"))
def test_yen_totals_match_the_oracle_with_whole_units(document):
    check_against_oracle(document, "JPY")


@settings(deadline=None)
@given(document=documents(currency="BHD"))
def test_dinar_totals_match_the_oracle_with_three_decimals(document):
    check_against_oracle(document, "BHD")


@settings(deadline=None)
@given(document=documents())
def test_the_calculation_rules_hold_exactly(document):
    lines, items, prepaid, rounding = document
    t = compute_totals(lines=lines, allowances_charges=items, prepaid_amount=prepaid, rounding_amount=rounding)
    assert t.line_total == sum(r.net_amount for r in t.lines)  # BR-CO-10
    assert t.allowance_total == sum(a.amount for a in t.allowances_charges if not a.is_charge)  # BR-CO-11
    assert t.charge_total == sum(a.amount for a in t.allowances_charges if a.is_charge)  # BR-CO-12
    assert t.tax_exclusive_total == t.line_total - t.allowance_total + t.charge_total  # BR-CO-13
    assert t.tax_total == sum(r.tax_amount for r in t.breakdown)  # BR-CO-14
    assert t.tax_inclusive_total == t.tax_exclusive_total + t.tax_total  # BR-CO-15
    assert t.amount_due == t.tax_inclusive_total - t.prepaid_amount + t.rounding_amount  # BR-CO-16
    assert sum(r.taxable_amount for r in t.breakdown) == t.tax_exclusive_total
    for r in t.breakdown:  # BR-CO-17
        expected = (
            Fraction(0) if r.vat_rate is None else _half_up(Fraction(r.taxable_amount) * Fraction(r.vat_rate) / 100, 2)
        )
        assert Fraction(r.tax_amount) == expected
        if r.vat_category not in ("S", "L", "M"):
            assert r.tax_amount == 0
    keys = [(r.vat_category, r.vat_rate) for r in t.breakdown]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys, key=lambda k: (VAT_CATEGORIES.index(k[0]), k[1] or 0))
    money = [t.line_total, t.allowance_total, t.charge_total, t.tax_exclusive_total, t.tax_total]
    money += [t.tax_inclusive_total, t.prepaid_amount, t.rounding_amount, t.amount_due]
    money += [r.taxable_amount for r in t.breakdown] + [r.tax_amount for r in t.breakdown]
    assert all(m.as_tuple().exponent == -2 for m in money)


@settings(deadline=None)
@given(document=documents(), data=st.data())
def test_the_order_of_lines_and_allowances_does_not_change_the_totals(document, data):
    lines, items, prepaid, rounding = document
    first = compute_totals(lines=lines, allowances_charges=items, prepaid_amount=prepaid)
    second = compute_totals(
        lines=data.draw(st.permutations(lines)),
        allowances_charges=data.draw(st.permutations(items)),
        prepaid_amount=prepaid,
    )
    assert (first.breakdown, first.amount_due, first.tax_total) == (
        second.breakdown,
        second.amount_due,
        second.tax_total,
    )


# --- validation -----------------------------------------------------------------------------------

GOOD_LINE = LineInput(D("1"), D("10.00"), "S", D("19"))


def ac(**changes):
    fields = {"is_charge": False, "vat_category": "S", "vat_rate": D("19"), "amount": D("1.00"), "reason": "Rabatt"}
    return AllowanceChargeInput(**(fields | changes))


def line(**changes):
    fields = {"quantity": D("1"), "unit_price": D("10.00"), "vat_category": "S", "vat_rate": D("19")}
    return LineInput(**(fields | changes))


def errors_of(**kwargs) -> dict[str, str]:
    kwargs.setdefault("lines", [GOOD_LINE])
    with pytest.raises(TotalsError) as caught:
        compute_totals(**kwargs)
    return caught.value.errors


@pytest.mark.parametrize(
    ("kwargs", "path", "rule"),
    [
        ({"lines": []}, "lines", "BR-16"),
        ({"lines": [GOOD_LINE, line(vat_category="X")]}, "lines.1.vat_category", "BR-CL-18"),
        ({"allowances_charges": [ac(vat_category="VAT")]}, "allowances_charges.0.vat_category", "BR-CL-17"),
        ({"lines": [line(vat_rate=D("0"))]}, "lines.0.vat_rate", "BR-S-05"),
        ({"lines": [line(vat_rate=None)]}, "lines.0.vat_rate", "BR-S-05"),
        ({"lines": [line(vat_rate=D("-19"))]}, "lines.0.vat_rate", "BR-S-05"),
        ({"allowances_charges": [ac(vat_rate=D("0"))]}, "allowances_charges.0.vat_rate", "BR-S-06"),
        ({"allowances_charges": [ac(is_charge=True, vat_rate=D("0"))]}, "allowances_charges.0.vat_rate", "BR-S-07"),
        ({"lines": [line(vat_category="Z", vat_rate=D("7"))]}, "lines.0.vat_rate", "BR-Z-05"),
        ({"lines": [line(vat_category="E", vat_rate=D("19"))]}, "lines.0.vat_rate", "BR-E-05"),
        ({"lines": [line(vat_category="AE", vat_rate=None)]}, "lines.0.vat_rate", "BR-AE-05"),
        ({"lines": [line(vat_category="K", vat_rate=D("19"))]}, "lines.0.vat_rate", "BR-IC-05"),
        ({"lines": [line(vat_category="G", vat_rate=D("0.01"))]}, "lines.0.vat_rate", "BR-G-05"),
        ({"lines": [line(vat_category="L", vat_rate=D("-1"))]}, "lines.0.vat_rate", "BR-AF-05"),
        ({"lines": [line(vat_category="M", vat_rate=None)]}, "lines.0.vat_rate", "BR-AG-05"),
        ({"lines": [line(vat_category="O", vat_rate=D("0"))]}, "lines.0.vat_rate", "BR-O-05"),
        (
            {
                "lines": [line(vat_category="O", vat_rate=None)],
                "allowances_charges": [ac(vat_category="O", vat_rate=D("0"))],
            },
            "allowances_charges.0.vat_rate",
            "BR-O-06",
        ),
        (
            {"allowances_charges": [ac(is_charge=True, vat_category="E", vat_rate=D("7"))]},
            "allowances_charges.0.vat_rate",
            "BR-E-07",
        ),
        (
            {"allowances_charges": [ac(vat_category="K", vat_rate=D("19"))]},
            "allowances_charges.0.vat_rate",
            "BR-IC-06",
        ),
        ({"lines": [line(vat_category="O", vat_rate=None), GOOD_LINE]}, "lines.1.vat_category", "BR-O-12"),
        (
            {"lines": [line(vat_category="O", vat_rate=None)], "allowances_charges": [ac()]},
            "allowances_charges.0.vat_category",
            "BR-O-13",
        ),
        (
            {"lines": [line(vat_category="O", vat_rate=None)], "allowances_charges": [ac(is_charge=True)]},
            "allowances_charges.0.vat_category",
            "BR-O-14",
        ),
        (
            {"allowances_charges": [ac(vat_category="O", vat_rate=None)]},
            "allowances_charges.0.vat_category",
            "BR-O-11",
        ),
        ({"lines": [line(unit_price=D("-0.01"))]}, "lines.0.unit_price", "BR-27"),
        (
            {"lines": [line(allowance_percent=D("5"), allowance_amount=D("1.00"))]},
            "lines.0.allowance_amount",
            "BT-138",
        ),
        ({"lines": [line(allowance_percent=D("100.01"))]}, "lines.0.allowance_percent", "BT-138"),
        ({"lines": [line(allowance_percent=D("-1"))]}, "lines.0.allowance_percent", "BT-138"),
        ({"lines": [line(allowance_amount=D("1.005"))]}, "lines.0.allowance_amount", "BR-DEC-24"),
        ({"lines": [line(charge_amount=D("0.001"))]}, "lines.0.charge_amount", "BR-DEC-27"),
        ({"lines": [line(charge_percent=D("100.01"))]}, "lines.0.charge_percent", "BT-143"),
        (
            {"lines": [line(charge_percent=D("5"), charge_amount=D("1.00"))]},
            "lines.0.charge_amount",
            "BT-143",
        ),
        ({"lines": [line(price_base_quantity=D("0"))]}, "lines.0.price_base_quantity", "PEPPOL-EN16931-R121"),
        ({"lines": [line(price_base_quantity=D("-1"))]}, "lines.0.price_base_quantity", "PEPPOL-EN16931-R121"),
        ({"allowances_charges": [ac(amount=None)]}, "allowances_charges.0.amount", "BR-31"),
        ({"allowances_charges": [ac(is_charge=True, amount=None)]}, "allowances_charges.0.amount", "BR-36"),
        (
            {"allowances_charges": [ac(amount=None, percent=D("3"))]},
            "allowances_charges.0.base_amount",
            "PEPPOL-EN16931-R041",
        ),
        (
            {"allowances_charges": [ac(amount=None, base_amount=D("100.00"))]},
            "allowances_charges.0.percent",
            "PEPPOL-EN16931-R042",
        ),
        (
            {"allowances_charges": [ac(amount=D("3.01"), percent=D("3"), base_amount=D("100.00"))]},
            "allowances_charges.0.amount",
            "PEPPOL-EN16931-R040",
        ),
        (
            {"allowances_charges": [ac(amount=None, percent=D("101"), base_amount=D("100.00"))]},
            "allowances_charges.0.percent",
            "BT-94",
        ),
        (
            {"allowances_charges": [ac(is_charge=True, amount=None, percent=D("-5"), base_amount=D("100.00"))]},
            "allowances_charges.0.percent",
            "BT-101",
        ),
        ({"allowances_charges": [ac(amount=D("1.234"))]}, "allowances_charges.0.amount", "BR-DEC-01"),
        ({"allowances_charges": [ac(is_charge=True, amount=D("1.234"))]}, "allowances_charges.0.amount", "BR-DEC-05"),
        (
            {"allowances_charges": [ac(amount=None, percent=D("3"), base_amount=D("1.234"))]},
            "allowances_charges.0.base_amount",
            "BR-DEC-02",
        ),
        ({"prepaid_amount": D("0.001")}, "prepaid_amount", "BR-DEC-16"),
        ({"rounding_amount": D("0.005")}, "rounding_amount", "BR-DEC-17"),
        ({"prepaid_amount": D("0.50"), "currency": "JPY"}, "prepaid_amount", "BR-DEC-16"),
        ({"currency": "euro"}, "currency", "BR-CL-04"),
    ],
)
def test_invalid_input_names_the_field_and_the_rule(kwargs, path, rule):
    errors = errors_of(**kwargs)
    assert path in errors, errors
    assert re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", errors[path]), errors[path]


def test_all_problems_are_reported_at_once():
    errors = errors_of(
        lines=[
            line(unit_price=D("-1")),
            line(vat_category="Z"),
            line(vat_category="?"),
        ],
        allowances_charges=[ac(amount=None, vat_rate=D("0"))],
    )
    assert set(errors) == {
        "lines.0.unit_price",
        "lines.1.vat_rate",
        "lines.2.vat_category",
        "allowances_charges.0.amount",
        "allowances_charges.0.vat_rate",
    }


def test_the_exception_message_lists_the_paths():
    with pytest.raises(TotalsError, match=r"lines\.0\.vat_rate: Category S needs a VAT rate above 0 \(BR-S-05\)\."):
        compute_totals(lines=[line(vat_rate=D("0"))])


@pytest.mark.parametrize("field", ["quantity", "unit_price", "price_base_quantity", "vat_rate"])
def test_floats_are_refused_where_money_or_quantities_belong(field):
    errors = errors_of(lines=[line(**{field: 1.5})])
    assert "finite Decimal" in errors[f"lines.0.{field}"]


def test_a_not_a_number_quantity_is_refused():
    assert "lines.0.quantity" in errors_of(lines=[line(quantity=D("NaN"))])


def test_a_zero_or_negative_exchange_rate_is_refused():
    with pytest.raises(TotalsError) as caught:
        convert_tax_total(tax_total=D("1.00"), rate=D("0"))
    assert set(caught.value.errors) == {"rate"}
    with pytest.raises(TotalsError) as caught:
        convert_tax_total(tax_total=1.0, rate=D("1"), currency="usd")
    assert set(caught.value.errors) == {"currency"}

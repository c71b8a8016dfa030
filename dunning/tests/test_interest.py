"""The interest arithmetic, by hand-computed cases and invariants (no database)."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.interest import (
    half_year_start,
    interest_slices,
    principal_steps,
    rate_table,
    slices_total,
)

D = Decimal

# The Bundesbank's base rate, the half-years these cases need (the migration seeds them all).
DE_BASE = rate_table(
    [
        (date(2019, 7, 1), D("-0.88")),
        (date(2020, 1, 1), D("-0.88")),
        (date(2020, 7, 1), D("-0.88")),
        (date(2021, 1, 1), D("-0.88")),
        (date(2022, 7, 1), D("-0.88")),
        (date(2023, 1, 1), D("1.62")),
        (date(2023, 7, 1), D("3.12")),
        (date(2024, 1, 1), D("3.62")),
        (date(2024, 7, 1), D("3.37")),
        (date(2025, 1, 1), D("2.27")),
        (date(2025, 7, 1), D("1.27")),
        (date(2026, 1, 1), D("1.27")),
    ]
)


def unpaid(amount: str):
    return principal_steps(open_now=D(amount), reductions=[])


def calc(steps, *, first, start=None, end, margin="9", day_count="act/365", table=DE_BASE):
    return interest_slices(
        steps=steps,
        table=table,
        margin=D(margin),
        first_day=first,
        start=start or first,
        end=end,
        currency="EUR",
        day_count=day_count,
    )


def test_the_issues_hand_case_comes_out_to_the_cent():
    # 10,000.00 € owed by a business, payment date agreed 2024-05-31, paid 2024-09-30:
    # 30 days at 3.62 + 9 = 12.62 % and 92 days at 3.37 + 9 = 12.37 %, act/365.
    slices, missing = calc(unpaid("10000.00"), first=date(2024, 6, 1), end=date(2024, 9, 30))
    assert missing is None
    assert [(s.start, s.end, s.days, s.rate, s.amount) for s in slices] == [
        (date(2024, 6, 1), date(2024, 6, 30), 30, D("12.62"), D("103.73")),  # 10000 × 12.62 % × 30/365 = 103.726
        (date(2024, 7, 1), date(2024, 9, 30), 92, D("12.37"), D("311.79")),  # 10000 × 12.37 % × 92/365 = 311.786
    ]
    assert slices_total(slices) == D("415.52")


def test_partial_payments_lower_the_principal_after_their_value_date_across_a_rate_change():
    # 4,000 paid with value date 2024-06-15 (the payment day still bears interest), the rest 2024-07-10.
    steps = principal_steps(
        open_now=D("0"),
        reductions=[(date(2024, 6, 16), D("4000.00")), (date(2024, 7, 11), D("6000.00"))],
    )
    slices, _missing = calc(steps, first=date(2024, 6, 1), end=date(2024, 7, 31))
    assert [(s.start, s.end, s.principal, s.rate, s.amount) for s in slices] == [
        # 10000 × 12.62 % × 15/365 = 51.863
        (date(2024, 6, 1), date(2024, 6, 15), D("10000.00"), D("12.62"), D("51.86")),
        # 6000 × 12.62 % × 15/365 = 31.118
        (date(2024, 6, 16), date(2024, 6, 30), D("6000.00"), D("12.62"), D("31.12")),
        # 6000 × 12.37 % × 10/365 = 20.334
        (date(2024, 7, 1), date(2024, 7, 10), D("6000.00"), D("12.37"), D("20.33")),
    ]
    assert slices_total(slices) == D("103.31")


def test_a_whole_year_across_a_turn_of_the_year_rate_change():
    # 2,500.00 € business from 2023-10-01 to 2024-03-31: 92 days at 12.12 %, 91 days at 12.62 %.
    slices, _missing = calc(unpaid("2500.00"), first=date(2023, 10, 1), end=date(2024, 3, 31))
    assert [(s.days, s.rate, s.amount) for s in slices] == [
        (92, D("12.12"), D("76.37")),  # 2500 × 12.12 % × 92/365 = 76.372
        (91, D("12.62"), D("78.66")),  # 2500 × 12.62 % × 91/365 = 78.660
    ]


def test_negative_base_rates_are_charged_as_published_never_clipped():
    # 2020: −0.88 % all year (two half-years, one segment); 366 days, act/365 as the default.
    business, _ = calc(unpaid("1000.00"), first=date(2020, 1, 1), end=date(2020, 12, 31))
    consumer, _ = calc(unpaid("1000.00"), first=date(2020, 1, 1), end=date(2020, 12, 31), margin="5")
    assert [(s.days, s.reference_rate, s.rate, s.amount) for s in business] == [
        (366, D("-0.88"), D("8.12"), D("81.42"))  # 1000 × 8.12 % × 366/365 = 81.422
    ]
    assert [(s.rate, s.amount) for s in consumer] == [(D("4.12"), D("41.31"))]  # 41.313


def test_other_day_counts():
    steps = unpaid("10000.00")
    act_act, _ = calc(steps, first=date(2024, 6, 1), end=date(2024, 9, 30), day_count="act/act")
    act_360, _ = calc(steps, first=date(2024, 6, 1), end=date(2024, 9, 30), day_count="act/360")
    assert [s.amount for s in act_act] == [D("103.44"), D("310.94")]  # /366 in 2024: 103.443, 310.940
    assert [s.amount for s in act_360] == [D("105.17"), D("316.12")]  # /360: 105.167, 316.122


def test_act_act_splits_at_the_turn_of_a_year_even_without_a_rate_change():
    # 2020-07-01…2021-06-30 at −0.88 + 9: 184 days of 2020 (/366) and 181 days of 2021 (/365).
    slices, _ = calc(unpaid("1000.00"), first=date(2020, 7, 1), end=date(2021, 6, 30), day_count="act/act")
    assert [(s.start, s.days, s.amount) for s in slices] == [
        (date(2020, 7, 1), 184, D("40.82")),  # 1000 × 8.12 % × 184/366 = 40.822
        (date(2021, 1, 1), 181, D("40.27")),  # 1000 × 8.12 % × 181/365 = 40.266
    ]


def test_a_half_year_without_a_rate_is_not_computed_and_is_reported():
    slices, missing = calc(unpaid("1000.00"), first=date(2026, 6, 1), end=date(2026, 12, 7))
    assert missing == date(2026, 7, 1)
    assert [(s.start, s.end) for s in slices] == [(date(2026, 6, 1), date(2026, 6, 30))]
    # A later item that starts in the missing half-year computes nothing at all.
    later, missing = calc(unpaid("1000.00"), first=date(2026, 6, 1), start=date(2026, 7, 1), end=date(2026, 12, 7))
    assert later == [] and missing == date(2026, 7, 1)


def test_a_gap_inside_the_table_is_no_gap_when_a_later_row_exists():
    # 2021-07-01…2022-06-30 have no rows in this table: they keep −0.88 because a later row exists.
    assert DE_BASE.rate_of_half_year(date(2022, 1, 1)) == D("-0.88")
    assert DE_BASE.rate_of_half_year(date(2026, 7, 1)) is None
    assert DE_BASE.rate_of_half_year(date(2019, 1, 1)) is None  # before the first row


days_2023_2025 = st.integers(min_value=0, max_value=3 * 365).map(lambda n: date(2023, 1, 1) + timedelta(days=n))


@settings(max_examples=300, deadline=None)
@given(
    principal=st.decimals(min_value=D("0.01"), max_value=D("999999.99"), places=2),
    first=days_2023_2025,
    length=st.integers(min_value=0, max_value=900),
    cuts=st.lists(st.integers(min_value=1, max_value=900), max_size=5),
    payment=st.one_of(st.none(), st.tuples(st.integers(min_value=1, max_value=900), st.integers(1, 99))),
    day_count=st.sampled_from(["act/365", "act/act", "act/360"]),
    consumer=st.booleans(),
)
def test_splitting_a_period_into_items_gives_to_the_cent_the_interest_of_one_calculation(
    principal, first, length, cuts, payment, day_count, consumer
):
    end = min(first + timedelta(days=length), date(2025, 12, 31))
    reductions = []
    if payment is not None:
        # A partial payment (1–99 % of the principal) somewhere in the period.
        reductions = [(first + timedelta(days=payment[0]), (principal * payment[1] / 100).quantize(D("0.01")))]
    steps = principal_steps(open_now=principal - sum((r[1] for r in reductions), D("0")), reductions=reductions)
    margin = "5" if consumer else "9"
    whole, missing = calc(steps, first=first, end=end, margin=margin, day_count=day_count)
    assert missing is None
    # Items cut the period at arbitrary days: reminders, then the final item on payment.
    bounds = sorted({first + timedelta(days=c) for c in cuts if first + timedelta(days=c) <= end})
    starts = [first, *bounds]
    pieces = []
    for index, start in enumerate(starts):
        stop = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else end
        part, missing = calc(steps, first=first, start=start, end=stop, margin=margin, day_count=day_count)
        assert missing is None
        pieces.extend(part)
    assert sum(s.days for s in pieces) == sum(s.days for s in whole)
    if payment is None:
        assert sum(s.days for s in whole) == (end - first).days + 1  # (a payment may leave no principal)
    assert slices_total(pieces) == slices_total(whole)
    # Every slice lies in one half-year and one principal; none overlaps the next.
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.end < b.start
    for s in pieces:
        assert half_year_start(s.start) == half_year_start(s.end)
        assert s.amount >= 0


@settings(max_examples=200, deadline=None)
@given(
    principal=st.decimals(min_value=D("0.01"), max_value=D("999999.99"), places=2),
    first=days_2023_2025,
    length=st.integers(min_value=0, max_value=900),
)
def test_one_calculation_rounds_each_segment_once(principal, first, length):
    end = min(first + timedelta(days=length), date(2025, 12, 31))
    slices, _ = calc(unpaid(str(principal)), first=first, end=end)
    for s in slices:
        exact = s.principal * s.rate * s.days / (D("100") * D("365"))
        assert abs(s.amount - exact) <= D("0.005")

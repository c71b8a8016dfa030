"""Chart geometry (analytics/dashboard/charts.py), computed by hand: the plot is 200 px high and
starts 10 px from the top, so the zero line of all-positive data is at y = 210."""

from __future__ import annotations

from decimal import Decimal as D

from analytics.dashboard import charts


def test_bars_are_as_high_as_their_share_of_the_largest_value():
    chart = charts.bar_chart("t", [("a", D("100"), "100"), ("b", D("50"), "50")])
    assert [m.height for m in chart.marks] == [D("200.0"), D("100.0")]
    assert [m.y for m in chart.marks] == [D("10.0"), D("110.0")]
    assert chart.zero == D("210.0")


def test_a_negative_value_grows_down_from_the_zero_line():
    # From -50 to 150 the plot spans 200 values in 200 px: zero sits 150 px below the top.
    chart = charts.bar_chart("t", [("a", D("150"), ""), ("b", D("-50"), "")])
    up, down = chart.marks
    assert chart.zero == D("160.0")
    assert (up.y, up.height) == (D("10.0"), D("150.0"))
    assert (down.y, down.height, down.negative) == (D("160.0"), D("50.0"), True)


def test_all_zero_data_draws_flat_bars_on_the_bottom_line():
    chart = charts.bar_chart("t", [("a", D("0"), ""), ("b", D("0"), "")])
    assert [(m.y, m.height) for m in chart.marks] == [(D("210.0"), D("0.0"))] * 2


def test_a_missing_value_draws_no_bar_but_keeps_its_place_on_the_axis():
    chart = charts.bar_chart("t", [("a", None, ""), ("b", D("10"), "")])
    assert len(chart.marks) == 1 and len(chart.axis) == 2


def test_bars_share_the_width_in_equal_slots():
    # 640 px less 10 px on each side: two slots of 310 px; a bar is 70 % of its slot, centred.
    chart = charts.bar_chart("t", [("a", D("1"), ""), ("b", D("1"), "")])
    assert [m.x for m in chart.marks] == [D("56.5"), D("366.5")]
    assert chart.marks[0].width == D("217.0")
    assert [a.x for a in chart.axis] == [D("165.0"), D("475.0")]


def test_the_stacked_bar_splits_the_width_by_share_and_leaves_out_credits():
    chart = charts.stacked_bar("t", [("not due", D("300"), ""), ("1–30", D("100"), ""), ("credits", D("-50"), "")])
    # 620 px: 300 of 400 → 465 px, 100 of 400 → 155 px, the credit none.
    assert [(m.x, m.width) for m in chart.marks] == [(D("10.0"), D("465.0")), (D("475.0"), D("155.0"))]
    assert [m.pattern for m in chart.marks] == ["solid", "hatch"]
    assert len(chart.legend) == 3


def test_grouped_bars_use_one_scale_for_every_series():
    chart = charts.grouped_bars("t", ["Nov"], [("invoiced", [(D("200"), "")]), ("collected", [(D("50"), "")])])
    assert [m.height for m in chart.marks] == [D("200.0"), D("50.0")]
    assert [m.pattern for m in chart.marks] == ["solid", "hatch"]
    assert chart.marks[0].x + chart.marks[0].width == chart.marks[1].x


def test_a_line_leaves_out_a_month_without_a_value():
    chart = charts.line_chart("t", ["Sep", "Oct", "Nov"], [("DSO", [(D("40"), ""), (None, ""), (D("20"), "")])])
    # Slots of 620/3 px, points in their middles; 40 → top (10), 20 → half way (110).
    assert chart.lines == ["113.3,10.0 526.7,110.0"]
    assert [m.label for m in chart.marks] == ["Sep, DSO: ", "Nov, DSO: "]

"""Charts as server-rendered inline SVG: no chart library, nothing from another host, they print.

Each function turns labelled values into geometry (pixel positions, one place after the point);
``templates/analytics/chart.html`` draws it. Every mark carries its label and value as words (a
``<title>`` for native hover and ``data-label``/``data-value`` for ``charts.js``'s tooltip) and is
focusable; series differ by fill pattern as well as colour, and every chart has its table beside
it (what a screen reader and the print read).

Geometry: values are drawn against a zero line. With negative values the plot spans from the
lowest to the highest value (zero included), so a bar grows up or down from zero; all-zero data
draws flat bars on the bottom line instead of dividing by zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

PX = Decimal("0.1")
WIDTH = 640
HEIGHT = 200  # the plot's height; labels sit below it
TOP = 10
LEFT = 10
LABEL_SPACE = 40
# One pattern per series (fill plus hatching), so series are told apart without colour.
PATTERNS = ("solid", "hatch", "dots", "cross", "diagonal", "grid")


def _px(value: Decimal) -> Decimal:
    return value.quantize(PX, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scale:
    """Maps values to y pixels in a plot of ``height`` starting at ``top``, zero always included."""

    low: Decimal
    high: Decimal
    height: int = HEIGHT
    top: int = TOP

    @classmethod
    def of(cls, values, *, height: int = HEIGHT, top: int = TOP) -> Scale:
        found = [Decimal(v) for v in values if v is not None]
        return cls(min([Decimal(0), *found]), max([Decimal(0), *found]), height, top)

    @property
    def span(self) -> Decimal:
        return self.high - self.low

    def y(self, value: Decimal) -> Decimal:
        if not self.span:
            return _px(Decimal(self.top + self.height))  # all zero: everything on the bottom line
        return _px(self.top + (self.high - Decimal(value)) / self.span * self.height)

    @property
    def zero(self) -> Decimal:
        return self.y(Decimal(0))

    def bar(self, value: Decimal) -> tuple[Decimal, Decimal]:
        """(y, height) of a bar from zero to ``value``."""
        end = self.y(value)
        return min(end, self.zero), abs(self.zero - end)


@dataclass(frozen=True)
class Mark:
    """A bar (x, y, width, height) or a point (x, y) with what it shows in words."""

    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    label: str  # e.g. "1–30 days: 1.200,00 €" — the tooltip and <title>
    value_text: str
    series: int = 0
    negative: bool = False

    @property
    def pattern(self) -> str:
        return PATTERNS[self.series % len(PATTERNS)]

    @property
    def cx(self) -> Decimal:
        return _px(self.x + self.width / 2)


@dataclass(frozen=True)
class Axis:
    x: Decimal
    text: str


@dataclass
class Chart:
    kind: str  # bar, stacked, grouped, line
    title: str  # the aria-label
    marks: list[Mark] = field(default_factory=list)
    axis: list[Axis] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (series name, pattern)
    lines: list[str] = field(default_factory=list)  # polyline points per series (line charts)
    zero: Decimal = Decimal(HEIGHT + TOP)
    width: int = WIDTH
    height: int = HEIGHT + TOP + LABEL_SPACE

    @property
    def empty(self) -> bool:
        return not self.marks


def bar_chart(title: str, items: list[tuple[str, Decimal | None, str]], *, width: int = WIDTH) -> Chart:
    """One bar per item ``(label, value, value as words)``; a None value draws no bar."""
    scale = Scale.of(v for _, v, _ in items)
    slot = Decimal(width - 2 * LEFT) / max(len(items), 1)
    chart = Chart("bar", title, zero=scale.zero, width=width)
    for index, (label, value, text) in enumerate(items):
        x = LEFT + slot * index
        chart.axis.append(Axis(_px(x + slot / 2), label))
        if value is None:
            continue
        y, height = scale.bar(value)
        chart.marks.append(
            Mark(_px(x + slot * Decimal("0.15")), y, _px(slot * Decimal("0.7")), height, f"{label}: {text}", text,
                 negative=value < 0)
        )  # fmt: skip
    return chart


def stacked_bar(title: str, items: list[tuple[str, Decimal, str]], *, width: int = WIDTH) -> Chart:
    """One horizontal bar split into the items' shares (the aging buckets); negative items (credits)
    cannot be a share of a whole and are left to the table."""
    total = sum((v for _, v, _ in items if v > 0), Decimal(0))
    inner = Decimal(width - 2 * LEFT)
    chart = Chart("stacked", title, width=width, height=60)
    x = Decimal(LEFT)
    for index, (label, value, text) in enumerate(items):
        chart.legend.append((label, PATTERNS[index % len(PATTERNS)]))
        if value <= 0 or not total:
            continue
        share = inner * value / total
        chart.marks.append(Mark(_px(x), Decimal(TOP), _px(share), Decimal(40), f"{label}: {text}", text, index))
        x += share
    return chart


def grouped_bars(
    title: str, categories: list[str], series: list[tuple[str, list[tuple[Decimal | None, str]]]], *, width: int = WIDTH
) -> Chart:
    """Side by side per category, one bar per series: ``series`` is ``[(name, [(value, words)…])…]``."""
    scale = Scale.of(v for _, values in series for v, _ in values)
    slot = Decimal(width - 2 * LEFT) / max(len(categories), 1)
    bar = slot * Decimal("0.8") / max(len(series), 1)
    chart = Chart("grouped", title, zero=scale.zero, width=width)
    chart.legend = [(name, PATTERNS[index % len(PATTERNS)]) for index, (name, _) in enumerate(series)]
    for c, category in enumerate(categories):
        x = LEFT + slot * c
        chart.axis.append(Axis(_px(x + slot / 2), category))
        for s, (name, values) in enumerate(series):
            value, text = values[c]
            if value is None:
                continue
            y, height = scale.bar(value)
            chart.marks.append(
                Mark(_px(x + slot * Decimal("0.1") + bar * s), y, _px(bar), height, f"{category}, {name}: {text}",
                     text, s, value < 0)
            )  # fmt: skip
    return chart


def line_chart(
    title: str, categories: list[str], series: list[tuple[str, list[tuple[Decimal | None, str]]]], *, width: int = WIDTH
) -> Chart:
    """A line per series through one point per category; a None value breaks nothing, it is left out."""
    scale = Scale.of(v for _, values in series for v, _ in values)
    slot = Decimal(width - 2 * LEFT) / max(len(categories), 1)
    chart = Chart("line", title, zero=scale.zero, width=width)
    chart.legend = [(name, PATTERNS[index % len(PATTERNS)]) for index, (name, _) in enumerate(series)]
    for c, category in enumerate(categories):
        chart.axis.append(Axis(_px(LEFT + slot * c + slot / 2), category))
    for s, (name, values) in enumerate(series):
        points = []
        for c, (value, text) in enumerate(values):
            if value is None:
                continue
            x, y = _px(LEFT + slot * c + slot / 2), scale.y(value)
            points.append(f"{x},{y}")
            chart.marks.append(Mark(x, y, Decimal(0), Decimal(0), f"{categories[c]}, {name}: {text}", text, s))
        chart.lines.append(" ".join(points))
    return chart

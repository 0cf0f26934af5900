"""A quantified measure's quarters as people read them: a table (the accessible form), a
sentence saying the trend, and a small SVG chart drawn on the server (no JavaScript), for the
action page and the Board pack alike (actionplan/_measure_chart.html).

The SVG carries its colours as attributes, from rag.colours(): WeasyPrint applies no
stylesheet to inline SVG.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from actionplan.measures import Direction, format_value, travel, trend_sentence
from actionplan.models import Measure, MeasureValue
from actionplan.quarters import Quarter, quarters_between
from actionplan.rag import DETERIORATED, IMPROVED, UNCHANGED, colours

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 30  # room for the axis labels
_TRAVEL_WORDS = {IMPROVED: "Improved", UNCHANGED: "Unchanged", DETERIORATED: "Worsened"}


@dataclass
class Row:
    """One quarter of a measure: its latest value (None where none was reported)."""

    quarter: Quarter
    value: MeasureValue | None
    target: Decimal | None

    @property
    def rag(self) -> str | None:
        return self.value.rag if self.value else None


@dataclass
class Series:
    measure: Measure
    rows: list[Row] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.measure.unit

    @property
    def html_id(self) -> str:
        return f"measure-{self.measure.pk}"

    @property
    def known(self) -> list[Row]:
        return [row for row in self.rows if row.value and row.value.value is not None]

    @property
    def latest(self) -> Row | None:
        return self.known[-1] if self.known else None

    @property
    def rag(self) -> str | None:
        """The latest reported quarter's band against target."""
        return self.latest.rag if self.latest else None

    @property
    def travel(self) -> str | None:
        """From the quarter before the latest reported to the latest (both reported)."""
        known = self.known
        if len(known) < 2:
            return None
        target = self.measure.target_for(known[-1].quarter)
        return travel(known[-1].value.value, known[-2].value.value, self.measure.direction, target)

    @property
    def travel_words(self) -> str:
        return _TRAVEL_WORDS.get(self.travel, "Not known (fewer than two values)")

    @property
    def sentence(self) -> str:
        latest_quarter = self.latest.quarter if self.latest else None
        return trend_sentence(
            [row.value.value for row in self.known],
            unit=self.unit,
            direction=self.measure.direction,
            target=self.measure.target_for(latest_quarter),
        )

    def fmt(self, value) -> str:
        return format_value(value, self.unit)

    @property
    def baseline_display(self) -> str:
        baseline = self.measure.baseline_value
        return "" if baseline is None else self.fmt(baseline)

    @property
    def target_display(self) -> str:
        measure = self.measure
        if measure.direction == Direction.RANGE and measure.target_upper is not None:
            return f"{self.fmt(measure.target_value)} to {self.fmt(measure.target_upper)}"
        return self.fmt(measure.target_value)

    @property
    def chart(self) -> "Chart":
        return Chart.of(self)


def series_for(measures: list[Measure], *, last: int | None = None, up_to: Quarter | None = None):
    """The series of each quantified measure in `measures`, in their order: one row per
    quarter from the first value (or `last` quarters up to the latest, or to `up_to`), with the
    quarter's latest value. One query, whatever the number of measures and values."""
    quantified = [measure for measure in measures if measure.is_quantified]
    by_measure = defaultdict(dict)
    values = MeasureValue.objects.filter(measure_id__in=[m.pk for m in quantified])
    if up_to is not None:
        values = values.filter(quarter__lte=up_to.slug)
    for value in values.select_related("recorded_by").order_by("quarter", "recorded_at", "pk"):
        by_measure[value.measure_id][value.quarter] = value  # the latest of a quarter wins
    return [_series(m, by_measure[m.pk], last=last, up_to=up_to) for m in quantified]


def _series(measure: Measure, values: dict[str, MeasureValue], *, last, up_to) -> Series:
    for value in values.values():
        value.measure = measure  # each value's display and band read it
    quarters = sorted(Quarter.parse(slug) for slug in values)
    if up_to is not None:
        end = up_to
    elif quarters:
        end = quarters[-1]
    else:
        return Series(measure)
    start = quarters[0] if quarters else end
    if last is not None:
        start = end
        for _ in range(last - 1):
            start = start.previous()
    span = quarters_between(start.start, end.start)
    rows = [Row(q, values.get(q.slug), _target_value(measure, q)) for q in span]
    return Series(measure, rows)


def _target_value(measure: Measure, quarter: Quarter) -> Decimal | None:
    target = measure.target_for(quarter)
    return target.value if target else None


# The chart ----------------------------------------------------------------------------------


@dataclass
class Point:
    x: float
    y: float
    label: str
    fill: str


@dataclass
class Chart:
    """Geometry and colours of a series' SVG, in the template's coordinates."""

    width: int
    height: int
    points: list[Point]
    line: str  # the polyline through the reported values
    target_y: float | None
    target_upper_y: float | None
    baseline_y: float | None
    ticks: list[tuple[float, str]]  # y axis: (y, label)
    quarter_labels: list[tuple[float, str]]
    colours: dict

    @classmethod
    def of(cls, series: Series) -> "Chart":
        measure = series.measure
        figures = [row.value.value for row in series.known]
        figures += [v for v in (measure.target_value, measure.target_upper) if v is not None]
        figures += [measure.baseline_value] if measure.baseline_value is not None else []
        low, high = min([Decimal(0), *figures]), max([Decimal(1), *figures])
        high = high + (high - low) / 10
        plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT

        def y(value):
            return round(TOP + plot_h * float((high - value) / (high - low)), 1)

        count = max(len(series.rows), 1)
        step = plot_w / count

        def x(index):
            return round(LEFT + step * (index + 0.5), 1)

        palette = colours()
        points = [
            Point(x(i), y(row.value.value), series.fmt(row.value.value), _fill(row.rag, palette))
            for i, row in enumerate(series.rows)
            if row.value and row.value.value is not None
        ]
        upper = measure.target_upper if measure.direction == Direction.RANGE else None
        return cls(
            width=WIDTH,
            height=HEIGHT,
            points=points,
            line=" ".join(f"{p.x},{p.y}" for p in points),
            target_y=y(measure.target_value),
            target_upper_y=y(upper) if upper is not None else None,
            baseline_y=y(measure.baseline_value) if measure.baseline_value is not None else None,
            ticks=[(y(value), series.fmt(value)) for value in _ticks(low, high)],
            quarter_labels=[
                (
                    x(i),
                    f"Q{row.quarter.number} {row.quarter.year % 100:02d}/"
                    f"{(row.quarter.year + 1) % 100:02d}",
                )
                for i, row in enumerate(series.rows)
            ],  # fmt: skip
            colours={
                "axis": "#505a5f",
                "line": "#0b0c0c",
                "target": palette["rag-green"],
                "baseline": "#505a5f",
            },
        )

    @property
    def plot_right(self) -> int:
        return WIDTH - RIGHT

    @property
    def plot_bottom(self) -> int:
        return HEIGHT - BOTTOM

    @property
    def left(self) -> int:
        return LEFT


def _fill(rag: str | None, palette: dict) -> str:
    return palette.get(f"rag-{rag}", "#505a5f") if rag else "#505a5f"


def _ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Round values on the y axis, two to four of them: multiples of 1, 2 or 5 times a power
    of ten between `low` and `high`."""
    span = high - low
    step = Decimal(1)
    while span / step > 4:
        step *= 10
    while span / step < 2:
        step /= 10
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 4:
            step *= factor
            break
    first = (low / step).to_integral_value(rounding="ROUND_CEILING") * step
    ticks = []
    while first <= high:
        ticks.append(first + 0)  # never "-0"
        first += step
    return ticks

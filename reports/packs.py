"""What a Board pack says: a plan's statuses at the end of a quarter, read in a fixed number of
queries, and the figures the Board asks for (counts, direction of travel, exceptions).

Statuses are the quarter's view of each action, by the same rule as the dashboards' quarter
views (ActionQuerySet.with_status_for_quarter): its return in the quarter's reporting round,
else its latest update made on or before the end of the day. Overdue means past its due date
on that day and not Blue.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from actionplan.dashboards import reporting_quarter
from actionplan.measure_charts import Series, series_for
from actionplan.models import (
    Action,
    Objective,
    Plan,
    Priority,
    RoundState,
    StatusUpdate,
    end_of_day,
)
from actionplan.quarters import Quarter
from actionplan.rag import (
    DETERIORATED,
    IMPROVED,
    LEVELS,
    UNCHANGED,
    Rag,
    RagLevel,
    direction,
    is_overdue,
    level,
)

_LONG_AGO = datetime(1900, 1, 1, tzinfo=UTC)
# An action's place in the quarter's reporting round (PackAction.round_state).
SIGNED_OFF, NOT_SIGNED_OFF, NO_RETURN = (
    RoundState.SIGNED_OFF, RoundState.NOT_SIGNED_OFF, RoundState.NO_RETURN
)  # fmt: skip


@dataclass
class PackAction:
    """An action with its status at the end of this quarter and of the previous one."""

    action: Action
    rag: RagLevel
    previous_rag: RagLevel
    updated_at: datetime | None
    commentary: str
    red_since: date | None
    as_of: date
    quarter_start: date
    # In the quarter's reporting round: SIGNED_OFF, NOT_SIGNED_OFF or NO_RETURN (shown as
    # that, never as an earlier status; counted with the unrated); None when the quarter has
    # no round or the action was not in its scope.
    round_state: str | None = None

    @property
    def not_signed_off(self) -> bool:
        return self.round_state == NOT_SIGNED_OFF

    @property
    def no_return(self) -> bool:
        return self.round_state == NO_RETURN

    @cached_property
    def due_date(self) -> date:
        """The due date in force at the end of the quarter (revised, or the plan's)."""
        return self.action.due_date_on(self.as_of)

    @property
    def overdue(self) -> bool:
        return is_overdue(due_date=self.due_date, rag=self.rag.value, on=self.as_of)

    @property
    def days_overdue(self) -> int:
        return (self.as_of - self.due_date).days

    @property
    def days_red(self) -> int | None:
        return None if self.red_since is None else (self.as_of - self.red_since).days

    @property
    def updated_on(self) -> date | None:
        return timezone.localdate(self.updated_at) if self.updated_at else None

    @property
    def updated_this_quarter(self) -> bool:
        return self.updated_on is not None and self.updated_on >= self.quarter_start

    @property
    def completed_this_quarter(self) -> bool:
        return self.rag.value == Rag.BLUE and self.previous_rag.value != Rag.BLUE

    @property
    def is_exception(self) -> bool:
        return self.rag.value == Rag.RED or self.overdue

    @property
    def direction(self) -> str | None:
        """Improved, unchanged or deteriorated; None unless rated at both quarter ends."""
        return direction(self.rag.value, self.previous_rag.value)


@dataclass
class RagCounts:
    """How many actions hold each status, in the scale's order (rag.LEVELS)."""

    label: str
    counts: list[int] = field(default_factory=lambda: [0] * len(LEVELS))

    def add(self, rag: RagLevel):
        self.counts[LEVELS.index(rag)] += 1

    @property
    def total(self) -> int:
        return sum(self.counts)

    def bar(self, width: int = 1000) -> list["BarSegment"]:
        """The statuses held, as segments of a stacked bar `width` units long."""
        segments, before = [], 0
        for rag, count in zip(LEVELS, self.counts, strict=True):
            if count:
                x, end = (round(width * n / self.total) for n in (before, before + count))
                segments.append(BarSegment(rag, count, x, end - x))
                before += count
        return segments


@dataclass(frozen=True)
class BarSegment:
    rag: RagLevel
    count: int
    x: int
    width: int

    @property
    def middle(self) -> int:
        return self.x + self.width // 2


@dataclass
class ObjectiveSection:
    objective: Objective
    actions: list[PackAction]
    continued: bool = False  # a later piece of an objective split between parts


@dataclass
class PrioritySection:
    priority: Priority
    objectives: list[ObjectiveSection]
    counts: RagCounts
    continued: bool = False  # a later piece of a priority split between parts


@dataclass
class BoardPackData:
    plan: Plan
    quarter: Quarter
    as_of: date
    previous_as_of: date
    priorities: list[PrioritySection]
    actions: list[PackAction]
    counts: RagCounts
    contains_demo_data: bool
    returns: "RoundReturns | None" = None
    # Each action with quantified measures, with their last four quarters to this one.
    measures: list["PackMeasures"] = field(default_factory=list)

    @property
    def previous_quarter(self) -> Quarter:
        return self.quarter.previous()

    @property
    def quarter_in_progress(self) -> bool:
        return self.as_of < self.quarter.end

    # The lists the pack shows, each worked out once: the templates (and, for a pack laid out
    # in parts, every part's) read them many times.

    def _with_direction(self, direction):
        return [item for item in self.actions if item.direction == direction]

    @cached_property
    def improved(self):
        return self._with_direction(IMPROVED)

    @cached_property
    def deteriorated(self):
        return self._with_direction(DETERIORATED)

    @cached_property
    def unchanged(self):
        return self._with_direction(UNCHANGED)

    @cached_property
    def unchanged_by_rag(self):
        """Unchanged actions grouped by their status: [(level, [action, ...]), ...]."""
        groups = [(r, [i for i in self.unchanged if i.rag == r]) for r in LEVELS]
        return [(rag, items) for rag, items in groups if items]

    @property
    def unchanged_count(self) -> int:
        return len(self.unchanged)

    @cached_property
    def first_rated(self):
        """Rated now but not at the end of the previous quarter: nothing to compare with."""
        return [i for i in self.actions if i.rag.rated and not i.previous_rag.rated]

    @cached_property
    def not_rated(self):
        return [i for i in self.actions if not i.rag.rated]

    @cached_property
    def completed(self):
        return [i for i in self.actions if i.completed_this_quarter]

    @cached_property
    def overdue(self):
        return [i for i in self.actions if i.overdue]

    @cached_property
    def not_updated(self):
        return [i for i in self.actions if not i.updated_this_quarter]

    @cached_property
    def exceptions(self):
        return [i for i in self.actions if i.is_exception]

    @cached_property
    def red(self):
        return [i for i in self.actions if i.rag.value == Rag.RED]

    @cached_property
    def measures_red(self) -> list[tuple[PackAction, Series]]:
        """The measures whose latest value in the pack's four quarters is Red against target:
        exceptions, as Red actions are."""
        return [(m.item, s) for m in self.measures for s in m.series if s.rag == Rag.RED]

    @property
    def measure_count(self) -> int:
        return sum(len(m.series) for m in self.measures)


# Quarters of each quantified measure the pack shows: this one and the three before.
MEASURE_QUARTERS = 4


@dataclass
class PackMeasures:
    """An action's quantified measures, each a series of its last MEASURE_QUARTERS quarters."""

    item: PackAction
    series: list[Series]


# The summary's lists, in the order the pack shows them. "unchanged" (the unchanged actions'
# references, by status, and those first rated or not yet rated) is never split.
SUMMARY_LISTS = ["deteriorated", "improved", "unchanged", "completed", "overdue", "not_updated"]
UNSPLIT = {"unchanged"}


@dataclass
class SummaryBlock:
    """One of the summary's lists (reports/pdf/_summary_<name>.html), or a piece of it where a
    long pack's summary is laid out in parts (reports/parallel.py)."""

    name: str
    items: list[PackAction]
    total: int  # the whole list's length, for its caption
    starts: bool = True  # holds the list's first row, so its heading; else "continued"

    @property
    def template(self) -> str:
        return f"reports/pdf/_summary_{self.name}.html"

    @property
    def splittable(self) -> bool:
        return self.name not in UNSPLIT


def summary_blocks(data: BoardPackData) -> list[SummaryBlock]:
    """The summary's lists, whole."""
    blocks = []
    for name in SUMMARY_LISTS:
        items = getattr(data, name)
        blocks.append(SummaryBlock(name, items, len(items)))
    return blocks


def _with_red_since(actions, day: date):
    """Annotate red_since: when the action's current run of Red updates began, as of `day`.

    The run starts at the first Red update after the latest update that was not Red; for an
    action that is not Red on `day` it is None.
    """
    before = StatusUpdate.objects.filter(action=OuterRef("pk"), created_at__lt=end_of_day(day))
    last_not_red = before.exclude(rag=Rag.RED).order_by("-created_at", "-pk")
    run = before.filter(
        rag=Rag.RED,
        created_at__gt=Coalesce(
            OuterRef("last_not_red_at"), Value(_LONG_AGO, output_field=DateTimeField())
        ),
    ).order_by("created_at", "pk")
    return actions.annotate(
        last_not_red_at=Subquery(last_not_red.values("created_at")[:1])
    ).annotate(red_since=Subquery(run.values("created_at")[:1]))


@dataclass(frozen=True)
class RoundReturns:
    """The summary's count of the quarter's reporting round: returns received, signed off and
    missing, of the actions in its scope."""

    in_scope: int
    received: int
    signed_off: int

    @property
    def missing(self) -> int:
        return self.in_scope - self.received


def _pack_action(action, previous: dict, as_of: date, quarter: Quarter) -> PackAction:
    return PackAction(
        action=action,
        rag=level(action.rag_as_of),
        previous_rag=level(previous.get(action.pk)),
        updated_at=action.update_at_as_of,
        commentary=action.commentary_as_of or "",
        red_since=timezone.localdate(action.red_since) if action.red_since else None,
        as_of=as_of,
        quarter_start=quarter.start,
        round_state=action.round_state,
    )


def _returns_summary(items: list[PackAction]) -> RoundReturns | None:
    in_round = [item.round_state for item in items if item.round_state is not None]
    if not in_round:
        return None
    return RoundReturns(
        in_scope=len(in_round),
        received=sum(1 for state in in_round if state != NO_RETURN),
        signed_off=sum(1 for state in in_round if state == SIGNED_OFF),
    )


def build_pack_data(*, plan: Plan, quarter: Quarter, today: date) -> BoardPackData:
    """Everything a pack shows, in 8 queries whatever the plan's size (and the number of its
    measures and their values).

    Statuses are the quarter's view of each action (ActionQuerySet.with_status_for_quarter,
    the dashboards' rule): as of the quarter's last day, or `today` while the quarter is still
    running; where the quarter has a reporting round, each action in its scope shows its
    return instead (marked if not yet signed off), or "no return": never an earlier status.
    The previous quarter's statuses, for the direction of travel, follow the same rule.
    """
    if quarter.start > today:
        raise ValueError(f"{quarter.label} has not started yet.")
    as_of = min(quarter.end, today)
    previous_as_of = quarter.previous().end
    priorities = list(plan.priorities.order_by("number"))
    objectives = list(Objective.objects.filter(priority__plan=plan).order_by("sort_key"))
    actions = _with_red_since(
        Action.objects.filter(plan=plan).as_of(as_of).for_list().prefetch_related("measures"),
        as_of,
    ).with_status_for_quarter(quarter, as_of=as_of)
    previous = dict(
        Action.objects.filter(plan=plan)
        .with_status_for_quarter(quarter.previous(), as_of=previous_as_of)
        .values_list("pk", "rag_as_of")
    )
    items = [
        _pack_action(action, previous, as_of, quarter) for action in actions.order_by("sort_key")
    ]
    demo = StatusUpdate.objects.filter(
        action__plan=plan, is_demo=True, created_at__lt=end_of_day(as_of)
    ).exists()
    return BoardPackData(
        plan=plan,
        quarter=quarter,
        as_of=as_of,
        previous_as_of=previous_as_of,
        priorities=_sections(priorities, objectives, items),
        actions=items,
        counts=_count("All actions", items),
        contains_demo_data=demo,
        returns=_returns_summary(items),
        measures=_pack_measures(items, quarter),
    )


def _pack_measures(items: list[PackAction], quarter: Quarter) -> list[PackMeasures]:
    """Each action's quantified measures (prefetched with the actions), with their values for
    the last MEASURE_QUARTERS quarters to `quarter`: one query for every measure's values."""
    measures = [m for item in items for m in item.action.measures.all() if m.is_quantified]
    by_measure = {
        series.measure.pk: series
        for series in series_for(measures, last=MEASURE_QUARTERS, up_to=quarter)
    }
    found = []
    for item in items:
        series = [by_measure[m.pk] for m in item.action.measures.all() if m.pk in by_measure]
        if series:
            found.append(PackMeasures(item, series))
    return found


def _count(label: str, items: list[PackAction]) -> RagCounts:
    counts = RagCounts(label)
    for item in items:
        counts.add(item.rag)
    return counts


def _sections(priorities, objectives, items) -> list[PrioritySection]:
    by_objective: dict[int, list[PackAction]] = {}
    for item in items:
        by_objective.setdefault(item.action.objective_id, []).append(item)
    sections = []
    for priority in priorities:
        mine = [o for o in objectives if o.priority_id == priority.pk]
        objective_sections = [ObjectiveSection(o, by_objective.get(o.pk, [])) for o in mine]
        in_priority = [i for section in objective_sections for i in section.actions]
        label = f"Priority {priority.number}: {priority.title}"
        sections.append(PrioritySection(priority, objective_sections, _count(label, in_priority)))
    return sections


def default_quarter(quarters: list[Quarter], *, today: date, plan=None) -> Quarter | None:
    """The quarter the pack form offers first: the plan's reporting quarter, as the dashboards
    open on (dashboards.reporting_quarter); while the plan is current, whose quarter is still
    in progress, the last complete quarter (or the nearest one the plan has)."""
    if not quarters:
        return None
    reporting = reporting_quarter(quarters, today=today, plan=plan)
    if reporting != Quarter.containing(today):
        return reporting
    last_complete = Quarter.containing(today).previous()
    complete = [quarter for quarter in quarters if quarter <= last_complete]
    return complete[-1] if complete else quarters[0]

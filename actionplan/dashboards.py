"""The figures that dashboards and the Board overview show, each counted in the database.

Every count reads the "as of" annotations of ActionQuerySet.for_dashboard(), so a look back at
a past quarter counts statuses as they stood then; a view of a quarter with a reporting round
counts the round's returns (an action in its scope with no return counts as not yet rated, and
under "No return"). Each headline figure carries the filter (query string) that lists exactly
the actions it counts, so a figure always matches its table.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from actionplan.models import (
    Action,
    Measure,
    MeasureValue,
    Plan,
    ReportingRound,
    RoundState,
    StatusUpdate,
    start_of_day,
)
from actionplan.quarters import Quarter, financial_year_quarters
from actionplan.rag import LEVELS, OPEN_VALUES, VALUES, Rag, level

DUE_SOON_DAYS = 30


def overdue_q() -> Q:
    return Q(overdue_as_of=True)


def not_updated_since_q(day: date) -> Q:
    """No update on or after `day` (up to the as-of date), including never updated."""
    return Q(update_at_as_of__lt=start_of_day(day)) | Q(update_at_as_of__isnull=True)


# The round filter's value for an action in no reporting round of the page's quarter.
NOT_IN_ROUND = "not in round"
ROUND_STATES = [*RoundState.values, NOT_IN_ROUND]
RECEIVED = [RoundState.SIGNED_OFF, RoundState.NOT_SIGNED_OFF]


def round_state_q(values) -> Q:
    """Rows whose round_state (for_dashboard()) is one of `values`, NOT_IN_ROUND meaning
    none: no round for the quarter, out of its scope, or not a quarter's view."""
    q = Q(round_state__in=[value for value in values if value != NOT_IN_ROUND])
    if NOT_IN_ROUND in values:
        q |= Q(round_state__isnull=True)
    return q


def due_between_q(first: date, last: date) -> Q:
    """Due (by the date in force on the as-of date) between `first` and `last`: what the
    due_from and due_to filters select together. BETWEEN, so that the due date in force (a
    subquery) is written once."""
    return Q(due_as_of__range=(first, last))


OFF_TARGET = [Rag.RED, Rag.AMBER]


def band_as_of(as_of: date) -> Coalesce:
    """A measure's band against target as of `as_of`, for annotating measures: the band of its
    latest value for a quarter up to the one containing `as_of` (of a quarter's values the
    latest recorded, so a correction wins), "" with none. The rule of the Board pack's measure
    series (measure_charts.series_for): a past quarter shows the values reported for it and
    before, never a later quarter's."""
    latest = MeasureValue.objects.filter(
        measure=OuterRef("pk"), quarter__lte=Quarter.containing(as_of).slug
    ).order_by("-quarter", "-recorded_at", "-pk")
    return Coalesce(Subquery(latest.values("against_target")[:1]), Value(""))


def measures_banded_as_of(as_of: date) -> QuerySet:
    """The outer action's quantified measures, each with its band_as_of(as_of)."""
    measures = Measure.objects.filter(action=OuterRef("pk")).exclude(unit="")
    return measures.annotate(band_as_of=band_as_of(as_of))


def measures_off_target_q(as_of: date) -> Q:
    """Some quantified measure's latest value by `as_of` is Red or Amber against its target."""
    return Q(Exists(measures_banded_as_of(as_of).filter(band_as_of__in=OFF_TARGET)))


def measures_all_on_target_q(as_of: date) -> Q:
    """Every quantified measure's latest value by `as_of` is Green, and there is at least
    one."""
    measures = measures_banded_as_of(as_of)
    return Q(Exists(measures.filter(band_as_of=Rag.GREEN))) & ~Q(
        Exists(measures.exclude(band_as_of=Rag.GREEN))
    )


# What the breakdowns and the figures group by: each action's status, overdue and place in
# the round.
GROUPED_STATUS = ["rag_as_of", "overdue_as_of", "round_state"]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int
    params: dict[str, str | list[str]]  # the dashboard filter that lists these actions
    hint: str = ""
    rag: str | None = None  # set on the per-RAG figures, shown as a RAG tag


def figure_conditions(as_of: date) -> dict[str, Q]:
    """The headline figures' conditions other than the status itself, each grouped by in
    headline_figures()' query: the filter of the same name (actionplan.filters) applies the
    same Q, so a figure always matches its table."""
    soon = (as_of, as_of + timedelta(days=DUE_SOON_DAYS))
    return {
        "due_soon": due_between_q(*soon),
        "not_updated": not_updated_since_q(Quarter.containing(as_of).start),
        "measures_off": measures_off_target_q(as_of),
        "measures_on": measures_all_on_target_q(as_of),
    }


def figure_filters(as_of: date) -> dict[str, tuple[list[str] | None, str | None, dict]]:
    """Each headline figure's statuses (None: any), the grouped column that must be true (a
    key of figure_conditions(), overdue_as_of, or None) and the filter query that shows the
    same rows."""
    soon = (as_of, as_of + timedelta(days=DUE_SOON_DAYS))
    quarter_start = Quarter.containing(as_of).start
    filters = {key: ([key], None, {"rag": key}) for key in VALUES}
    filters["overdue"] = (None, "overdue_as_of", {"overdue": "yes"})
    filters["due_soon"] = (
        OPEN_VALUES,
        "due_soon",
        {"due_from": soon[0].isoformat(), "due_to": soon[1].isoformat(), "rag": OPEN_VALUES},
    )
    filters["not_updated"] = (
        OPEN_VALUES,
        "not_updated",
        {"not_updated_since": quarter_start.isoformat(), "rag": OPEN_VALUES},
    )
    filters["measures_off"] = (None, "measures_off", {"measures": "off"})
    filters["measures_on"] = (None, "measures_on", {"measures": "on"})
    return filters


def figure_counts(actions, *, as_of: date) -> dict[str, int]:
    """How many of `actions` (from for_dashboard(as_of=as_of, ...)) each headline figure
    counts, with the total and the count in each RoundState (by name). One query, which reads
    each action's status, overdue, place in the round and figure_conditions() once, as a row
    of flags; Python counts the rows. An aggregate with a FILTER per figure repeated the
    status's subqueries in each (SQLite flattens the aggregate's subquery) and had Django
    build a condition per figure, and grouping the rows in SQL cost as much again in Django
    compiling the GROUP BY: a 500-action body's figures took 32-38 ms of CPU as an aggregate
    (on a loaded machine, 10,000 actions, SQLite), 25-27 grouped and 20-27 as rows."""
    flags = {
        key: ExpressionWrapper(q, output_field=BooleanField())
        for key, q in figure_conditions(as_of).items()
    }
    columns = [*GROUPED_STATUS, *flags]
    rows = Counter(actions.order_by().annotate(**flags).values_list(*columns))
    filters = figure_filters(as_of)
    counts = dict.fromkeys([*filters, "total", *(state.name for state in RoundState)], 0)
    state_names = {state.value: state.name for state in RoundState}
    for values, number in rows.items():
        row = dict(zip(columns, values, strict=True))
        status = level(row["rag_as_of"]).value  # rag_as_of_q(statuses), in Python
        for key, (statuses, condition, _) in filters.items():
            if (statuses is None or status in statuses) and (not condition or row[condition]):
                counts[key] += number
        if row["round_state"]:
            counts[state_names[row["round_state"]]] += number
        counts["total"] += number
    return counts


def headline_figures(actions, *, as_of: date) -> tuple[int, list[Figure], list[Figure], list]:
    """(total, figures by RAG, deadline, update and measure figures, the reporting round's
    figures) for `actions`, which must come from for_dashboard(as_of=as_of, ...); the round's
    are empty unless the page shows a quarter with a round for some of them. One query
    (figure_counts)."""
    filters = figure_filters(as_of)
    counts = figure_counts(actions, as_of=as_of)
    quarter = Quarter.containing(as_of)

    def params(key):
        return filters[key][2]

    by_rag = [
        Figure(r.value, r.label, counts[r.value], params(r.value), r.definition, rag=r.value)
        for r in LEVELS
    ]
    attention = [
        Figure("overdue", "Overdue", counts["overdue"], params("overdue"),
               "Past the due date and not complete"),
        Figure("due_soon", f"Due in the next {DUE_SOON_DAYS} days", counts["due_soon"],
               params("due_soon"), "Not yet complete"),
        Figure("not_updated", f"Not updated in Q{quarter.number} {quarter.financial_year}",
               counts["not_updated"], params("not_updated"),
               f"No update since {quarter.start:%-d %B %Y}; not complete"),
        Figure("completed", "Completed", counts[Rag.BLUE.value], params(Rag.BLUE.value),
               "Rated Blue"),
        Figure("measures_off", "Measures off target", counts["measures_off"],
               params("measures_off"),
               "A measure's latest value is Red or Amber against target"),
        Figure("measures_on", "All measures on target", counts["measures_on"],
               params("measures_on"), "Every quantified measure's latest value is Green"),
    ]  # fmt: skip
    return counts["total"], by_rag, attention, return_figures(counts, quarter)


def return_figures(counts: dict, quarter: Quarter) -> list[Figure]:
    """The reporting round's figures from headline_figures' counts: none without a round."""
    signed, unsigned, missing = (counts[state.name] for state in RoundState)
    in_round = signed + unsigned + missing
    if not in_round:
        return []
    received = signed + unsigned
    name = f"the Q{quarter.number} {quarter.financial_year} reporting round"
    return [
        Figure("received", "Returns received", received, {"round": RECEIVED},
               f"Of {in_round} action{'s' if in_round != 1 else ''} in {name}"),
        Figure("signed_off", "Signed off", signed, {"round": RoundState.SIGNED_OFF},
               "Returns the chair has signed off"),
        Figure("not_signed_off", "Not signed off", unsigned,
               {"round": RoundState.NOT_SIGNED_OFF},
               "Returns awaiting the chair, or returned to the owner"),
        Figure("no_return", "No return", missing, {"round": RoundState.NO_RETURN},
               "In the round, no return: shown with no status, never an earlier one"),
    ]  # fmt: skip


@dataclass
class Breakdown:
    """RAG counts for one row of the overview (a priority or a body)."""

    label: str
    obj: object = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VALUES, 0))
    overdue: int = 0
    scale: int = 0  # the chart's full width in actions: the largest row's total
    # In the reporting round of the page's quarter: how many hold each RoundState.
    returns: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RoundState.values, 0))

    @property
    def no_return(self) -> int:
        return self.returns[RoundState.NO_RETURN]

    @property
    def not_signed_off(self) -> int:
        return self.returns[RoundState.NOT_SIGNED_OFF]

    @property
    def in_round(self) -> int:
        return sum(self.returns.values())

    def add(self, row: dict) -> None:
        """Count a row of a grouped query (rag_as_of, overdue_as_of, round_state, actions)."""
        self.counts[level(row["rag_as_of"]).value] += row["actions"]
        if row["overdue_as_of"]:
            self.overdue += row["actions"]
        if row["round_state"]:
            self.returns[row["round_state"]] += row["actions"]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def segments(self) -> list[dict]:
        """Each RAG's label, count and width in the bar chart, where the largest row fills
        the width, so that bars compare sizes as well as shares."""
        scale = max(self.scale, self.total, 1)
        return [
            {
                "key": r.value,
                "label": r.label,
                "count": self.counts[r.value],
                "percent": round(100 * self.counts[r.value] / scale, 2),
            }
            for r in LEVELS
        ]


def rag_breakdown(actions, priorities, bodies) -> tuple[list[Breakdown], list[Breakdown]]:
    """RAG counts per priority and per accountable body, from one grouped query over
    `actions` (which must come from for_dashboard()). Every priority and body gets a row,
    even one with no actions."""
    priorities = list(priorities)
    several_plans = len({priority.plan_id for priority in priorities}) > 1
    by_priority = {p.pk: Breakdown(_priority_label(p, several_plans), p) for p in priorities}
    by_body = {b.pk: Breakdown(b.name, b) for b in bodies}
    # Grouped by the as-of status itself, so that the database works out each action's status
    # once (a count per status, each with its own FILTER, repeated the correlated subquery six
    # times a row: two thirds of the overview's time at 10,000 actions).
    rows = (
        actions.order_by()
        .values("objective__priority_id", "accountable_body_id", *GROUPED_STATUS)
        .annotate(actions=Count("pk"))
    )
    for row in rows:
        for breakdown in (
            by_priority.get(row["objective__priority_id"]),
            by_body.get(row["accountable_body_id"]),
        ):
            if breakdown is not None:
                breakdown.add(row)
    return _scaled(by_priority.values()), _scaled(by_body.values())


def _priority_label(priority, several_plans: bool) -> str:
    """Reads priority.plan when there are several plans: select_related it."""
    if several_plans:
        return f"{priority.plan.title}, {priority}"
    return str(priority)


def _scaled(breakdowns) -> list[Breakdown]:
    breakdowns = list(breakdowns)
    scale = max((breakdown.total for breakdown in breakdowns), default=0)
    for breakdown in breakdowns:
        breakdown.scale = scale
    return breakdowns


def status_counts(actions, label: str = "All actions") -> Breakdown:
    """RAG and overdue counts of `actions` (from for_dashboard()): one grouped query."""
    counted = Breakdown(label)
    for row in actions.order_by().values(*GROUPED_STATUS).annotate(actions=Count("pk")):
        counted.add(row)
    return counted


@dataclass(frozen=True)
class Change:
    """A headline figure now and at the end of the previous quarter."""

    key: str
    label: str
    count: int
    before: int
    rag: str | None = None

    @property
    def difference(self) -> int:
        return self.count - self.before


def changes(now: Breakdown, before: Breakdown) -> list[Change]:
    """The Board overview's headline: each RAG status, then overdue, with the change."""
    figures = [Change(r.value, r.label, now.counts[r.value], before.counts[r.value], r.value)
               for r in LEVELS]  # fmt: skip
    return [*figures, Change("overdue", "Overdue", now.overdue, before.overdue)]


def totals(breakdowns: list[Breakdown]) -> Breakdown:
    total = Breakdown("All actions")
    for breakdown in breakdowns:
        total.overdue += breakdown.overdue
        for key in VALUES:
            total.counts[key] += breakdown.counts[key]
        for state in RoundState.values:
            total.returns[state] += breakdown.returns[state]
    return total


def plan_quarters(*, today: date, plan: Plan | None = None) -> list[Quarter]:
    """The quarters that `plan` (without one, every plan together) can be looked back to or
    reported on: its period, quarters.financial_year_quarters of its actions' start and due
    dates, from its first status update if that came earlier (an imported plan's statuses,
    dated before its first due date). Updates made after the period (a plan's owners still
    writing years later, or demo data made today) do not stretch it: a 2015-18 plan offers its
    twelve-odd quarters, not every quarter to today. One query."""
    actions, updates = Action.objects.all(), StatusUpdate.objects.all()
    if plan is not None:
        actions, updates = actions.filter(plan=plan), updates.filter(action__plan=plan)
    # Each end read from an index, in subqueries hung off a single action row: an aggregate
    # over every action (and a join to every update) cost 7 ms a page at 10,000 actions.
    ends = {
        "first_start": _end(actions, "start_date"),
        "first_due": _end(actions, "due_date"),
        "last_due": _end(actions, "-due_date"),
        "first_update": _end(updates, "created_at"),
    }
    row = next(iter(actions.order_by().annotate(**ends).values_list(*ends)[:1]), [])
    days, first_update = _days(row[:3]), _days(row[3:])
    if first_update and (not days or first_update[0] < min(days)):
        days.append(first_update[0])  # earlier only: an update never stretches the end
    return financial_year_quarters(days, today=today)


def reporting_quarter(quarters: list[Quarter], *, today: date, plan: Plan | None = None) -> Quarter:
    """The quarter being reported on, which pages open on and My actions asks updates for.
    The one place this is decided, in order: the quarter of an open reporting round (the
    latest, if several; within the plan's period); else today's while the plan is current
    (or has no quarters), or still reported on (an update this quarter); once its period is
    over, the latest quarter of the period with a status update, else the period's last.
    `quarters` is plan_quarters()'s list for `plan` (None: every plan together). One query
    for the rounds, and one more for a plan whose period is over."""
    this_quarter = Quarter.containing(today)
    rounds = ReportingRound.objects.open()
    if plan is not None:
        rounds = rounds.filter(plan=plan)
    for slug in rounds.order_by("-quarter").values_list("quarter", flat=True)[:1]:
        in_round = Quarter.parse(slug)
        if not quarters or in_round in quarters:
            return in_round
    if not quarters or quarters[-1] >= this_quarter:
        return this_quarter
    latest, in_period = _latest_updates(plan, before=start_of_day(quarters[-1].next().start))
    if latest and timezone.localdate(latest) >= this_quarter.start:
        return this_quarter
    if in_period:
        return max(Quarter.containing(timezone.localdate(in_period)), quarters[0])
    return quarters[-1]


def _latest_updates(plan: Plan | None, *, before: datetime) -> tuple:
    """(the latest update's time, the latest before `before`) of `plan`'s actions (None: every
    plan's), each None if there is none. One query: each a seek at the end of the index on
    created_at, in subqueries hung off a single action row, as plan_quarters() reads its ends.
    An aggregate (MAX, and MAX ... FILTER) read every update: 7 ms on SQLite and 23-33 ms on
    PostgreSQL under load at 10,000 actions, on every dashboard of a plan whose period is over
    (bench/README.md, "Web pages")."""
    actions, updates = Action.objects.all(), StatusUpdate.objects.all()
    if plan is not None:
        actions, updates = actions.filter(plan=plan), updates.filter(action__plan=plan)
    ends = {
        "latest": _end(updates, "-created_at"),
        "in_period": _end(updates.filter(created_at__lt=before), "-created_at"),
    }
    row = actions.order_by().annotate(**ends).values_list(*ends)[:1]
    return next(iter(row), (None, None))


def current_reporting_quarter(*, today: date, plan: Plan | None = None) -> Quarter:
    """reporting_quarter() for pages that have no quarter list of their own (My actions, the
    action page, business support's start page)."""
    return reporting_quarter(plan_quarters(today=today, plan=plan), today=today, plan=plan)


def _end(rows: QuerySet, order: str) -> Subquery:
    """The first value of a field in that order (a leading "-": the last), NULLs aside."""
    field = order.removeprefix("-")
    values = rows.filter(**{f"{field}__isnull": False}).order_by(order)
    return Subquery(values.values(field)[:1])


def _days(values) -> list[date]:
    """The dates among `values`, a moment as its local date."""
    return [timezone.localdate(v) if isinstance(v, datetime) else v for v in values if v]

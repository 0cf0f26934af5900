"""The RAG scale: the one home of its rules, for the app, the exports and the Board pack.

- The levels, in the legend's order (Blue, Green, Amber, Red, then not yet rated), with their
  words and definitions: `LEVELS`.
- "Not yet rated" is `NOT_RATED` ("none") wherever a status is named: in the dashboards'
  `?rag=none`, in CSS classes (`tag--none`), in breakdowns and in the pack. The database holds
  it as "" (Action.current_rag) or NULL (an "as of" status): `level()` and `rag_as_of_q()`
  translate.
- The order from worst to best (Red, Amber, Green, Blue) for sorting and the direction of
  travel: `WORST_FIRST`, `rank()`, `rank_expression()`.
- Overdue: past its due date and not complete (not Blue), in Python (`is_overdue`) and in SQL
  (`overdue_expression`), side by side so that they cannot drift apart (a test holds them equal).
  The due date is the one in force on the day: a revised one if a chair or business support
  revised it by then (Action.due_date_on, ActionQuerySet.with_due_date_as_of), else the plan's.
- The markup: one partial per tag (actionplan/_rag_tag.html, actionplan/_overdue_tag.html),
  used by app and PDF templates alike; `tag_html()` renders the RAG tag once per level for
  lists that show one per row, `round_status_html()` the same with a quarter's reporting round
  state in words beside it ("Green — not signed off", "No return").
- The colours: custom properties in static/css/rag.css, which the app's and the pack's
  stylesheets both load; `colours()` reads them for the pack's SVG chart.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db import models
from django.db.models import BooleanField, Case, DateField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


class Rag(models.TextChoices):
    """The RAG scale. The label always carries the word, so colour is never the only cue."""

    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


NOT_RATED = "none"

DEFINITIONS = {
    Rag.BLUE: "Complete",
    Rag.GREEN: "On track",
    Rag.AMBER: "At risk of slipping, or some concern",
    Rag.RED: "Off track, or significant concern",
    NOT_RATED: "No status update has been made yet",
}
NOT_RATED_LABEL = "Not yet rated"

OVERDUE_DEFINITION = (
    "Past its due date (as revised, if it was) and not complete (not Blue), whatever its status"
)

CSS_FILE = Path(__file__).resolve().parent / "static" / "css" / "rag.css"
_CSS_COLOUR = re.compile(r"--(?P<name>[a-z-]+):\s*(?P<value>#[0-9a-fA-F]{3,8})\s*;")


@cache
def colours() -> dict[str, str]:
    """rag.css's colours by custom property name ("rag-blue": "#1d4f91"). For the pack's chart:
    WeasyPrint draws inline SVG from its attributes alone, applying no stylesheet to it."""
    return {match["name"]: match["value"] for match in _CSS_COLOUR.finditer(CSS_FILE.read_text())}


@dataclass(frozen=True)
class RagLevel:
    """One status as people see it: always a word, with a colour only as a second cue."""

    value: str  # a Rag value, or NOT_RATED
    label: str
    definition: str

    @property
    def rated(self) -> bool:
        return self.value != NOT_RATED

    @property
    def fill(self) -> str:
        return colours()[f"rag-{self.value}"]

    @property
    def ink(self) -> str:
        """The colour of text on the fill."""
        return colours()[f"rag-{self.value}-text"]


LEVELS = [RagLevel(rag.value, rag.label, DEFINITIONS[rag]) for rag in Rag] + [
    RagLevel(NOT_RATED, NOT_RATED_LABEL, DEFINITIONS[NOT_RATED])
]
VALUES = [level.value for level in LEVELS]
OPEN_VALUES = [value for value in VALUES if value != Rag.BLUE]  # not complete
_LEVEL_BY_VALUE = {level.value: level for level in LEVELS}


def level(value: str | None) -> RagLevel:
    """The level of a stored status: "" (current_rag) and None (an "as of" status) are
    not yet rated."""
    return _LEVEL_BY_VALUE[value or NOT_RATED]


def rag_as_of_q(values) -> Q:
    """Rows whose "as of" status is one of `values`, NOT_RATED meaning no update yet. Needs
    ActionQuerySet.with_status_as_of()'s annotations. Spelt out without negation, because
    NULL != 'blue' is not true in SQL."""
    q = Q(rag_as_of__in=[value for value in values if value != NOT_RATED])
    if NOT_RATED in values:
        q |= Q(rag_as_of__isnull=True)
    return q


# Worst to best: the order of sorting by status (not yet rated after Blue) and of the
# direction of travel.
WORST_FIRST = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.BLUE]


def rank(value: str | None) -> int:
    """0 for Red up to 3 for Blue; 4 for not yet rated."""
    return WORST_FIRST.index(value) if value in WORST_FIRST else len(WORST_FIRST)


IMPROVED, UNCHANGED, DETERIORATED = "improved", "unchanged", "deteriorated"


def direction(now: str | None, before: str | None) -> str | None:
    """The direction of travel from `before` to `now`: improved, unchanged or deteriorated;
    None unless both are rated."""
    if now not in WORST_FIRST or before not in WORST_FIRST:
        return None
    change = rank(now) - rank(before)
    return IMPROVED if change > 0 else DETERIORATED if change < 0 else UNCHANGED


def rank_expression(field: str) -> Case:
    """rank() in SQL, of the status in `field`."""
    return Case(
        *[When(**{field: rag}, then=Value(rank(rag))) for rag in WORST_FIRST],
        default=Value(rank(None)),
        output_field=IntegerField(),
    )


def is_overdue(*, due_date: date | None, rag: str | None, on: date) -> bool:
    """Overdue on `on`: due before that day and not complete (Blue). Not yet rated is not
    complete. An action with no due date (an imported "Ongoing") is never overdue. `due_date`
    is the date in force on `on` (Action.due_date_on)."""
    return due_date is not None and due_date < on and rag != Rag.BLUE


def overdue_expression(*, on: date, rag_field: str, due_field: str = "due_date") -> Case:
    """is_overdue() in SQL, for an annotation, with the status in `rag_field` (NULL, not yet
    rated, is not Blue) and the due date in force in `due_field`. No due date counts as due
    on `on` (not overdue), so that the due date is written once in the SQL: the dashboards'
    due date in force is itself a subquery."""
    due = Coalesce(F(due_field), Value(on), output_field=DateField())
    return Case(
        When(GreaterThanOrEqual(due, on), then=Value(False)),
        When(**{rag_field: Rag.BLUE}, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )


@cache
def tag_html(value: str | None) -> SafeString:
    """The RAG tag (actionplan/_rag_tag.html) of a stored status, rendered once per level:
    tables, lists and the pack show one per row. (A change to the partial shows after a
    restart.)"""
    return mark_safe(render_to_string("actionplan/_rag_tag.html", {"rag": level(value)}).strip())


@cache
def round_status_html(value: str | None, round_state: str | None) -> SafeString:
    """An action's status in a quarter's view (actionplan/_round_status.html): its RAG tag,
    and where the quarter's reporting round holds it (round_state, a RoundState value) its
    return in words, "Green — not signed off", or "No return". Rendered once per pair."""
    if round_state is None:
        return tag_html(value)
    context = {"rag": level(value), "state": round_state}
    return mark_safe(render_to_string("actionplan/_round_status.html", context).strip())


@cache
def overdue_tag_html() -> SafeString:
    """The overdue tag (actionplan/_overdue_tag.html), rendered once."""
    return mark_safe(render_to_string("actionplan/_overdue_tag.html").strip())

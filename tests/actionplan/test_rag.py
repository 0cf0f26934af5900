"""The RAG scale's rules (actionplan/rag.py): each written once, and its Python and SQL forms
agreeing."""

import itertools
import re
from datetime import UTC, date, datetime

import pytest

from actionplan.models import Action, StatusUpdate
from actionplan.rag import (
    CSS_FILE,
    DETERIORATED,
    IMPROVED,
    LEVELS,
    NOT_RATED,
    UNCHANGED,
    WORST_FIRST,
    Rag,
    colours,
    direction,
    is_overdue,
    level,
    rank,
    rank_expression,
    tag_html,
)
from tests.conftest import make_action, make_user

DAY = date(2015, 12, 31)
STATUSES = [*Rag, None]  # None: no update yet


def _with_status(action, rag):
    if rag is not None:
        StatusUpdate.objects.create(
            action=action,
            rag=rag,
            commentary="Status.",
            author=make_user(),
            version=1,
            created_at=datetime(2015, 12, 1, 10, tzinfo=UTC),
        )
    return action


@pytest.mark.django_db
def test_overdue_in_sql_agrees_with_overdue_in_python():
    """Due the day before, on and after the day, in every status and none."""
    due_dates = [date(2015, 12, 30), DAY, date(2016, 1, 1)]
    expected = {}
    for due_date, rag in itertools.product(due_dates, STATUSES):
        action = _with_status(make_action(due_date=due_date), rag)
        expected[action.pk] = is_overdue(due_date=due_date, rag=rag, on=DAY)
    rows = Action.objects.filter(pk__in=expected).for_dashboard(as_of=DAY)
    overdue = dict(rows.values_list("pk", "overdue_as_of"))
    assert len(expected) == 15
    assert overdue == expected
    # Due before the day and not Blue: the rule, spelt out for the three due dates.
    assert sorted(expected.values()) == [False] * 11 + [True] * 4


def test_overdue_means_due_before_the_day_and_not_blue():
    assert is_overdue(due_date=date(2015, 12, 30), rag=Rag.GREEN, on=DAY)
    assert is_overdue(due_date=date(2015, 12, 30), rag="", on=DAY)  # not yet rated
    assert not is_overdue(due_date=date(2015, 12, 30), rag=Rag.BLUE, on=DAY)
    assert not is_overdue(due_date=DAY, rag=Rag.RED, on=DAY)  # due today: not yet


@pytest.mark.django_db
def test_sorting_by_status_in_sql_follows_the_rank():
    actions = {_with_status(make_action(), rag).pk: rag for rag in STATUSES}
    ordered = (
        Action.objects.filter(pk__in=actions)
        .with_status_as_of(DAY)
        .annotate(rank=rank_expression("rag_as_of"))
        .order_by("rank")
        .values_list("pk", "rank")
    )
    assert [(actions[pk], value) for pk, value in ordered] == [
        (Rag.RED, 0),
        (Rag.AMBER, 1),
        (Rag.GREEN, 2),
        (Rag.BLUE, 3),
        (None, 4),
    ]
    assert [rank(rag) for rag in WORST_FIRST] == [0, 1, 2, 3]


def test_not_yet_rated_is_one_value_however_it_is_stored():
    assert level(None) is level("") is level(NOT_RATED)
    assert level(None).label == "Not yet rated" and not level(None).rated
    assert tag_html(None) == tag_html("") == tag_html(NOT_RATED)
    assert 'class="tag tag--none"' in tag_html(None)


def test_every_tag_carries_its_word_and_definition():
    assert [level.value for level in LEVELS] == ["blue", "green", "amber", "red", "none"]
    for rag in LEVELS:
        assert tag_html(rag.value) == (
            f'<strong class="tag tag--{rag.value}" title="{rag.definition}">{rag.label}</strong>'
        )


def test_chart_colours_are_read_from_the_one_stylesheet():
    css = CSS_FILE.read_text()
    for rag in LEVELS:
        assert re.search(rf"--rag-{rag.value}: {re.escape(rag.fill)};", css)
        assert re.search(rf"--rag-{rag.value}-text: {re.escape(rag.ink)};", css)
        assert f".tag--{rag.value}" in css
    assert colours()["rag-blue"] == "#1d4f91"


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        (Rag.GREEN, Rag.AMBER, IMPROVED),
        (Rag.BLUE, Rag.RED, IMPROVED),
        (Rag.AMBER, Rag.GREEN, DETERIORATED),
        (Rag.RED, Rag.RED, UNCHANGED),
        (Rag.GREEN, None, None),
        (Rag.GREEN, NOT_RATED, None),
        (NOT_RATED, Rag.GREEN, None),
    ],
)
def test_direction_of_travel_needs_both_statuses_rated(now, before, expected):
    assert direction(now, before) == expected

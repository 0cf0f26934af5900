"""The Board overview: counts by priority and body, the overdue actions and the chart."""

from datetime import date

import pytest
from django.urls import reverse

from actionplan.dashboards import Breakdown
from actionplan.models import (
    AccountableBody,
    Action,
)
from tests.actionplan.conftest import AS_OF, TODAY, big_body, query_count, refs
from tests.conftest import make_action

pytestmark = pytest.mark.django_db


def test_overview_counts_by_priority_and_body_as_of_the_date(viewer, sample):
    response = viewer.get(reverse("actionplan:overview") + f"?as_of={AS_OF}")
    by_priority = {row.label: row for row in response.context["by_priority"]}
    prevent = by_priority["Test plan, Priority 1: Prevent"]  # two plans: each label says which
    assert prevent.counts == {"blue": 1, "green": 0, "amber": 1, "red": 1, "none": 1}
    assert (prevent.total, prevent.overdue) == (4, 1)
    protect = by_priority["Test plan, Priority 2: Protect"]
    # 2.1.2 (another body, never updated) counts under its priority too.
    assert protect.counts == {"blue": 0, "green": 1, "amber": 0, "red": 0, "none": 1}
    by_body = {row.label: row for row in response.context["by_body"]}
    assert by_body["Test Sub-group"].counts == {
        "blue": 1,
        "green": 1,
        "amber": 1,
        "red": 1,
        "none": 1,
    }
    assert by_body["Test Sub-group"].overdue == 2


def test_overview_lists_overdue_actions_and_links_every_dashboard(viewer, sample, wscb_plan):
    plan = sample.body.actions.first().plan_id
    response = viewer.get(reverse("actionplan:overview") + f"?as_of={AS_OF}")
    html = response.content.decode()
    overdue = [a.reference for a in response.context["overdue_table"].data if a.plan_id == plan]
    assert overdue == ["1.1.1", "2.1.1", "2.1.2"]  # 2.1.2: due 30/11/2015, never rated
    bodies = AccountableBody.objects.all()
    assert {sample.body, sample.other_body} < set(bodies)  # and the WSCB plan's
    for body in bodies:
        assert f'href="/bodies/{body.pk}/?as_of={AS_OF}"' in html
    assert "Blue 1" in html  # the chart's text key: words and numbers, not colour alone


def test_overview_pages_its_overdue_actions_and_says_how_many(viewer, time_machine):
    time_machine.move_to(TODAY, tick=False)
    first = make_action(due_date=date(2015, 11, 30))
    for _ in range(59):
        make_action(objective=first.objective, due_date=date(2015, 11, 30))
    overdue = Action.objects.for_dashboard(as_of=date(2015, 12, 31)).filter(overdue_as_of=True)
    url = reverse("actionplan:overview") + f"?as_of={AS_OF}"
    page_1 = viewer.get(url)
    assert (
        f"{overdue.count()} actions past the due date and not complete." in page_1.content.decode()
    )
    assert len(refs(page_1)) == 50
    assert f"?as_of={AS_OF}&amp;page=2" in page_1.content.decode()
    page_2 = viewer.get(f"{url}&page=2")
    assert len(refs(page_1)) + len(refs(page_2)) == overdue.count()


def test_chart_bars_scale_to_the_largest_row_so_sizes_compare(viewer, sample):
    big = Breakdown("Big", counts={"blue": 2, "green": 6, "amber": 0, "red": 2, "none": 0})
    small = Breakdown("Small", counts={"blue": 0, "green": 0, "amber": 0, "red": 1, "none": 0})
    big.scale = small.scale = 10
    assert [s["percent"] for s in big.segments()] == [20, 60, 0, 20, 0]
    assert [s["percent"] for s in small.segments()] == [0, 0, 0, 10, 0]
    rows = viewer.get(reverse("actionplan:overview")).context["by_body"]
    assert {row.scale for row in rows} == {max(row.total for row in rows)}


def test_overview_query_count_is_fixed(counting_client, django_assert_num_queries):
    big_body(3)
    url = reverse("actionplan:overview") + f"?as_of={AS_OF}"
    before = query_count(counting_client, url)
    big_body(35)
    assert query_count(counting_client, url) == before
    # session, user, the second factor (accounts.middleware), the quarter picker's date range, open
    # reporting rounds (the reporting quarter), priorities (+plan), bodies, the RAG breakdown (one
    # grouped aggregate, which counts the overdue actions too), the same counts at the end of the
    # previous quarter (the headline's change), a page of the overdue actions (joined, status in
    # subqueries), their owners (+agency), the people holding those roles, their measures' bands,
    # the quarter's round returns (one aggregate), the nav's "chairs a body?" and the user's groups
    with django_assert_num_queries(16):
        counting_client.get(url)

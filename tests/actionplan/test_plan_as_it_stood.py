"""The plan as it stood (issue 17): a view of a date leaves out actions added after it, at the
quarter boundaries too; existing actions take the plan's start, or their first update."""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.urls import reverse

from actionplan.models import Action, Plan, Priority, Rag
from actionplan.quarters import Quarter
from actionplan.rounds import round_open
from actionplan.services import status_update_create
from reports.packs import build_pack_data
from tests.conftest import make_action, make_body, make_plan, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def plan(time_machine):
    """A priority of three actions: one there from the start, one added on 31 December 2015
    (the last day of Q3 2015/16) and one on 1 January 2016 (the first of Q4)."""
    time_machine.move_to(datetime(2016, 2, 1, 12, tzinfo=LONDON), tick=False)
    Plan.objects.all().delete()
    plan = make_plan(period="2015-18")
    body = make_body(name="Test Sub-group")
    for ref, added in [("1.1", None), ("1.2", date(2015, 12, 31)), ("1.3", date(2016, 1, 1))]:
        make_action(
            plan=plan, reference=ref, added_on=added, accountable_body=body,
            due_date=date(2017, 3, 31),
        )  # fmt: skip
    return plan


def test_as_of_leaves_out_actions_added_after_the_day(plan):
    def refs(day):
        return sorted(Action.objects.as_of(day).values_list("reference", flat=True))

    assert refs(date(2015, 12, 30)) == ["1.1"]
    assert refs(date(2015, 12, 31)) == ["1.1", "1.2"]  # the day it was added counts
    assert refs(date(2016, 1, 1)) == ["1.1", "1.2", "1.3"]


@pytest.mark.parametrize(("quarter", "count"), [("2015-Q2", 1), ("2015-Q3", 2), ("2015-Q4", 3)])
def test_the_overview_of_a_quarter_counts_the_plan_as_it_stood(client, plan, quarter, count):
    client.force_login(make_user())
    response = client.get(reverse("actionplan:overview"), {"quarter": quarter})
    priority = Priority.objects.get(plan=plan)
    row = next(row for row in response.context["by_priority"] if row.obj == priority)
    assert row.total == count
    assert response.context["total"].total == count


def test_the_dashboard_and_its_export_leave_out_later_actions(client, plan):
    client.force_login(make_user())
    body = Action.objects.get(reference="1.1").accountable_body
    url = reverse("actionplan:body-dashboard", args=[body.pk])
    assert client.get(url, {"quarter": "2015-Q3"}).context["table"].paginator.count == 2
    assert client.get(url, {"as_of": "2016-01-01"}).context["table"].paginator.count == 3
    export = reverse("actionplan:body-export", args=[body.pk, "csv"])
    rows = client.get(export, {"quarter": "2015-Q3"}).content.decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 2


def test_the_board_pack_shows_the_plan_as_it_stood_at_the_quarters_end(plan):
    refs = {
        quarter: [item.action.reference for item in build_pack_data(
            plan=plan, quarter=Quarter.parse(quarter), today=date(2016, 2, 1)
        ).actions]
        for quarter in ("2015-Q3", "2015-Q4")
    }  # fmt: skip
    assert refs == {"2015-Q3": ["1.1", "1.2"], "2015-Q4": ["1.1", "1.2", "1.3"]}


def test_a_round_for_a_quarter_asks_only_for_the_actions_of_the_plan_then(plan):
    reporting_round = round_open(plan=plan, quarter=Quarter(2015, 3), opened_by=make_user())
    scope = reporting_round.round_actions.values_list("action__reference", flat=True)
    assert sorted(scope) == ["1.1", "1.2"]


def test_the_action_page_says_when_it_joined_the_plan(client, plan):
    client.force_login(make_user())
    later = Action.objects.get(reference="1.3")
    html = client.get(later.get_absolute_url()).content.decode()
    assert "<dt>Added to the plan</dt><dd>1 January 2016</dd>" in html
    html = client.get(Action.objects.get(reference="1.1").get_absolute_url()).content.decode()
    assert "<dt>Added to the plan</dt><dd>At its start</dd>" in html


def test_a_new_action_in_the_admin_is_added_today(admin_client, plan):
    form = admin_client.get(reverse("admin:actionplan_action_add")).context["adminform"].form
    assert form.initial["added_on"] == date(2016, 2, 1)


def test_existing_actions_take_the_plans_start_or_their_first_update_if_earlier(plan):
    migration = importlib.import_module("actionplan.migrations.0008_action_added_on")
    early, late = Action.objects.get(reference="1.2"), Action.objects.get(reference="1.3")
    Action.objects.update(added_on=None)
    author = make_user()
    for action, when in [(early, datetime(2015, 3, 31, 23, 30, tzinfo=LONDON)),
                         (late, datetime(2015, 6, 1, 9, tzinfo=LONDON))]:  # fmt: skip
        status_update_create(
            action=action, author=author, rag=Rag.GREEN, commentary="Started.",
            expected_version=0, created_at=when,
        )  # fmt: skip
    migration.fill_added_on(apps, None)
    added = dict(Action.objects.values_list("reference", "added_on"))
    # The plan (2015-18) starts on 1 April 2015; 1.2's first update came the evening before.
    assert added == {"1.1": date(2015, 4, 1), "1.2": date(2015, 3, 31), "1.3": date(2015, 4, 1)}
    assert migration.plan_start("Not a year") is None

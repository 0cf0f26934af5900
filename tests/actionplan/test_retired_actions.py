"""A retired action (issue 15) is kept with its history and shown as retired; nobody is asked
to update it, and views of the day it was retired or later leave it out: dashboards, the
overview, Board packs and new rounds."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.permissions import can_update_action
from actionplan.exports import COLUMNS
from actionplan.models import Action, Plan, Priority
from actionplan.plan_edits import action_retire
from actionplan.quarters import Quarter
from actionplan.rounds import round_action_add, round_open
from reports.packs import build_pack_data
from tests.conftest import PERSONAS, make_action, make_body, make_plan, make_role, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def plan(time_machine):
    """Three actions owned by one person: 1.2 retired on 1 January 2016 (the first day of
    Q4 2015/16), 1.3 on 31 December 2015 (the last of Q3)."""
    time_machine.move_to(datetime(2016, 2, 1, 12, tzinfo=LONDON), tick=False)
    Plan.objects.all().delete()
    plan, body, role = make_plan(period="2015-18"), make_body(name="Test Sub-group"), make_role()
    support = make_user(username="sam")
    for ref in ("1.1", "1.2", "1.3"):
        make_action(plan=plan, reference=ref, accountable_body=body, owners=[role],
                    due_date=date(2015, 11, 30))  # fmt: skip
    for ref, day in [("1.2", date(2016, 1, 1)), ("1.3", date(2015, 12, 31))]:
        action = Action.objects.get(reference=ref)
        action_retire(action=action, on=day, reason="Merged into 1.1", by=support)
    owner = make_user(username="owner-of-three")
    owner.roles.add(role)
    return plan


def refs(actions) -> list[str]:
    return sorted(action.reference for action in actions)


def test_the_update_form_refuses_a_retired_action_with_the_reason(client, plan):
    owner = make_user(username="lead")
    owner.roles.add(Action.objects.get(reference="1.2").owner_links.get().role)
    client.force_login(owner)
    retired = Action.objects.get(reference="1.2")

    response = client.get(reverse("actionplan:action-update", args=[retired.pk]))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Action 1.2 was retired on 1 January 2016" in html and 'name="commentary"' not in html
    page = client.get(retired.get_absolute_url()).content.decode()
    assert "Retired on 1 Jan 2016: Merged into 1.1" in page
    assert reverse("actionplan:action-update", args=[retired.pk]) not in page


@pytest.mark.parametrize("who", [p for p in PERSONAS if p != "anonymous"])
def test_nobody_may_update_a_retired_action_and_the_filter_agrees(persona, wscb_plan, who):
    user = persona(who)
    retired = wscb_plan.actions.get(reference="2.1.1")  # the personas' action
    action_retire(action=retired, on=date(2016, 1, 1), reason="Merged", by=None)
    actions = list(Action.objects.for_list())
    assert not can_update_action(user, retired)
    in_scope = set(Action.objects.updatable_by(user).values_list("pk", flat=True))
    assert in_scope == {action.pk for action in actions if can_update_action(user, action)}
    assert retired.pk not in in_scope


def test_my_actions_leave_out_retired_ones(client, plan):
    client.force_login(User.objects.get(username="owner-of-three"))
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "Action 1.1" in html
    assert "Action 1.2" not in html and "Action 1.3" not in html


@pytest.mark.parametrize(
    ("quarter", "expected"), [("2015-Q3", ["1.1", "1.2"]), ("2015-Q4", ["1.1"])]
)
def test_the_overview_and_dashboard_leave_them_out_from_the_day(client, plan, quarter, expected):
    client.force_login(make_user())
    overview = client.get(reverse("actionplan:overview"), {"quarter": quarter})
    row = next(r for r in overview.context["by_priority"] if r.obj == Priority.objects.get())
    assert row.total == len(expected)
    body = Action.objects.get(reference="1.1").accountable_body
    dashboard = client.get(
        reverse("actionplan:body-dashboard", args=[body.pk]), {"quarter": quarter}
    )
    assert refs(dashboard.context["table"].data) == expected


def test_the_board_pack_leaves_them_out_from_the_day(plan):
    packs = {
        quarter: refs(item.action for item in build_pack_data(
            plan=plan, quarter=Quarter.parse(quarter), today=date(2016, 2, 1)
        ).actions)
        for quarter in ("2015-Q3", "2015-Q4")
    }  # fmt: skip
    assert packs == {"2015-Q3": ["1.1", "1.2"], "2015-Q4": ["1.1"]}


def test_a_new_round_leaves_out_every_action_retired_by_now(plan):
    """Q3's round opens after 1.2 was retired (in Q4): it is not asked for, though the plan
    of Q3 held it."""
    support = make_user(username="runner")
    reporting_round = round_open(plan=plan, quarter=Quarter(2015, 3), opened_by=support)
    assert refs(entry.action for entry in reporting_round.round_actions.all()) == ["1.1"]
    with pytest.raises(Exception, match="Action 1.2 is retired"):
        round_action_add(
            reporting_round=reporting_round, action=Action.objects.get(reference="1.2"),
            reason="Asked anyway",
        )  # fmt: skip


def test_the_plan_export_lists_retired_actions_marked(client, plan):
    client.force_login(make_user())
    response = client.get(reverse("actionplan:plan-export", args=[plan.slug, "csv"]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[-2:] == ['"retired_on"', '"retired_reason"']
    assert COLUMNS[-2:] == ["retired_on", "retired_reason"]
    retired_on = {
        line.split(",")[0].strip('"'): line.split(",")[-2].strip('"') for line in lines[1:]
    }
    assert retired_on == {"1.1": "", "1.2": "2016-01-01", "1.3": "2015-12-31"}
    reasons = {line.split(",")[0].strip('"'): line.split(",")[-1].strip('"') for line in lines[1:]}
    assert reasons == {"1.1": "", "1.2": "Merged into 1.1", "1.3": "Merged into 1.1"}

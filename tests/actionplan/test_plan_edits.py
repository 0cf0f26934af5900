"""Changing a plan after it was made (issue 15): the services that add, change, retire and
reinstate actions, each with who and why kept, and the audit trail read back from history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from actionplan.models import Action
from actionplan.plan_edits import (
    action_add,
    action_change,
    action_changes,
    action_reinstate,
    action_retire,
)
from actionplan.services import action_owners_set
from tests.conftest import make_action, make_body, make_plan, make_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def support():
    return make_user(username="support-editor", first_name="Sam", last_name="Support")


@pytest.fixture
def action():
    return make_action(plan=make_plan(), reference="1.1.1", due_date=date(2016, 3, 31))


def test_retired_actions_leave_views_of_their_day_and_later(action, support):
    action_retire(action=action, on=date(2016, 1, 1), reason="Merged into 1.1.2", by=support)

    plan_actions = Action.objects.filter(plan=action.plan)
    assert list(plan_actions.as_of(date(2015, 12, 31))) == [action]
    assert list(plan_actions.as_of(date(2016, 1, 1))) == []
    assert list(plan_actions.current()) == []
    assert list(plan_actions.retired()) == [action]


def test_reinstating_brings_the_action_back(action, support):
    action_retire(action=action, on=date(2016, 1, 1), reason="Merged", by=support)

    action_reinstate(action=action, reason="The Board kept it", by=support)

    action.refresh_from_db()
    assert (action.retired_on, action.retired_reason) == (None, "")
    assert list(Action.objects.filter(plan=action.plan).as_of(date(2016, 6, 30))) == [action]


def test_retiring_and_reinstating_need_a_reason_and_the_right_state(action, support):
    with pytest.raises(ValidationError, match="Say why"):
        action_retire(action=action, on=date(2016, 1, 1), reason="  ", by=support)
    with pytest.raises(ValidationError, match="is not retired"):
        action_reinstate(action=action, reason="Kept", by=support)
    action.refresh_from_db()
    assert action.retired_on is None

    action_retire(action=action, on=date(2016, 1, 1), reason="Merged", by=support)
    with pytest.raises(ValidationError, match="already retired"):
        action_retire(action=action, on=date(2016, 2, 1), reason="Again", by=support)


def test_a_change_saves_only_what_changed_and_refuses_bad_values(action, support):
    assert action_change(action=action, fields={"timeframe": action.timeframe}, by=support) == []

    changed = action_change(
        action=action,
        fields={"timeframe": "March 2017", "due_date": date(2017, 3, 31)},
        by=support,
        reason="Board re-baselined",
    )
    assert changed == ["timeframe", "due_date"]

    with pytest.raises(ValidationError):
        action_change(action=action, fields={"reference": "R3"}, by=support)
    stored = Action.objects.get(pk=action.pk)
    assert (stored.reference, stored.timeframe) == ("1.1.1", "March 2017")


def test_an_added_action_joins_the_plan_today(action, support, time_machine):
    time_machine.move_to(date(2016, 5, 4))
    added = action_add(
        plan=action.plan,
        objective=action.objective,
        fields={
            "reference": "1.1.9",
            "description": "A new action",
            "timeframe": "Ongoing",
            "accountable_body": make_body(),
        },
        by=support,
    )
    assert added.added_on == date(2016, 5, 4)
    assert list(Action.objects.filter(plan=action.plan).as_of(date(2016, 5, 3))) == [action]


def test_the_audit_trail_says_who_when_why_and_each_field(action, support):
    action_change(
        action=action,
        fields={"timeframe": "March 2017", "due_date": date(2017, 3, 31)},
        by=support,
        reason="Board re-baselined",
    )
    action_owners_set(action=action, roles=[make_role(title="Police lead")])
    action_retire(action=action, on=date(2017, 4, 1), reason="Done elsewhere", by=support)

    trail = action_changes(action)

    assert [change.what for change in trail] == ["Changed", "Owner added", "Changed", "Added"]
    retired, _, rebaselined, _ = trail
    assert (retired.by, retired.reason) == ("Sam Support", "Retired: Done elsewhere")
    assert [(f.label, f.before, f.after) for f in retired.fields] == [
        ("retired on", "(none)", "1 Apr 2017"),
        ("why it was retired", "(none)", "Done elsewhere"),
    ]
    assert {(f.label, f.before, f.after) for f in rebaselined.fields} == {
        ("timeframe", "November 2015", "March 2017"),
        ("due date", "31 Mar 2016", "31 Mar 2017"),
    }
    assert rebaselined.reason == "Board re-baselined"

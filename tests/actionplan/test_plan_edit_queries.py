"""The plan page and the action page with its audit trail cost the same number of queries
whatever the number of actions, retired actions and changes (issue 15)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan.models import Objective, Priority
from actionplan.plan_edits import action_change, action_retire, measures_set, related_set
from actionplan.services import action_owners_set
from tests.conftest import make_action, make_body, make_plan, make_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return make_plan()


@pytest.fixture
def support():
    return make_user(username="sam", first_name="Sam", last_name="Support")


def add_actions(plan, count, support):
    """Actions on new objectives, with two owners each; every third one retired."""
    priority, _ = Priority.objects.get_or_create(plan=plan, number=1, defaults={"title": "P"})
    body = make_body()
    for _ in range(count):
        number = f"1.{priority.objectives.count() + 1}"
        objective = Objective.objects.create(priority=priority, number=number, title="O")
        action = make_action(objective=objective, accountable_body=body,
                             owners=[make_role(), make_role()])  # fmt: skip
        if plan.actions.count() % 3 == 0:
            action_retire(action=action, on=date(2016, 1, 1), reason="Merged", by=support)


def count(client, url) -> int:
    client.get(url)  # the session's activity, first
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_plan_page_queries_do_not_grow_with_actions(
    client, plan, support, django_assert_num_queries
):
    client.force_login(make_user(username="reader"))
    url = reverse("actionplan:plan-detail", args=[plan.slug])
    add_actions(plan, 3, support)
    small = count(client, url)
    add_actions(plan, 30, support)
    assert count(client, url) == small
    # session, user, the second factor (accounts.middleware), plan, priorities, their
    # objectives, actions (+objective, priority, body, latest update and its author), owner
    # links (+role, agency), due date revisions, the user's groups (can_edit_plan), the nav's
    # "chairs a body?" check
    with django_assert_num_queries(11):
        html = client.get(url).content.decode()
    assert "Retired actions (11)" in html


def change_everything(action, support, round_number):
    others = list(action.plan.actions.exclude(pk=action.pk)[:3])
    action_change(action=action, fields={"timeframe": f"Round {round_number}",
                                         "accountable_body": make_body()}, by=support,
                  reason=f"Round {round_number}")  # fmt: skip
    action_owners_set(action=action, roles=[make_role(), *action.owner_roles()[:1]], by=support)
    measures_set(action=action, texts={}, added=[f"Measure {round_number}"], by=support)
    related_set(action=action, related=others[round_number % 3 : round_number % 3 + 1], by=support)


def test_action_page_queries_do_not_grow_with_changes(
    client, plan, support, django_assert_num_queries
):
    add_actions(plan, 4, support)
    action = plan.actions.current().first()
    client.force_login(make_user(username="reader"))
    url = action.get_absolute_url()
    change_everything(action, support, 1)
    few = count(client, url)
    for round_number in range(2, 12):
        change_everything(action, support, round_number)
    assert count(client, url) == few
    # session, user, the second factor, the user's groups, the reporting quarter (3), action
    # (+plan, objective, priority, body, latest update), owner links (+role, agency), due date
    # revisions, the roles' holders, measures, milestones, related, chaired bodies and held
    # roles (can_update_action), and the changes: the action's history (+who), the bodies its
    # changes name, its owners', measures' and related actions' history (+who); status history
    with django_assert_num_queries(22):
        html = client.get(url).content.decode()
    assert html.count("Round 11") >= 2 and "Sam Support" in html

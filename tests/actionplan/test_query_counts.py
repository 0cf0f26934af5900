"""The dashboard, the Board overview and My actions cost the same number of queries whatever
the number of actions (their exact counts are pinned beside each page's other tests)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan.models import Measure, Rag
from actionplan.services import status_update_create
from tests.conftest import (
    make_action,
    make_body,
    make_measure,
    make_measure_value,
    make_role,
    make_user,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(client, time_machine):
    time_machine.move_to(datetime(2016, 2, 1, 12, tzinfo=LONDON), tick=False)
    role, body = make_role(), make_body()
    user = make_user()
    user.roles.add(role)
    client.force_login(user)
    return {"client": client, "role": role, "body": body, "user": user, "actions": []}


def add_actions(world, count):
    """Owned, updated, overdue actions with a measure and two owners, on new objectives."""
    for _ in range(count):
        action = make_action(
            accountable_body=world["body"],
            owners=[world["role"], make_role()],
            due_date=date(2015, 9, 30),
        )
        Measure.objects.create(action=action, text="A measure")
        for rag in ("red", "green", ""):
            measure = make_measure(action)
            if rag:
                make_measure_value(measure, quarter="2015-Q2", rag=rag, recorded_by=world["user"])
        rag = [Rag.RED, Rag.AMBER, Rag.GREEN][len(world["actions"]) % 3]
        status_update_create(
            action=action, author=world["user"], rag=rag, commentary="x" * 60, expected_version=0
        )
        world["actions"].append(action)


def queries(world, url) -> int:
    world["client"].get(url)  # the session's activity, first
    with CaptureQueriesContext(connection) as captured:
        assert world["client"].get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["dashboard", "dashboard filtered", "overview", "my actions"])
def test_a_page_costs_the_same_queries_at_5_and_60_actions(world, page):
    urls = {
        "dashboard": reverse("actionplan:body-dashboard", args=[world["body"].pk]),
        "dashboard filtered": reverse("actionplan:body-dashboard", args=[world["body"].pk])
        + f"?rag=red&rag=amber&overdue=yes&owner={world['role'].pk}&q=action&sort=-due_date"
        + "&measures=off",
        "overview": reverse("actionplan:overview"),
        "my actions": reverse("actionplan:my-actions"),
    }
    add_actions(world, 5)
    small = queries(world, urls[page])
    add_actions(world, 55)
    assert queries(world, urls[page]) == small

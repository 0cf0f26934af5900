"""Hole 7: the pack queue is bounded. One pending request per plan and quarter (a second click
shows the pending one), a limit on each person's pending requests, and a preview that lays out
only the first rows of each list, however large the plan."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPackRequest
from tests.conftest import WSCB_SLUG, make_user, run_in_threads
from tests.reports.conftest import make_small_plan

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


def _produce(client, plan, quarter=Q3):
    return client.post(
        reverse("reports:pack-new"), {"plan": plan.slug, "quarter": quarter.slug}, follow=True
    )


def test_a_second_click_shows_the_pending_request(client, plan, business_support):
    client.force_login(business_support)
    _produce(client, plan)
    response = _produce(client, plan)
    assert BoardPackRequest.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("reports:pack-list")
    html = response.content.decode()
    assert "is already being produced" in html
    assert html.count("waiting for the pack worker") == 1


def test_someone_else_asking_for_the_same_pack_gets_the_pending_one(
    client, plan, business_support, board_member
):
    services.board_pack_request_create(plan=plan, quarter=Q3, requested_by=business_support)
    client.force_login(board_member)
    assert "is already being produced" in _produce(client, plan).content.decode()
    assert BoardPackRequest.objects.count() == 1


def test_once_finished_the_same_pack_may_be_asked_for_again(client, plan, business_support):
    first = services.board_pack_request_create(plan=plan, quarter=Q3, requested_by=business_support)
    BoardPackRequest.objects.filter(pk=first.pk).update(status=BoardPackRequest.Status.FAILED)
    client.force_login(business_support)
    _produce(client, plan)
    assert BoardPackRequest.objects.filter(status=BoardPackRequest.Status.QUEUED).count() == 1


def test_each_person_has_a_limit_of_pending_requests(client, plan, business_support, settings):
    settings.PACK_PENDING_PER_PERSON = 2
    quarters = [Quarter.parse(q) for q in ["2015-Q1", "2015-Q2", "2015-Q3"]]
    for quarter in quarters[:2]:
        services.board_pack_request_create(
            plan=plan, quarter=quarter, requested_by=business_support
        )
    client.force_login(business_support)
    response = client.post(
        reverse("reports:pack-new"), {"plan": plan.slug, "quarter": quarters[2].slug}
    )
    assert response.status_code == 200
    assert "You already have 2 Board packs waiting to be produced" in response.content.decode()
    assert BoardPackRequest.objects.count() == 2
    # The limit is each person's own: a colleague may still ask.
    other = make_user(username="other-support", groups=["Board business support"])
    services.board_pack_request_create(plan=plan, quarter=quarters[2], requested_by=other)
    assert BoardPackRequest.objects.count() == 3


def test_the_preview_lays_out_only_the_first_rows_of_each_list(
    client, wscb_plan, board_member, settings
):
    settings.PACK_PREVIEW_ACTIONS = 5
    client.force_login(board_member)
    response = client.get(
        reverse("reports:pack-preview"), {"plan": WSCB_SLUG, "quarter": "2015-Q3"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'<article class="action"', html)) == 5
    assert "shows the first 5 rows of each list" in html and "all 42 actions" in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency is proved on PostgreSQL (SQLite serialises writers anyway)",
)
def test_simultaneous_clicks_queue_one_pack():
    plan = make_small_plan(actions=1)
    people = [make_user(username=f"support{i}") for i in range(8)]
    outcomes = []

    def click(index):
        try:
            services.board_pack_request_create(plan=plan, quarter=Q3, requested_by=people[index])
            outcomes.append("queued")
        except services.PackAlreadyPendingError:
            outcomes.append("pending")

    assert run_in_threads(click, len(people)) == []
    assert sorted(outcomes) == ["pending"] * 7 + ["queued"]
    assert BoardPackRequest.objects.count() == 1

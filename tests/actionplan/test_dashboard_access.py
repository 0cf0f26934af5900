"""Who may read dashboards, and where each person lands after signing in."""

import pytest
from django.urls import reverse

from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP
from actionplan.models import (
    AccountableBody,
)
from tests.actionplan.conftest import dashboard_url
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(sample):
    owner = make_user(username="owner-persona")
    owner.roles.add(sample.roles["nurse"])
    chair = make_user(username="chair-persona")
    chair.chaired_bodies.add(sample.body)
    other_chair = make_user(username="other-chair-persona")
    other_chair.chaired_bodies.add(sample.other_body)
    # In their groups as they are made: make_user gives them the second factor they must have.
    support = make_user(username="support-persona", groups=[BUSINESS_SUPPORT_GROUP])
    board = make_user(username="board-persona", groups=[BOARD_MEMBER_GROUP])
    outsider = make_user(username="outsider-persona")
    return {
        "owner": owner,
        "chair": chair,
        "other_chair": other_chair,
        "support": support,
        "board": board,
        "outsider": outsider,
    }


@pytest.mark.parametrize(
    "persona", ["owner", "chair", "other_chair", "support", "board", "outsider"]
)
def test_everyone_signed_in_may_read_every_dashboard(client, personas, sample, persona):
    client.force_login(personas[persona])
    for url in [
        dashboard_url(sample.body),
        dashboard_url(sample.other_body),
        reverse("actionplan:overview"),
        reverse("actionplan:body-export", args=[sample.body.pk, "csv"]),
        reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"]),
    ]:
        assert client.get(url).status_code == 200, url


def test_dashboard_pages_require_login(client, sample):
    for url in [
        dashboard_url(sample.body),
        reverse("actionplan:overview"),
        reverse("actionplan:my-dashboard"),
        reverse("actionplan:body-export", args=[sample.body.pk, "csv"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_unknown_body_is_404(viewer, sample):
    assert viewer.get(dashboard_url(AccountableBody(pk=999999))).status_code == 404


def test_chair_lands_on_their_body_dashboard_after_signing_in(client, personas, sample):
    response = client.post(
        reverse("login"),
        {"username": "chair-persona", "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == dashboard_url(sample.body)
    assert response.context["body"] == sample.body


@pytest.mark.parametrize(
    ("persona", "lands_on"),
    [
        ("chair", "body-dashboard"),
        ("owner", "actionplan:my-actions"),
        ("board", "actionplan:overview"),
        ("support", "reports:support-home"),
        ("outsider", "actionplan:overview"),
    ],
)
def test_home_sends_each_persona_to_their_start_page(client, personas, sample, persona, lands_on):
    client.force_login(personas[persona])
    expected = dashboard_url(sample.body) if lands_on == "body-dashboard" else reverse(lands_on)
    assert client.get(reverse("home"))["Location"] == expected


def test_chairs_see_my_dashboard_in_the_navigation(client, personas, sample):
    client.force_login(personas["chair"])
    html = client.get(dashboard_url(sample.body)).content.decode()
    assert '<a href="/my-dashboard/" aria-current="page">My dashboard</a>' in html
    assert client.get(reverse("actionplan:my-dashboard"))["Location"] == dashboard_url(sample.body)
    client.force_login(personas["board"])
    html = client.get(reverse("actionplan:overview")).content.decode()
    assert "My dashboard" not in html
    assert '<a href="/overview/" aria-current="page">Overview</a>' in html
    assert client.get(reverse("actionplan:my-dashboard"))["Location"] == reverse(
        "actionplan:overview"
    )

"""The demo: seed_demo's people and their status history on the WSCB plan."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from actionplan.demo_measures import DEMO_SOURCE
from actionplan.demo_people import DEMO_PASSWORD, DEMO_TOTP_SECRET, PEOPLE
from actionplan.models import Measure, MeasureValue, StatusUpdate

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(wscb_plan, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = (User.objects.count(), StatusUpdate.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (User.objects.count(), StatusUpdate.objects.count()) == first
    assert first[1] > 100
    assert StatusUpdate.objects.filter(is_demo=False).count() == 0
    for username, *_ in PEOPLE:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    chair = User.objects.get(username="chair")
    assert list(chair.chaired_bodies.values_list("name", flat=True)) == ["CSE Strategic Group"]


def test_seed_demo_refuses_without_debug(wscb_plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username="support").exists()


def test_seed_demo_adds_a_closed_and_an_open_round(wscb_plan, settings):
    from datetime import date

    from actionplan.models import ReportingRound, Review, SignOff

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    q2, q3 = ReportingRound.objects.order_by("quarter")
    assert (q2.quarter, q2.is_open, q3.quarter, q3.is_open) == ("2015-Q2", False, "2015-Q3", True)
    q2_counts = q2.round_actions.in_scope().counts()
    assert q2_counts["total"] > 20 and q2_counts["received"] == q2_counts["total"]
    assert q2_counts["approved"] == q2_counts["received"]
    late = SignOff.objects.filter(entry__round=q2, decided_at__date__gt=q2.sign_off_date)
    assert 0 < late.count() < q2_counts["approved"]
    q3_counts = q3.round_actions.in_scope().counts()
    assert 0 < q3_counts["received"] < q3_counts["total"]
    assert q3.round_actions.filter(review=Review.RETURNED).count() == 1
    assert q3.round_actions.filter(review=Review.APPROVED).count() == 2
    assert q3.deadline == date(2016, 1, 15)


def test_seed_demo_gives_support_and_board_the_printed_authenticator_key(
    wscb_plan, settings, client
):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    assert DEMO_TOTP_SECRET in printed
    assert "off for action owners and chairs in this demo" in printed
    with_device = TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
    assert sorted(with_device) == ["board", "support"]
    # The code demo_code prints signs support in.
    code = io.StringIO()
    call_command("demo_code", stdout=code)
    client.post(reverse("login"), {"username": "support", "password": DEMO_PASSWORD})
    response = client.post(reverse("accounts:two-factor-verify"), {"code": code.getvalue()[:6]})
    assert response.status_code == 302
    assert client.get(reverse("reports:pack-list")).status_code == 200


def test_demo_code_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_code")


def test_seed_demo_quantifies_a_handful_of_measures_with_demo_values(wscb_plan, settings):
    assert not Measure.objects.exclude(unit="").exists()  # the fixture's are sentences
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    quantified = Measure.objects.exclude(unit="")
    assert quantified.count() == 5
    assert set(quantified.values_list("data_source", flat=True)) == {DEMO_SOURCE}
    values = MeasureValue.objects.all()
    assert values.count() > 10 and not values.filter(is_demo=False).exists()
    assert not values.filter(status_update__isnull=True).exists()  # reported with a status
    bands = set(quantified.values_list("current_rag", flat=True))
    assert {"red", "amber"} <= bands  # the demo shows measures off target
    call_command("seed_demo", stdout=io.StringIO())
    assert MeasureValue.objects.count() == values.count()

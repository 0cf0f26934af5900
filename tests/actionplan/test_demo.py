"""The demo: seed_demo's people and their status history on the WSCB plan."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from actionplan.demo_people import DEMO_PASSWORD, PEOPLE
from actionplan.models import StatusUpdate

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

"""Helpers for Board pack tests: statuses at chosen times, and a small plan that renders fast."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from actionplan.models import Measure, Objective, Priority, StatusUpdate
from tests.conftest import make_action, make_plan, make_role, make_user

COMMENTARY = {
    "red": "Off track: the lead agency has diverted capacity; recovery plan goes to the Board.",
    "amber": "Some concern: two agencies have not yet sent their data; chasing both leads now.",
    "green": "On track.",
    "blue": "Complete.",
}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Kept packs go to a throwaway folder, never to the developer's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment on `day`, in the app's time zone (Europe/London)."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_update(action, rag: str, when: datetime, **kwargs) -> StatusUpdate:
    """A status update at a chosen time, bypassing the service's version check so that a test
    can lay down a history in any order."""
    kwargs.setdefault("commentary", COMMENTARY[rag])
    kwargs.setdefault("author", make_user())
    kwargs.setdefault("version", action.updates.count() + 1)
    update = StatusUpdate.objects.create(action=action, rag=rag, created_at=when, **kwargs)
    latest = action.updates.order_by("-created_at", "-pk").first()
    type(action).objects.filter(pk=action.pk).update(
        current_rag=latest.rag, latest_update=latest, version=latest.version
    )
    return update


def make_small_plan(*, actions: int = 2, title: str = "Small test plan"):
    """A plan with one priority and objective and a few actions, each with an owner and a
    measure, and a status at the end of 2015-Q2 and in 2015-Q3: renders in about a second."""
    plan = make_plan(title=title)
    priority = Priority.objects.create(plan=plan, number=1, title="Prevention")
    objective = Objective.objects.create(priority=priority, number="1.1", title="Awareness")
    role = make_role(title="Head of Safeguarding")
    author = make_user()
    for number in range(1, actions + 1):
        action = make_action(objective=objective, owners=[role], due_date=date(2016, 3, 31))
        Measure.objects.create(action=action, text=f"Measure for action {number}")
        make_update(action, "amber", at(date(2015, 9, 1)), author=author)
        make_update(action, "green", at(date(2015, 11, 1)), author=author)
    return plan

"""Helpers for Board pack tests: statuses at chosen times, a small plan that renders fast, and
the WSCB plan's pack rendered once and read back from its text."""

import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from actionplan.demo_history import seed_demo_history
from actionplan.demo_people import seed_demo_people
from actionplan.models import Action, Measure, Objective, Priority, StatusUpdate
from actionplan.quarters import Quarter
from reports.packs import build_pack_data
from reports.services import render_pack_pdf
from tests.conftest import ensure_wscb_plan, make_action, make_plan, make_role, make_user

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


# The WSCB plan's pack for Q3 2015/16 with the demo history, rendered once per module that asks
# for it (it is the slowest thing the suite does), and how its tests read it back.

QUARTER = Quarter.parse("2015-Q3")
END = date(2015, 12, 31)
MARKING = "OFFICIAL-SENSITIVE"
SECTIONS = ["1. Summary", "2. Exceptions: actions Red or overdue", "3. Progress by priority"]
RUNNING_HEADER = "Child Sexual Exploitation (CSE) Action Plan for Implementation 2015-18 " + MARKING


@dataclass
class RenderedPack:
    content: bytes
    page_count: int
    pages: list[str]  # each page's text, whitespace collapsed
    title: str
    expected_counts: dict[str, int]  # status as of END -> number of actions, from the database
    references: list[str]
    exceptions: list[str]
    red: list[str]
    weasyprint_log: list[str]  # WeasyPrint's warnings and errors while rendering
    steps: list[str] = field(default_factory=list)  # the progress the pack list would show
    # name -> the references in that summary list (test_parallel_pack's summary in parts)
    summary_lists: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def wscb_pack(django_db_setup, django_db_blocker) -> RenderedPack:
    """The WSCB pack, rendered as the pack worker renders it (services.render_pack_pdf) with the
    settings a deployment has, so that its tests read the pack from the path the real plan
    takes; inside a transaction that is rolled back."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        plan = wscb_with_demo_history()
        data = build_pack_data(plan=plan, quarter=QUARTER, today=date(2026, 1, 1))
        support = User.objects.get(username="support")
        steps = []
        with captured_log("weasyprint") as log:
            rendered = render_pack_pdf(
                data, produced_by=support, produced_at=at(END), progress=steps.append
            )
        rows = (
            Action.objects.filter(plan=plan)
            .with_status_as_of(END)
            .values("rag_as_of")
            .annotate(n=Count("pk"))
        )
        expected = {row["rag_as_of"] or "": row["n"] for row in rows}
        references = list(plan.actions.order_by("sort_key").values_list("reference", flat=True))
        transaction.set_rollback(True)
    reader = PdfReader(io.BytesIO(rendered.content))
    return RenderedPack(
        content=rendered.content,
        page_count=rendered.page_count,
        pages=[page_text(page) for page in reader.pages],
        title=reader.metadata.title,
        expected_counts=expected,
        references=references,
        exceptions=[item.action.reference for item in data.exceptions],
        red=[item.action.reference for item in data.red],
        weasyprint_log=log,
        steps=steps,
    )


def wscb_with_demo_history():
    """The WSCB plan with the demo people and their status history (seeded once)."""
    plan = ensure_wscb_plan()
    if not StatusUpdate.objects.filter(action__plan=plan).exists():
        people = seed_demo_people()
        support = User.objects.get(username="support")
        with_roles = User.objects.filter(pk__in=[p.pk for p in people]).prefetch_related(
            "roles", "chaired_bodies"
        )
        seed_demo_history(plan, people=with_roles, fallback=support)
    return plan


class _Captured(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def captured_log(name: str):
    """The warnings and errors the logger `name` gives inside the block, as a list."""
    handler, logger = _Captured(), logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def page_text(page) -> str:
    """A PDF page's text with its whitespace collapsed."""
    return " ".join(page.extract_text().split())


def section_pages(pack: RenderedPack) -> dict[str, int]:
    """Section title -> page number, as the contents page gives them."""
    found = {}
    for title in [*SECTIONS, "Appendix"]:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)", pack.pages[1])
        assert match, title
        found[title] = int(match[1])
    return found


def section_text(pack: RenderedPack, title: str) -> str:
    """The text of a section's pages, found through the contents page."""
    starts = section_pages(pack)
    following = [page for page in starts.values() if page > starts[title]]
    end = min(following) if following else pack.page_count + 1
    return " ".join(pack.pages[starts[title] - 1 : end - 1])

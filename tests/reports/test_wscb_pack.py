"""The WSCB pack for Q3 2015/16 with the demo history, read back from the PDF's text.

The pack is rendered once for this module (it is the slowest thing the suite does) inside a
transaction that is rolled back, and every test reads that one PDF. It is rendered as the
pack worker renders it (services.render_pack_pdf) with the settings a deployment has, so that
these tests read the pack from the path the real plan takes.
"""

import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from pypdf import PdfReader

from accounts.models import User
from actionplan.demo_history import seed_demo_history
from actionplan.demo_people import seed_demo_people
from actionplan.models import Action, Rag, StatusUpdate
from actionplan.quarters import Quarter
from reports.packs import build_pack_data
from reports.services import render_pack_pdf
from tests.conftest import ensure_wscb_plan
from tests.reports.conftest import at

QUARTER = Quarter.parse("2015-Q3")
END = date(2015, 12, 31)
MARKING = "OFFICIAL-SENSITIVE"


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


def _text(page) -> str:
    return " ".join(page.extract_text().split())


@pytest.fixture(scope="module")
def wscb_pack(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        plan = _wscb_with_demo_history()
        data = build_pack_data(plan=plan, quarter=QUARTER, today=date(2026, 1, 1))
        support = User.objects.get(username="support")
        steps = []
        with _captured("weasyprint") as log:
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
        pages=[_text(page) for page in reader.pages],
        title=reader.metadata.title,
        expected_counts=expected,
        references=references,
        exceptions=[item.action.reference for item in data.exceptions],
        red=[item.action.reference for item in data.red],
        weasyprint_log=log,
        steps=steps,
    )


class _Captured(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def _captured(name: str):
    handler, logger = _Captured(), logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _wscb_with_demo_history():
    plan = ensure_wscb_plan()
    if not StatusUpdate.objects.filter(action__plan=plan).exists():
        people = seed_demo_people()
        support = User.objects.get(username="support")
        with_roles = User.objects.filter(pk__in=[p.pk for p in people]).prefetch_related(
            "roles", "chaired_bodies"
        )
        seed_demo_history(plan, people=with_roles, fallback=support)
    return plan


SECTIONS = ["1. Summary", "2. Exceptions: actions Red or overdue", "3. Progress by priority"]
RUNNING_HEADER = "Child Sexual Exploitation (CSE) Action Plan for Implementation 2015-18 " + MARKING


def _contents(pack: RenderedPack) -> dict[str, int]:
    """Section title -> page number, as the contents page gives them."""
    found = {}
    for title in [*SECTIONS, "Appendix"]:
        match = re.search(re.escape(title) + r"[ .]*?(\d+)", pack.pages[1])
        assert match, title
        found[title] = int(match[1])
    return found


def _section(pack: RenderedPack, title: str) -> str:
    """The text of a section's pages, found through the contents page."""
    starts = _contents(pack)
    following = [page for page in starts.values() if page > starts[title]]
    end = min(following) if following else pack.page_count + 1
    return " ".join(pack.pages[starts[title] - 1 : end - 1])


def test_cover_gives_period_producer_and_marking(wscb_pack):
    cover = wscb_pack.pages[0]
    assert "Worcestershire Safeguarding Children Board" in cover
    assert "Child Sexual Exploitation (CSE) Action Plan for Implementation 2015-18" in cover
    assert "Board progress pack" in cover
    assert "Q3 2015/16: 1 October - 31 December 2015" in cover
    assert "Sam Sutton (WSCB Business Support Officer)" in cover
    assert "31 December 2015" in cover
    assert "Demonstration data" in cover


def test_every_page_is_numbered_and_marked_in_header_and_footer(wscb_pack):
    total = wscb_pack.page_count
    assert total == len(wscb_pack.pages) > 10
    for number, text in enumerate(wscb_pack.pages, start=1):
        # Margin boxes come last in the text: header, then footer.
        assert text.endswith(f"Page {number} of {total}")
        assert f"{RUNNING_HEADER} {MARKING}" in text, f"page {number}"


def test_pdf_is_tagged_with_title_and_language(wscb_pack):
    reader = PdfReader(io.BytesIO(wscb_pack.content))
    catalog = reader.trailer["/Root"]
    assert wscb_pack.title.startswith("Child Sexual Exploitation (CSE) Action Plan")
    assert "Q3 2015/16" in wscb_pack.title
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_data()  # PDF/UA-1


def test_contents_page_numbers_point_at_the_sections(wscb_pack):
    assert wscb_pack.pages[1].startswith("Contents")
    for title, page in _contents(wscb_pack).items():
        assert f" {title} " in f" {wscb_pack.pages[page - 1]}", title


def test_rag_counts_match_the_statuses_as_of_the_quarter_end(wscb_pack):
    summary = _section(wscb_pack, "1. Summary")
    counts = wscb_pack.expected_counts
    order = [Rag.BLUE, Rag.GREEN, Rag.AMBER, Rag.RED, ""]
    row = " ".join(str(counts.get(rag, 0)) for rag in order)
    assert f"All actions {row} 42" in summary
    assert sum(counts.values()) == 42
    assert re.search(rf"{counts[Rag.RED]} ?Red: off track", summary)


def test_every_action_appears_in_the_detail(wscb_pack):
    detail = _section(wscb_pack, "3. Progress by priority")
    for reference in wscb_pack.references:
        assert re.search(rf"(^| ){re.escape(reference)} ", detail), reference
    assert detail.count("Commentary this quarter") == 42


def test_exceptions_list_every_red_or_overdue_action(wscb_pack):
    exceptions = _section(wscb_pack, "2. Exceptions: actions Red or overdue")
    assert wscb_pack.exceptions  # the demo history has some
    assert f"{len(wscb_pack.exceptions)} actions" in exceptions
    for reference in wscb_pack.exceptions:
        assert re.search(rf"(^| ){re.escape(reference)} ", exceptions), reference
    assert exceptions.count("Latest commentary") == len(wscb_pack.exceptions)
    assert exceptions.count("Red for") == len(wscb_pack.red)
    assert exceptions.count("Accountable body") == len(wscb_pack.exceptions)


def test_appendix_defines_the_statuses(wscb_pack):
    appendix = _section(wscb_pack, "Appendix")
    assert appendix.startswith("Appendix")
    for words in ["Blue Complete", "Red Off track", "Not yet rated", "How this pack was produced"]:
        assert words in appendix


def test_weasyprint_reports_no_problem(wscb_pack):
    # An unsupported CSS value, or a missing alt text or language, shows up here first.
    assert wscb_pack.weasyprint_log == []


def test_the_wscb_pack_is_laid_out_in_one_process(wscb_pack):
    """The real plan takes the default path: one process, no parts to join (those are for
    plans of PACK_PARALLEL_MIN_ACTIONS actions or more: tests/reports/test_parallel_pack.py)."""
    assert wscb_pack.steps == [
        "Laying out the pages",
        f"Writing the PDF ({wscb_pack.page_count} pages)",
    ]

"""The WSCB pack rendered in parts in parallel processes and joined (reports/parallel.py), in
small pieces so that the exceptions and the detail are split: the joined PDF must number every
page, point the contents at the right pages, hold every action and stay tagged (PDF/UA-1).

By default only a plan of PACK_PARALLEL_MIN_ACTIONS (1,000) actions or more takes this path;
these tests lower the threshold so that the WSCB plan does, rather than render a plan of
1,000 actions (a minute's work) for every run."""

import io
import re
from datetime import date

import pikepdf
import pytest
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from accounts.models import User
from reports import parallel, services
from reports.packs import build_pack_data, summary_blocks
from reports.parallel import split_pack
from reports.services import render_pack_pdf
from tests.reports.conftest import (
    END,
    MARKING,
    QUARTER,
    RUNNING_HEADER,
    SECTIONS,
    RenderedPack,
    at,
    captured_log,
    page_text,
    section_pages,
    section_text,
    wscb_with_demo_history,
)

CHUNK = 7  # small, so that the 42 actions make many parts
SUMMARY_ROWS = 4  # and the summary's lists several parts


@pytest.fixture(scope="module")
def joined(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, PACK_PARALLEL_MIN_ACTIONS=1, PACK_WORKERS=2),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setattr(parallel, "CHUNK_ACTIONS", CHUNK)
        patch.setattr(parallel, "SUMMARY_ROWS", SUMMARY_ROWS)
        patch.setattr(parallel, "STAMP_PAGES", 10)  # the running headers in several pieces
        plan = wscb_with_demo_history()
        data = build_pack_data(plan=plan, quarter=QUARTER, today=date(2026, 1, 1))
        support = User.objects.get(username="support")
        steps = []
        with captured_log("weasyprint") as log:
            rendered = render_pack_pdf(
                data, produced_by=support, produced_at=at(END), progress=steps.append
            )
        parts = split_pack(data, chunk=CHUNK, summary_rows=SUMMARY_ROWS)
        lists = {b.name: [i.action.reference for i in b.items] for b in summary_blocks(data)}
        references = list(plan.actions.order_by("sort_key").values_list("reference", flat=True))
        transaction.set_rollback(True)
    reader = PdfReader(io.BytesIO(rendered.content))
    pack = RenderedPack(
        content=rendered.content,
        page_count=rendered.page_count,
        pages=[page_text(page) for page in reader.pages],
        title=reader.metadata.title,
        expected_counts={},
        references=references,
        exceptions=[item.action.reference for item in data.exceptions],
        red=[item.action.reference for item in data.red],
        weasyprint_log=log,
        summary_lists=lists,
    )
    return pack, parts, steps


def test_the_pack_was_rendered_in_many_parts(joined):
    pack, parts, steps = joined
    assert len(parts) > 8
    assert f"Laid out part {len(parts)} of {len(parts)}" in steps
    assert f"Joining {pack.page_count} pages" in steps
    assert pack.weasyprint_log == []


def test_every_page_is_numbered_and_marked(joined):
    pack, _, _ = joined
    assert len(pack.pages) == pack.page_count > 20
    for number, text in enumerate(pack.pages, start=1):
        assert text.endswith(f"Page {number} of {pack.page_count}"), number
        assert f"{RUNNING_HEADER} {MARKING}" in text, number


def test_contents_page_numbers_point_at_the_sections(joined):
    pack, _, _ = joined
    assert pack.pages[1].startswith("Contents")
    for title, page in section_pages(pack).items():
        assert f" {title} " in f" {pack.pages[page - 1]}", title
    for number in range(1, 5):
        match = re.search(rf"Priority {number}: .*?[ .]+(\d+)", pack.pages[1])
        assert f"Priority {number}: " in pack.pages[int(match[1]) - 1]


def test_every_action_appears_once_in_the_detail_and_every_exception(joined):
    pack, _, _ = joined
    detail = section_text(pack, "3. Progress by priority")
    assert len(pack.references) == 42
    for reference in pack.references:
        assert re.search(rf"(^| ){re.escape(reference)} ", detail), reference
    assert detail.count("Commentary this quarter") == 42
    assert "(continued)" in detail  # a priority or objective went on into the next part
    exceptions = section_text(pack, "2. Exceptions: actions Red or overdue")
    assert pack.exceptions  # the demo history has some
    assert exceptions.count("Latest commentary") == len(pack.exceptions)
    for reference in pack.exceptions:
        assert re.search(rf"(^| ){re.escape(reference)} ", exceptions), reference
    assert all(title in " ".join(pack.pages) for title in SECTIONS)


def test_the_joined_pdf_is_tagged(joined):
    pack, _, _ = joined
    pdf = pikepdf.open(io.BytesIO(pack.content))
    catalog = pdf.Root
    assert str(catalog.Lang) == "en-GB"
    assert catalog.MarkInfo.Marked
    assert b'pdfuaid:part="1"' in catalog.Metadata.read_bytes()
    assert "Q3 2015/16" in str(pdf.docinfo.Title)
    tree = catalog.StructTreeRoot
    document = tree.K[0]
    assert document.S == "/Document"
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    assert len(pages) == pack.page_count > 20
    nums = tree.ParentTree.Nums
    parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for index, page in enumerate(pdf.pages):
        assert int(page.obj.StructParents) == index
        # Every piece of marked content on the page has its structure element, on this page.
        elements = parent_tree[index]
        assert len(elements) == _marked_content_ids(page) > 0, index
        assert all(pages[element.Pg.objgen] == index for element in elements)
    elements = list(_elements(document))
    # The loop below runs, over every element the pages' marked content points at.
    marked = {element.objgen for index in pages.values() for element in parent_tree[index]}
    assert marked and marked <= {element.objgen for element in elements}
    for element in elements:
        assert element.Pg.objgen in pages
    assert all(element.P.objgen == document.objgen for element in document.K)


def test_the_running_header_and_footer_are_artifacts(joined):
    pack, _, _ = joined
    pdf = pikepdf.open(io.BytesIO(pack.content))
    page = pdf.pages[5]
    operations = [(str(op), operands) for operands, op in pikepdf.parse_content_stream(page)]
    drawn = [i for i, (op, operands) in enumerate(operations) if op == "Do"]
    assert len(drawn) == 1
    assert operations[drawn[0] - 2] == ("BMC", [pikepdf.Name.Artifact])


def test_contents_links_and_bookmarks_lead_to_the_sections(joined):
    pack, _, _ = joined
    pdf = pikepdf.open(io.BytesIO(pack.content))
    index = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    destinations = pikepdf.NameTree(pdf.Root.Names.Dests)
    contents = section_pages(pack)
    links = {str(annotation.Dest): annotation for annotation in pdf.pages[1].obj.Annots}
    assert index[destinations["summary"][0].objgen] == contents["1. Summary"]
    assert index[destinations["appendix"][0].objgen] == contents["Appendix"]
    assert {"summary", "exceptions", "detail", "appendix"} <= set(links)
    outline = pdf.open_outline().root
    top = outline[0]
    assert top.title == "Board progress pack"
    titles = [item.title for item in top.children]
    assert titles[:2] == ["Contents", "1. Summary"]
    assert "Appendix" in titles
    assert not any("(continued)" in title for title in _titles(top))


def _titles(item):
    for child in item.children:
        yield child.title
        yield from _titles(child)


def _elements(element):
    for kid in element.get("/K", []):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield kid
            yield from _elements(kid)


def _marked_content_ids(page) -> int:
    return sum(
        1
        for operands, op in pikepdf.parse_content_stream(page)
        if str(op) == "BDC"
        and isinstance(operands[1], pikepdf.Dictionary)
        and "/MCID" in operands[1]
    )


def test_split_pack_keeps_every_action_once_in_order(wscb_plan):
    data = build_pack_data(plan=wscb_plan, quarter=QUARTER, today=date(2026, 1, 1))
    parts = split_pack(data, chunk=5)
    detail = [part for part in parts if part.sections == ["detail"]]
    references = [
        item.action.reference
        for part in detail
        for section in part.priorities
        for objective in section.objectives
        for item in objective.actions
    ]
    assert references == [item.action.reference for item in data.actions]
    assert all(
        sum(len(o.actions) for s in part.priorities for o in s.objectives) <= 5 for part in detail
    )
    assert [part.first for part in detail].count(True) == 1
    assert parts[0].sections == ["summary"] and parts[-1].sections == ["appendix"]


@pytest.mark.parametrize(
    ("workers", "cores", "actions", "expected"),
    [
        (0, 2, 42, 1),  # the WSCB plan on this 2-core machine: in one process
        (0, 8, 42, 1),  # on any machine
        (0, 2, 999, 1),  # below PACK_PARALLEL_MIN_ACTIONS (default 1,000)
        (0, 2, 1_000, 2),  # from it, one process per core
        (0, 8, 10_000, 8),
        (0, 1, 10_000, 1),  # one core: parallel would only add work
        (3, 8, 10_000, 3),  # PACK_WORKERS caps it
        (1, 8, 10_000, 1),  # or turns it off
    ],
)
def test_how_many_processes_lay_out_a_pack(monkeypatch, workers, cores, actions, expected):
    """With the default threshold (only PACK_WORKERS and the cores change)."""
    monkeypatch.setattr(services, "available_cores", lambda: cores)
    with override_settings(PACK_WORKERS=workers):
        assert services.pack_workers(actions) == expected


@pytest.mark.parametrize("front_pages_guess", [parallel.FRONT_PAGES, 1])
def test_the_wscb_pack_in_parts_reads_as_the_pack_in_one_process(
    wscb_pack,
    django_db_blocker,
    monkeypatch,
    front_pages_guess,
):
    """With the default pieces, the WSCB plan's priorities each make one part, so the pack
    laid out in parallel has the same pages, word for word, as the pack laid out in one
    process; a wrong guess at the length of the cover and contents is put right."""
    monkeypatch.setattr(parallel, "FRONT_PAGES", front_pages_guess)
    steps = []
    with (
        django_db_blocker.unblock(),
        override_settings(PACK_WORKERS=2, PACK_PARALLEL_MIN_ACTIONS=20),
        transaction.atomic(),
    ):
        plan = wscb_with_demo_history()
        data = build_pack_data(plan=plan, quarter=QUARTER, today=date(2026, 1, 1))
        support = User.objects.get(username="support")
        rendered = render_pack_pdf(
            data, produced_by=support, produced_at=at(END), progress=steps.append
        )
        transaction.set_rollback(True)
    assert "Preparing the parts of the pack" in steps
    numbering = [step for step in steps if step.startswith("Numbering")]
    assert len(numbering) == (1 if front_pages_guess == 2 else 2)
    pages = [page_text(page) for page in PdfReader(io.BytesIO(rendered.content)).pages]
    assert rendered.page_count == wscb_pack.page_count == len(pages) > 10
    for number, (joined, whole) in enumerate(zip(pages, wscb_pack.pages, strict=True), start=1):
        assert sorted(joined.split()) == sorted(whole.split()), number


SUMMARY_HEADINGS = {
    "deteriorated": "Deteriorated",
    "improved": "Improved",
    "completed": "Completed this quarter",
    "overdue": "Overdue",
    "not_updated": "No update this quarter",
}


def test_the_summary_in_parts_lists_every_action_under_one_heading(joined):
    pack, parts, _ = joined
    summary_parts = [part for part in parts if part.sections == ["summary"]]
    assert len(summary_parts) > 2
    summary = section_text(pack, "1. Summary")
    assert summary.count("Number of actions by RAG status") == 1  # figures, table, chart once
    assert "(continued)" in summary and ", continued" in summary
    for caption in ["Deteriorated", "Improved"]:
        count = len(pack.summary_lists[caption.lower()])
        assert summary.count(f"{caption} ({count})") == 1, caption
    for heading in ["Completed this quarter", "No update this quarter"]:
        assert summary.count(heading) == 1, heading
    for name in SUMMARY_HEADINGS:
        text = _list_text(summary, name)
        assert pack.summary_lists[name], name  # the demo history puts actions in each
        for reference in pack.summary_lists[name]:
            assert re.search(rf"(?:^| ){re.escape(reference)} ", text), (name, reference)


def _list_text(summary: str, name: str) -> str:
    """The text from a list's heading to the next list's heading."""
    order = list(SUMMARY_HEADINGS)
    start = summary.index(SUMMARY_HEADINGS[name])
    later = [summary.find(SUMMARY_HEADINGS[n], start + 1) for n in order[order.index(name) + 1 :]]
    ends = [i for i in later if i > start]
    return summary[start : min(ends) if ends else len(summary)]


def test_summary_parts_keep_every_row_once_in_order(wscb_plan):
    data = build_pack_data(plan=wscb_plan, quarter=QUARTER, today=date(2026, 1, 1))
    whole = summary_blocks(data)
    assert len(whole) == 6  # the figures' lists, from Deteriorated to No update
    parts = parallel._summary_parts(data, rows=3)
    pieces = [block for part in parts for block in part.summary]
    for block in whole:
        mine = [piece for piece in pieces if piece.name == block.name]
        assert [item for piece in mine for item in piece.items] == block.items
        assert [piece.starts for piece in mine] == [True] + [False] * (len(mine) - 1)
        assert all(piece.total == block.total for piece in mine)
    assert [piece.name for piece in pieces] == sorted(
        (piece.name for piece in pieces), key=[block.name for block in whole].index
    )
    for part in parts:
        splittable = sum(max(len(b.items), 1) for b in part.summary if b.splittable)
        assert splittable <= 3
    assert [part.first for part in parts] == [True] + [False] * (len(parts) - 1)
    assert parallel._summary_parts(data, rows=10_000) == [parallel.PackPart(["summary"])]

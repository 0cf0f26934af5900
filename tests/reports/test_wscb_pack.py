"""The WSCB pack for Q3 2015/16 with the demo history, read back from the PDF's text.

The pack (the wscb_pack fixture, tests/reports/conftest.py) is rendered once for this module
inside a transaction that is rolled back, and every test reads that one PDF.
"""

import io
import re

from pypdf import PdfReader

from actionplan.models import Rag
from tests.reports.conftest import MARKING, RUNNING_HEADER, section_pages, section_text


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
    for title, page in section_pages(wscb_pack).items():
        assert f" {title} " in f" {wscb_pack.pages[page - 1]}", title


def test_rag_counts_match_the_statuses_as_of_the_quarter_end(wscb_pack):
    summary = section_text(wscb_pack, "1. Summary")
    counts = wscb_pack.expected_counts
    order = [Rag.BLUE, Rag.GREEN, Rag.AMBER, Rag.RED, ""]
    row = " ".join(str(counts.get(rag, 0)) for rag in order)
    assert f"All actions {row} 42" in summary
    assert sum(counts.values()) == 42
    assert re.search(rf"{counts[Rag.RED]} ?Red: off track", summary)


def test_every_action_appears_in_the_detail(wscb_pack):
    detail = section_text(wscb_pack, "3. Progress by priority")
    assert len(wscb_pack.references) == 42
    for reference in wscb_pack.references:
        assert re.search(rf"(^| ){re.escape(reference)} ", detail), reference
    assert detail.count("Commentary this quarter") == 42


def test_exceptions_list_every_red_or_overdue_action(wscb_pack):
    exceptions = section_text(wscb_pack, "2. Exceptions: actions Red or overdue")
    assert wscb_pack.exceptions  # the demo history has some
    assert f"{len(wscb_pack.exceptions)} actions" in exceptions
    for reference in wscb_pack.exceptions:
        assert re.search(rf"(^| ){re.escape(reference)} ", exceptions), reference
    assert exceptions.count("Latest commentary") == len(wscb_pack.exceptions)
    assert exceptions.count("Red for") == len(wscb_pack.red)
    assert exceptions.count("Accountable body") == len(wscb_pack.exceptions)


def test_appendix_defines_the_statuses(wscb_pack):
    appendix = section_text(wscb_pack, "Appendix")
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

"""The pack's RAG colours come from the app's one stylesheet of them (static/css/rag.css):
WeasyPrint resolves its custom properties for the tags, and the chart's SVG reads the same
values."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from actionplan.quarters import Quarter
from actionplan.rag import LEVELS, colours, overdue_tag_html, tag_html
from reports.pdf import PACK_BASE_URL, render_pdf
from reports.services import board_pack_html
from tests.conftest import make_user
from tests.reports.conftest import at, make_small_plan


def _fill_colours(pdf: bytes) -> set[str]:
    """The fill colours a PDF paints with, as #rrggbb."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        for rgb in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg\b", stream):
            found.add("#" + "".join(f"{round(float(part) * 255):02x}" for part in rgb))
    return found


def test_tags_in_a_pdf_are_painted_in_the_stylesheets_colours():
    links = "".join(
        f'<link rel="stylesheet" href="{PACK_BASE_URL}static/{name}">'
        for name in ["css/rag.css", "reports/pack.css"]
    )
    tags = " ".join([*(tag_html(level.value) for level in LEVELS), overdue_tag_html()])
    head = f"<title>t</title>{links}"
    html = f'<html lang="en-GB"><head>{head}</head><body><p>{tags}</p></body></html>'
    painted = _fill_colours(render_pdf(html).content)
    for name in ["rag-blue", "rag-green", "rag-amber", "rag-red", "rag-amber-text"]:
        assert colours()[name] in painted, name


@pytest.mark.django_db
def test_the_chart_draws_each_status_in_its_stylesheet_colour():
    plan = make_small_plan(actions=2)
    html = board_pack_html(
        plan=plan,
        quarter=Quarter.parse("2015-Q3"),
        produced_by=make_user(),
        produced_at=at(date(2016, 1, 4)),
    )
    # Both actions are Green at the end of the quarter: one segment per bar.
    bars = re.findall(r'<rect x="0" y="0" width="1000" height="34" fill="([^"]+)"/>', html)
    assert bars and set(bars) == {colours()["rag-green"]}
    assert f'fill="{colours()["rag-green-text"]}">2</text>' in html

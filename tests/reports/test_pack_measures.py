"""The Board pack's measures: each quantified measure's last four quarters as a table and a
chart (colours from the RAG stylesheet, as attributes WeasyPrint draws), its status against
target and direction of travel; measures Red against target listed with the exceptions."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from actionplan.models import MeasureValue
from actionplan.quarters import Quarter
from actionplan.rag import colours
from reports.packs import build_pack_data
from reports.pdf import render_pdf
from reports.services import board_pack_html
from tests.conftest import make_measure, make_user
from tests.reports.conftest import at, make_small_plan

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")


def _values(measure, author, values: dict[str, str]):
    for quarter, value in values.items():
        MeasureValue.objects.create(
            measure=measure, quarter=quarter, value=Decimal(value), recorded_by=author
        )


@pytest.fixture
def plan():
    plan = make_small_plan(actions=2)
    first, second = plan.actions.order_by("sort_key")
    author = make_user()
    referrals = make_measure(first, text="Referrals to the CSE team")  # target 20, higher
    waits = make_measure(second, text="Days to a strategy meeting", unit="days",
                         direction="lower", target_value=Decimal(10))  # fmt: skip
    # 2014-Q4 is outside the pack's four quarters (2015-Q1 to 2015-Q3); 2015-Q4 after it.
    _values(referrals, author, {"2014-Q4": "5", "2015-Q1": "12", "2015-Q2": "15",
                                "2015-Q3": "18", "2015-Q4": "25"})  # fmt: skip
    _values(waits, author, {"2015-Q2": "14", "2015-Q3": "16"})
    return plan


def _html(plan):
    return board_pack_html(
        plan=plan, quarter=Q3, produced_by=make_user(), produced_at=at(date(2016, 1, 20))
    )


def test_each_measure_shows_its_last_four_quarters_against_target(plan):
    data = build_pack_data(plan=plan, quarter=Q3, today=date(2016, 1, 20))
    referrals, waits = [s for m in data.measures for s in m.series]
    slugs = [r.quarter.slug for r in referrals.rows]
    assert slugs == ["2014-Q4", "2015-Q1", "2015-Q2", "2015-Q3"]
    assert (referrals.rag, referrals.travel_words) == ("red", "Improved")  # 18 < 19 (5% off 20)
    assert (waits.rag, waits.travel_words) == ("red", "Worsened")  # 16 days, up from 14
    assert [item.action.reference for item, _ in data.measures_red] == ["1.1.1", "1.1.2"]


def test_the_pack_shows_the_measures_section_and_red_measures_as_exceptions(plan):
    html = _html(plan)
    section = html.split('id="measures-title"')[1]
    assert "4. Measures against target" in section.split("</h2>")[0]
    assert "Improved from 5 to 18, against a target of 20; Red." in section
    assert section.count('class="measure__chart"') == 2
    assert '<th scope="row">Q3 2015/16</th><td class="numeric">18' in section
    assert "25" not in section.split("Referrals to the CSE team")[1].split("</table>")[0]
    exceptions = html.split('id="exceptions-title"')[1].split("</section>")[0]
    assert "Measures Red against target" in exceptions
    assert "Days to a strategy meeting" in exceptions and "16 days (Q3 2015/16)" in exceptions
    # Colours as SVG attributes, from the RAG stylesheet: WeasyPrint draws nothing else.
    assert f'fill="{colours()["rag-red"]}"' in section.split("</svg>")[0]
    assert f'stroke="{colours()["rag-green"]}"' in section.split("</svg>")[0]


def test_the_pdf_paints_the_measures_charts(plan):
    pdf = render_pdf(_html(plan)).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "4. Measures against target" in text and "Referrals to the CSE team" in text


def test_pack_data_queries_do_not_grow_with_measures_and_quarters(plan, django_assert_num_queries):
    author = make_user()
    for action in plan.actions.all():
        for number in range(4):
            measure = make_measure(action, text=f"Extra {number}")
            quarters = [f"{year}-Q{q}" for year in (2013, 2014, 2015) for q in (1, 2, 3, 4)]
            _values(measure, author, {quarter: "3" for quarter in quarters})
    # As the pack without measures (reports/test_pack_data.py), and one for every value.
    with django_assert_num_queries(9):
        data = build_pack_data(plan=plan, quarter=Q3, today=date(2016, 1, 20))
    assert data.measure_count == 10
    assert all(len(series.rows) == 4 for m in data.measures for series in m.series)

"""The measures' values leave the app as a second XLSX sheet and a CSV of their own: one row
per measure per quarter, the quarter's latest value (a correction replaces what it
corrects), neutralised like every other export cell."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import exports
from actionplan.models import Measure, MeasureValue
from tests.conftest import make_action, make_measure, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def action():
    action = make_action()
    author = make_user(first_name="Olly", last_name="Owner")
    measure = make_measure(action, text="=Referrals", data_source="MASH")
    Measure.objects.create(action=action, text="A sentence only", order=50)
    first = MeasureValue.objects.create(
        measure=measure, quarter="2015-Q2", value=Decimal(12), recorded_by=author
    )
    MeasureValue.objects.create(
        measure=measure, quarter="2015-Q2", value=Decimal(13), supersedes=first,
        note="Late referral", recorded_by=author,
    )  # fmt: skip
    MeasureValue.objects.create(
        measure=measure, quarter="2015-Q3", value=None, note="Audit late", recorded_by=author
    )
    return action


def _csv(body: bytes):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_one_row_per_measure_per_quarter_in_the_csv(action, client):
    client.force_login(make_user())
    url = reverse("actionplan:plan-measures-export", kwargs={"slug": action.plan.slug})
    response = client.get(url)
    assert response.status_code == 200
    assert "measures" in response["Content-Disposition"]
    rows = _csv(response.content)
    assert [(r["quarter"], r["value"], r["note"]) for r in rows] == [
        ("2015-Q2", "13", "Late referral"), ("2015-Q3", "", "Audit late"),
    ]  # fmt: skip
    first = rows[0]
    assert first["measure"] == "'=Referrals"  # never a formula
    assert (first["target"], first["against_target"], first["baseline"]) == ("20", "Red", "12")
    assert (first["unit"], first["better_is"], first["recorded_by"]) == (
        "Number", "Higher is better", "Olly Owner"
    )  # fmt: skip


def test_the_xlsx_has_the_values_on_a_second_sheet(action):
    xlsx = exports.render(action.plan.actions.for_export(), "xlsx")
    workbook = load_workbook(io.BytesIO(xlsx))
    assert workbook.sheetnames == ["Actions", "Measure values"]
    sheet = workbook["Measure values"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.MEASURE_COLUMNS
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (action.reference, "2015-Q2", "13"), (action.reference, "2015-Q3", None),
    ]  # fmt: skip


def test_the_measures_export_costs_the_same_queries_with_more_values(
    action, django_assert_num_queries
):
    author = make_user()
    for number in range(5):
        measure = make_measure(action, text=f"Measure {number}")
        MeasureValue.objects.bulk_create(
            MeasureValue(measure=measure, quarter=f"2015-Q{q}", value=q, recorded_by=author)
            for q in (1, 2, 3, 4)
        )
    # actions (+objective, priority, body, latest update), owner links, measures, values
    # (+who recorded them)
    with django_assert_num_queries(4):
        rows = exports.measure_value_rows(action.plan.actions.for_export())
    assert len(rows) == 2 + 5 * 4

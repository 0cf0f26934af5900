"""A body's dashboard exported as CSV or XLSX: the filtered rows, as of the date."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import exports
from tests.actionplan.conftest import AS_OF, big_body, dashboard_url, query_count

pytestmark = pytest.mark.django_db


def _csv(response):
    body = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_csv_has_the_filtered_rows_with_status_as_of_the_date(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    response = viewer.get(url + f"?as_of={AS_OF}&overdue=yes&sort=-ref&page=2")
    assert response["Content-Type"] == exports.CONTENT_TYPES["csv"]
    assert 'filename="test-sub-group-as-of-2015-12-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    # The plan export's columns, then where each action stands in the quarter's round.
    assert list(rows[0]) == [*exports.COLUMNS, exports.ROUND_COLUMN]
    assert [row["ref"] for row in rows] == ["1.1.1", "2.1.1"]  # all matches, plan order
    assert {row["round_return"] for row in rows} == {""}  # the quarter had no round
    shared = rows[1]
    assert (shared["status"], shared["status_date"]) == ("Green", "2015-12-20")
    assert shared["commentary"] == "Operation Kestrel data now shared with the neighbouring force."
    assert shared["owners"] == "Analyst (Test Police)"
    assert shared["accountable_body"] == "Test Sub-group"


def test_export_xlsx_has_the_filtered_rows(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"])
    response = viewer.get(url + f"?as_of={AS_OF}&rag=none&rag=amber")
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = [sheet.cell(row, 1).value for row in (1, 2, 3)]
    assert lines[0] == "Test Sub-group: actions"
    assert lines[1].startswith("As at 31 December 2015, the end of Q3 2015/16:")
    assert lines[2] == "Filters: RAG status: Amber, Not yet rated."
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0][:4] == ("Ref", "Priority", "Objective", "Action")
    status, measures = rows[0].index("Status"), rows[0].index("Measures")
    assert [(row[0], row[status]) for row in rows[1:]] == [("1.2.1", "Amber"), ("1.2.2", None)]
    assert rows[2][3] == "Map hot spots"
    assert rows[2][measures] == "Licensing committee receives the map"


def test_export_xlsx_says_every_filter_used_and_marks_overdue(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"])
    query = f"?as_of={AS_OF}&overdue=yes&q=share&due_to=2016-01-31"
    sheet = load_workbook(io.BytesIO(viewer.get(url + query).content)).active
    assert sheet["A2"].value.startswith("As at 31 December 2015, the end of Q3 2015/16:")
    assert sheet["A3"].value == (
        "Filters: Search: “share”; Overdue: Overdue; Due to: 31 January 2016."
    )
    overdue = [cell.value for cell in sheet[4]].index("Overdue")
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows and all(row[overdue] == "Yes" for row in rows)


def test_export_xlsx_of_today_says_so(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(viewer.get(url).content)).active
    assert ", today:" in sheet["A2"].value
    assert sheet["A3"].value == "Filters: none, every action Test Sub-group is accountable for."


def test_export_without_a_date_has_todays_status(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    rows = _csv(viewer.get(url + "?q=share"))
    assert [(row["ref"], row["status"]) for row in rows] == [("2.1.1", "Blue")]


def test_export_with_invalid_filters_goes_back_to_the_dashboard_errors(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    response = viewer.get(url + "?due_from=2015-02-30")
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(sample.body, "?due_from=2015-02-30")


def test_export_of_unknown_format_or_body_is_404(viewer, sample):
    for args in [(sample.body.pk, "json"), (999999, "csv")]:
        assert viewer.get(reverse("actionplan:body-export", args=args)).status_code == 404


def test_export_query_count_is_fixed(counting_client, django_assert_num_queries):
    small, big = big_body(3), big_body(35)

    def url(body):
        return reverse("actionplan:body-export", args=[body.pk, "xlsx"]) + f"?as_of={AS_OF}"

    assert query_count(counting_client, url(small)) == query_count(counting_client, url(big))
    # session, user, whether they have a second factor and their groups (must they?:
    # accounts.middleware), body, the quarter picker's date range (validating the date), open
    # reporting rounds (the reporting quarter), the actions (joined, status in subqueries), their
    # owners (+agency), the people holding those roles, their measures
    with django_assert_num_queries(11):
        counting_client.get(url(big))

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from actionplan import exports
from tests.conftest import WSCB_SLUG, make_action, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2016, 2, 1)
EXPECTED_COLUMNS = [
    "ref", "priority", "objective", "action", "owners", "measures", "accountable_body",
    "timeframe", "start_date", "due_date", "status", "status_date", "commentary", "retired_on",
    "retired_reason",
]  # fmt: skip


def _csv_rows(body: bytes):
    assert body.startswith("\ufeff".encode())  # Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_command_prints_the_whole_plan_as_csv(wscb_plan, capfdbinary):
    call_command("export_plan", plan=WSCB_SLUG, format="csv")
    body = capfdbinary.readouterr().out
    rows = _csv_rows(body)
    assert list(rows[0]) == EXPECTED_COLUMNS
    assert [row["ref"] for row in rows] == list(
        wscb_plan.actions.order_by("sort_key").values_list("reference", flat=True)
    )
    assert len(rows) == 42
    first = rows[0]
    assert first["owners"] == (
        "Head of Protecting Vulnerable People (West Mercia Police)\n"
        "Head of Corporate Communications (West Mercia Police)"
    )
    assert first["due_date"] == "2015-11-30"
    assert first["status"] == first["status_date"] == first["commentary"] == ""
    ranged = next(row for row in rows if row["ref"] == "2.1.1")
    assert (ranged["start_date"], ranged["due_date"]) == ("2015-09-01", "2015-12-31")
    measures = next(row for row in rows if row["ref"] == "2.4.1")["measures"]
    assert len(measures.split("\n")) == 4


SHEET_HEADINGS = [
    "Ref", "Priority", "Objective", "Action", "Owners", "People in the owner roles",
    "Measures", "Accountable body", "Timeframe", "Start date", "Due date", "Due date revised",
    "Status", "Overdue", "Status date", "Commentary", "Retired on",
    "Why it was retired",
]  # fmt: skip
START, DUE, OVERDUE = (SHEET_HEADINGS.index(name) for name in ("Start date", "Due date", "Overdue"))
HEADING_ROW = 4  # below the title, the "as at" line and the filters line


def test_command_writes_xlsx_and_json(wscb_plan, tmp_path):
    call_command("export_plan", plan=WSCB_SLUG, format="xlsx", output=tmp_path / "plan.xlsx")
    sheet = load_workbook(tmp_path / "plan.xlsx").active
    assert [cell.value for cell in sheet[HEADING_ROW]] == SHEET_HEADINGS
    assert sheet.max_row == HEADING_ROW + 42
    call_command("export_plan", plan=WSCB_SLUG, format="json", output=tmp_path / "plan.json")
    rows = json.loads((tmp_path / "plan.json").read_text())
    assert len(rows) == 42 and list(rows[0]) == EXPECTED_COLUMNS


def test_unknown_plan_is_a_clear_error(wscb_plan):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No plan 'nope'. Plans: .*wscb-cse-2015-18"):
        call_command("export_plan", plan="nope")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_neutralised(start):
    assert exports.neutralise(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert exports.neutralise("Plain text") == "Plain text"
    assert exports.neutralise("") == ""


def test_formula_injection_is_neutralised_in_csv_and_xlsx(tmp_path):
    action = make_action(description='=HYPERLINK("http://evil.example","click")')
    body = exports.to_csv([action])
    assert _csv_rows(body)[0]["action"] == '\'=HYPERLINK("http://evil.example","click")'
    (tmp_path / "x.xlsx").write_bytes(exports.render_plan(action.plan, "xlsx", today=TODAY))
    cell = load_workbook(tmp_path / "x.xlsx").active[f"D{HEADING_ROW + 1}"]
    assert cell.data_type == "s"
    assert cell.value.startswith("'=")


def test_download_link_serves_each_format(client, wscb_plan):
    client.force_login(make_user())
    for fmt, content_type in exports.CONTENT_TYPES.items():
        response = client.get(reverse("actionplan:plan-export", args=[WSCB_SLUG, fmt]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert f"{WSCB_SLUG}-" in response["Content-Disposition"]


def test_unknown_export_format_is_404(client, wscb_plan):
    client.force_login(make_user())
    response = client.get(reverse("actionplan:plan-export", args=[WSCB_SLUG, "exe"]))
    assert response.status_code == 404


def test_export_query_count_does_not_grow_with_actions(wscb_plan, django_assert_num_queries):
    # plan actions + objectives/priorities/bodies (joined) + owner links + roles/agencies
    # (joined) + measures
    with django_assert_num_queries(3):
        exports.to_csv(wscb_plan.actions.for_export())


# Hole 9: every CSV field quoted; formula starts neutralised after the separators a
# spreadsheet in another locale would split on, and in their full-width forms.

FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@pytest.mark.parametrize("start", ["\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_full_width_formula_starts_are_neutralised(start):
    assert exports.neutralise(f"{start}SUM(1)") == f"'{start}SUM(1)"


def test_every_csv_field_is_quoted(wscb_plan):
    lines = exports.to_csv(wscb_plan.actions.for_export()).decode("utf-8-sig").split("\r\n")
    assert lines[0] == ",".join(f'"{column}"' for column in EXPECTED_COLUMNS)
    due_dates = [row["due_date"] for row in csv.DictReader(io.StringIO("\r\n".join(lines)))]
    assert f'"{due_dates[0]}"' in lines[1]  # even a date, which needs no quotes


def _pieces_a_spreadsheet_might_see(body: bytes):
    """Every cell the file could be read as: split on each locale's separator, whatever the
    quotes say (a spreadsheet reading `,` files with `;` as its separator does just that)."""
    text = body.decode("utf-8-sig")
    for separator in [",", ";"]:
        for line in text.splitlines():
            for piece in line.split(separator):
                yield piece.lstrip(' "\t\r')  # a spreadsheet may skip these before a formula


HOSTILE = [
    'Done; =HYPERLINK("http://evil.example","x")',
    "Agreed,+cmd|' /C calc'!A0",
    'Noted, "=1+1"',
    "Noted;\t@SUM(1)",
    "Late,\uff1dcmd",
    '"=1',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_formula_starts_after_any_separator(text):
    action = make_action(description=text)
    body = exports.to_csv([action])
    pieces = list(_pieces_a_spreadsheet_might_see(body))
    assert len(pieces) > 20
    assert not [piece for piece in pieces if piece.startswith(FORMULA_STARTS)]
    assert _csv_rows(body)[0]["action"].replace("'", "") == text.replace("'", "")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list(' ,;"\t=+-@\uff1d\uff0b\uff0d\uff20ab1')), max_size=30
    )
)
def test_fuzzed_cells_never_start_a_formula_after_a_separator(text):
    cell = exports.csv_cell(text)
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerow(["x", cell, "y"])
    pieces = list(_pieces_a_spreadsheet_might_see(buffer.getvalue().encode()))
    assert not [piece for piece in pieces if piece.startswith(FORMULA_STARTS)], cell
    assert cell.replace("'", "") == text.replace("'", "")


# The Excel file people open (issue 17)


def _sheet(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def test_the_excel_file_reads_as_a_table_for_people(wscb_plan):
    sheet = _sheet(exports.render_plan(wscb_plan, "xlsx", today=TODAY))
    assert sheet["A1"].value == f"{wscb_plan.title}: every action"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value.startswith("As at 1 February 2016, the day it was exported:")
    assert sheet["A3"].value == "Filters: none, every action of the plan."
    assert [cell.value for cell in sheet[HEADING_ROW]] == SHEET_HEADINGS
    assert all(cell.font.bold for cell in sheet[HEADING_ROW])
    # The headings and the Ref column stay in view; the table can be filtered in Excel.
    assert sheet.freeze_panes == f"B{HEADING_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADING_ROW}:R{HEADING_ROW + 42}"
    widths = {column: sheet.column_dimensions[column].width for column in "ADKP"}
    assert widths == {"A": 9, "D": 50, "K": 13, "P": 60}
    first = sheet[HEADING_ROW + 1]
    assert all(cell.alignment.wrap_text for cell in first)


def test_excel_dates_are_date_cells_and_overdue_is_judged_on_the_day(wscb_plan):
    sheet = _sheet(exports.render_plan(wscb_plan, "xlsx", today=TODAY))
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=HEADING_ROW + 1)}
    assert len(rows) == 42
    due, start = rows["2.1.1"][DUE], rows["2.1.1"][START]
    # openpyxl reads a date cell back as a naive datetime at midnight.
    assert (start.value.date(), due.value.date()) == (date(2015, 9, 1), date(2015, 12, 31))
    assert due.is_date and due.number_format == "d mmm yyyy"
    # Nothing is rated yet: overdue on 1 February 2016 exactly when due before it.
    assert rows["2.1.1"][OVERDUE].value == "Yes"
    overdue = {ref: row[OVERDUE].value for ref, row in rows.items()}
    expected = {ref: "Yes" if row[DUE].value.date() < TODAY else "No" for ref, row in rows.items()}
    assert overdue == expected
    assert set(overdue.values()) == {"Yes", "No"}


def test_csv_and_json_keep_the_machine_columns_and_iso_dates(wscb_plan):
    rows = _csv_rows(exports.render_plan(wscb_plan, "csv", today=TODAY))
    assert list(rows[0]) == EXPECTED_COLUMNS
    assert rows[0]["due_date"] == "2015-11-30"
    records = json.loads(exports.render_plan(wscb_plan, "json", today=TODAY))
    assert list(records[0]) == EXPECTED_COLUMNS and records[0]["due_date"] == "2015-11-30"


def test_render_without_a_heading_says_actions_as_at_today(wscb_plan, time_machine):
    time_machine.move_to("2016-02-01 12:00 +0000", tick=False)
    sheet = _sheet(exports.render(wscb_plan.actions.for_export(), "xlsx"))
    assert sheet["A1"].value == "Actions"
    assert sheet["A2"].value.startswith("As at 1 February 2016:")
    assert sheet.max_row == HEADING_ROW + 42

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import exports
from tests.conftest import WSCB_SLUG, make_action, make_user

pytestmark = pytest.mark.django_db

EXPECTED_COLUMNS = [
    "ref", "priority", "objective", "action", "owners", "measures", "accountable_body",
    "timeframe", "start_date", "due_date", "status", "status_date", "commentary",
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


def test_command_writes_xlsx_and_json(wscb_plan, tmp_path):
    call_command("export_plan", plan=WSCB_SLUG, format="xlsx", output=tmp_path / "plan.xlsx")
    sheet = load_workbook(tmp_path / "plan.xlsx").active
    assert [cell.value for cell in sheet[1]] == EXPECTED_COLUMNS
    assert sheet.max_row == 43
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
    (tmp_path / "x.xlsx").write_bytes(exports.to_xlsx([action]))
    cell = load_workbook(tmp_path / "x.xlsx").active["D2"]
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

"""The plan's own export (CSV and Excel) imports back into an identical new plan: the same
headings, actions, owners, measures, bodies, dates, latest statuses and retired actions; and
a revision made from a later export keeps the plan's retirements.

What the export does not carry cannot come back, and is left out of the comparison: a
priority's statement, links between related actions, and the owner and body cells as first
written (the export writes each owner as "Role (Agency)", which is what the import keeps)."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from actionplan.exports import render
from actionplan.importing.commit import (
    ImportBlockedError,
    plan_import_commit,
    plan_import_create,
    plan_import_map,
    preview,
)
from actionplan.importing.mapping import field_for_header
from actionplan.importing.revision import plan_import_revise, revision_for
from actionplan.models import Action, Plan
from actionplan.plan_edits import action_retire
from actionplan.services import status_update_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


MACHINE_MAPPING = [
    "reference", "level1", "level2", "description", "owners", "measures",
    "accountable_body", "timeframe", "start_date", "due_date", "status", "status_date",
    "commentary", "retired_on", "retired_reason",
]  # fmt: skip
# The Excel file for people (exports.SHEET_COLUMNS) has the same columns in words, below its
# title lines, and three more that the import leaves out (the people in the owner roles, the
# due date's revision and overdue).
SHEET_MAPPING = [
    "reference", "level1", "level2", "description", "owners", "", "measures",
    "accountable_body", "timeframe", "start_date", "due_date", "", "status", "", "status_date",
    "commentary", "retired_on", "retired_reason",
]  # fmt: skip
RETIRED_ON, WHY = date(2016, 1, 1), "Merged into 1.1.2 by the Board"


def _fields(action):
    latest = action.latest_update
    return {
        "priority": (action.objective.priority.number, action.objective.priority.title),
        "objective": (action.objective.number, action.objective.title),
        "description": action.description,
        "owners": [link.role_id for link in action.owner_links.order_by("order")],
        "body": action.accountable_body_id,
        "timeframe": action.timeframe,
        "dates": (action.start_date, action.due_date),
        "measures": [m.text for m in action.measures.order_by("order")],
        "milestones": [(m.label, m.due_date) for m in action.milestones.order_by("order")],
        "status": (
            action.current_rag,
            latest and latest.created_at.astimezone(LONDON).date(),
            latest and latest.commentary,
        ),
        "retired": (action.retired_on, action.retired_reason),
    }


def _plan_actions(plan):
    actions = Action.objects.filter(plan=plan).select_related(
        "objective__priority", "latest_update"
    )
    return {a.reference: _fields(a) for a in actions}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_plans_own_export_imports_back_identical(wscb_plan, business_support, fmt):
    rated = list(wscb_plan.actions.order_by("sort_key")[:5])
    for action, rag in zip(rated, ["green", "amber", "red", "blue", "green"], strict=True):
        status_update_create(
            action=action, author=business_support, rag=rag,
            commentary=f"{rag.title()}: what is being done about it, in more than fifty letters.",
            expected_version=action.version, created_at=datetime(2016, 1, 15, 10, tzinfo=LONDON),
        )  # fmt: skip
    retired = wscb_plan.actions.get(reference="1.1.3")
    action_retire(action=retired, on=RETIRED_ON, reason=WHY, by=business_support)
    data = render(Action.objects.filter(plan=wscb_plan).for_export(), fmt)

    upload = plan_import_create(name=f"export.{fmt}", data=data, uploaded_by=business_support)
    expected = MACHINE_MAPPING if fmt == "csv" else SHEET_MAPPING
    assert upload.mapping == expected
    details = {
        "title": "Copy", "partnership": wscb_plan.partnership, "period": "2015-18",
        "slug": f"copy-{fmt}", "status_from": "column", "status_date": "2016-03-31",
    }  # fmt: skip
    plan_import_map(plan_import=upload, mapping=upload.mapping, details=details)
    draft = preview(upload).draft
    assert draft.blocking == []
    assert all(part.exact for part in draft.owners.values())  # every owner found, none guessed
    assert all(match.exact for match in draft.bodies.values())
    copy = plan_import_commit(plan_import=upload, user=business_support)

    original, imported = _plan_actions(wscb_plan), _plan_actions(copy)
    assert set(imported) == set(original) and len(imported) == 42
    for reference, fields in original.items():
        assert imported[reference] == fields, reference
    assert sum(1 for f in imported.values() if f["status"][0]) == 5
    assert copy.actions.filter(latest_update__is_imported=True).count() == 5
    assert list(copy.actions.retired().values_list("reference", "retired_on")) == [
        ("1.1.3", RETIRED_ON)
    ]
    assert upload.summary["retired"] == 1


def test_the_retired_columns_are_suggested_by_their_headers():
    for header in ("Retired on", "retired_on", "Retired", "Date retired", "Retirement date"):
        assert field_for_header(header) == "retired_on", header
    for header in ("Why it was retired", "retired_reason", "Why retired", "Reason for retirement"):
        assert field_for_header(header) == "retired_reason", header
    assert field_for_header("Date") == "timeframe"  # as before


def _export(plan, fmt="xlsx") -> bytes:
    return render(Action.objects.filter(plan=plan).for_export(), fmt)


def _upload(support, data, *, name="plan.xlsx", revises=None, **details):
    upload = plan_import_create(name=name, data=data, uploaded_by=support, revises=revises)
    details = {"partnership": "WSCB", "period": "2015-18", "slug": "copy", **details}
    plan_import_map(
        plan_import=upload, mapping=upload.mapping, details={**details, **upload.details}
    )
    return upload


def _with_cells(data: bytes, cells: dict[str, dict[int, object]]) -> bytes:
    """The exported workbook with cells set: {reference: {column index: value}}."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Ref")
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=header + 1) if row[0].value}
    for reference, values in cells.items():
        for index, value in values.items():
            rows[reference][index].value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


RETIRED_COLUMN, WHY_COLUMN = (
    SHEET_MAPPING.index("retired_on"),
    SHEET_MAPPING.index("retired_reason"),
)


def test_the_preview_says_how_many_actions_are_retired(client, wscb_plan, business_support):
    action_retire(action=wscb_plan.actions.get(reference="1.1.3"), on=RETIRED_ON, reason=WHY,
                  by=business_support)  # fmt: skip
    upload = _upload(business_support, _export(wscb_plan))
    client.force_login(business_support)
    html = client.get(reverse("actionplan:import-preview", args=[upload.pk])).content.decode()
    assert "42 actions" in html and "1 of them retired" in html
    assert f"Retired on 1 Jan 2016</strong>: {WHY}" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_revision_from_an_export_after_a_retirement_changes_nothing(
    wscb_plan, business_support, fmt
):
    action_retire(action=wscb_plan.actions.get(reference="1.1.3"), on=RETIRED_ON, reason=WHY,
                  by=business_support)  # fmt: skip
    upload = _upload(business_support, _export(wscb_plan, fmt), name=f"later.{fmt}",
                     revises=wscb_plan)  # fmt: skip
    revision = revision_for(upload, wscb_plan, preview(upload))
    assert not revision.has_changes
    assert revision.counts == {"new": 0, "changed": 0, "reinstate": 0, "retire": 0,
                               "unchanged": 42}  # fmt: skip


def test_a_row_newly_carrying_a_retired_date_retires_the_action(wscb_plan, business_support):
    cells = {
        "1.1.1": {RETIRED_COLUMN: date(2016, 3, 1)},  # a real date cell
        "2.1.1": {RETIRED_COLUMN: "1 Apr 2016", WHY_COLUMN: "Done by the Police"},
    }
    data = _with_cells(_export(wscb_plan), cells)
    upload = _upload(business_support, data, name="v2.xlsx", revises=wscb_plan)
    revision = revision_for(upload, wscb_plan, preview(upload))
    assert revision.references("retire") == ["1.1.1", "2.1.1"]
    assert revision.counts["unchanged"] == 40

    plan_import_revise(plan_import=upload, user=business_support)
    retired = wscb_plan.actions.retired().order_by("sort_key")
    assert list(retired.values_list("reference", "retired_on", "retired_reason")) == [
        ("1.1.1", date(2016, 3, 1), "Retired in v2.xlsx"),
        ("2.1.1", date(2016, 4, 1), "Done by the Police"),
    ]


def test_another_retired_date_in_the_file_changes_the_retired_date(wscb_plan, business_support):
    action_retire(action=wscb_plan.actions.get(reference="1.1.3"), on=RETIRED_ON, reason=WHY,
                  by=business_support)  # fmt: skip
    data = _with_cells(_export(wscb_plan), {"1.1.3": {RETIRED_COLUMN: "2015-12-01"}})
    upload = _upload(business_support, data, name="v2.xlsx", revises=wscb_plan)
    revision = revision_for(upload, wscb_plan, preview(upload))
    assert revision.references("changed") == ["1.1.3"]
    [change] = revision.groups["changed"][0].fields
    assert (change.label, change.before, change.after) == ("Retired on", "1 Jan 2016",
                                                           "1 Dec 2015")  # fmt: skip

    plan_import_revise(plan_import=upload, user=business_support)
    action = wscb_plan.actions.get(reference="1.1.3")
    assert (action.retired_on, action.retired_reason) == (date(2015, 12, 1), WHY)


FUTURE_TODAY = datetime(2016, 2, 1, 9, tzinfo=LONDON)


@pytest.mark.parametrize("revise", [False, True])
@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Soon, we hope", "'Soon, we hope' is not a date: "),
        (date(2016, 3, 1), "'2016-03-01' is in the future: "),  # the retire page refuses it too
    ],
)
def test_a_retired_cell_not_a_day_up_to_today_stops_the_import(
    wscb_plan, business_support, time_machine, revise, cell, message
):
    time_machine.move_to(FUTURE_TODAY, tick=False)
    cells = {"1.1.1": {RETIRED_COLUMN: date(2016, 2, 1)}, "1.1.2": {RETIRED_COLUMN: cell}}
    data = _with_cells(_export(wscb_plan), cells)  # 1.1.1 retired today: allowed
    upload = _upload(business_support, data, name="v2.xlsx",
                     revises=wscb_plan if revise else None)  # fmt: skip
    [problem] = preview(upload).draft.blocking
    assert problem.row is not None and problem.column.endswith("(Retired on)")
    assert problem.message.startswith(message)
    plans = Plan.objects.count()
    with pytest.raises(ImportBlockedError):
        if revise:
            plan_import_revise(plan_import=upload, user=business_support)
        else:
            plan_import_commit(plan_import=upload, user=business_support)
    assert Plan.objects.count() == plans and not wscb_plan.actions.retired().exists()


def _csv_with_retired(data: bytes, reference: str, day: str) -> tuple[bytes, str]:
    """The exported CSV with the action's "retired_on" cell set, and where: "row 7, column N"."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    column = rows[0].index("retired_on")
    [number] = [number for number, row in enumerate(rows, start=1) if row[0] == reference]
    rows[number - 1][column] = day
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8"), f"row {number}, column {chr(ord('A') + column)}"


def test_the_command_refuses_a_csv_with_a_retired_date_in_the_future(
    wscb_plan, business_support, time_machine, tmp_path
):
    time_machine.move_to(FUTURE_TODAY, tick=False)
    path = tmp_path / "export.csv"
    data, where = _csv_with_retired(_export(wscb_plan, "csv"), "2.1.1", "1 Apr 2016")
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_plan", str(path), "--plan", "copy", "--period", "2015-18",
                     "--partnership", "WSCB", stdout=out)  # fmt: skip
    stop = f"{where} (retired_on): STOPS THE IMPORT: '1 Apr 2016' is in the future: "
    assert stop in out.getvalue()
    assert not Plan.objects.filter(slug="copy").exists()


@pytest.mark.parametrize("revise", [False, True])
def test_the_preview_page_stops_at_a_retired_date_in_the_future(
    client, wscb_plan, business_support, time_machine, revise
):
    time_machine.move_to(FUTURE_TODAY, tick=False)
    data = _with_cells(_export(wscb_plan), {"1.1.2": {RETIRED_COLUMN: "1 Mar 2016"}})
    upload = _upload(business_support, data, revises=wscb_plan if revise else None)
    client.force_login(business_support)
    url = reverse("actionplan:import-preview", args=[upload.pk])
    html = client.get(url).content.decode()
    assert "<strong>Stops the import:</strong> &#x27;1 Mar 2016&#x27; is in the future" in html
    assert 'name="confirm"' not in html
    plans = Plan.objects.count()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 200 and Plan.objects.count() == plans
    assert not wscb_plan.actions.retired().exists()


def test_the_command_says_how_many_imported_actions_are_retired(
    wscb_plan, business_support, tmp_path
):
    action_retire(action=wscb_plan.actions.get(reference="1.1.3"), on=RETIRED_ON, reason=WHY,
                  by=business_support)  # fmt: skip
    path = tmp_path / "export.csv"
    path.write_bytes(_export(wscb_plan, "csv"))
    out = io.StringIO()
    call_command("import_plan", str(path), "--plan", "copy", "--period", "2015-18",
                 "--partnership", "WSCB", stdout=out)  # fmt: skip
    assert "Imported copy: 42 actions, 1 of them retired." in out.getvalue()
    copy = Plan.objects.get(slug="copy").actions.retired().get()
    assert (copy.reference, copy.retired_on, copy.retired_reason) == ("1.1.3", RETIRED_ON, WHY)

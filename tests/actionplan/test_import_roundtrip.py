"""The plan's own export (CSV and Excel) imports back into an identical new plan: the same
headings, actions, owners, measures, bodies, dates and latest statuses.

What the export does not carry cannot come back, and is left out of the comparison: a
priority's statement, links between related actions, and the owner and body cells as first
written (the export writes each owner as "Role (Agency)", which is what the import keeps)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actionplan.exports import render
from actionplan.importing.commit import (
    plan_import_commit,
    plan_import_create,
    plan_import_map,
    preview,
)
from actionplan.models import Action
from actionplan.services import status_update_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


MACHINE_MAPPING = [
    "reference", "level1", "level2", "description", "owners", "measures",
    "accountable_body", "timeframe", "start_date", "due_date", "status", "status_date",
    "commentary", "",
]  # fmt: skip
# The last column, when an action was retired, is not read by a first import: a new plan's
# actions are all in it (the re-import of a revised plan reads it).
# The Excel file for people (exports.SHEET_COLUMNS) has the same columns in words, below its
# title lines, and three more that the import leaves out (the people in the owner roles, the
# due date's revision and overdue), besides when it was retired.
SHEET_MAPPING = [
    "reference", "level1", "level2", "description", "owners", "", "measures",
    "accountable_body", "timeframe", "start_date", "due_date", "", "status", "", "status_date",
    "commentary", "",
]  # fmt: skip


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

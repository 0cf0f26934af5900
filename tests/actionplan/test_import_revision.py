"""Importing a revised version of a plan already here (issue 15): actions matched by reference;
new, changed (field by field), unchanged and no longer in the plan (retired, never deleted);
all or nothing; status history never touched.

The revised file is the WSCB plan's own Excel export, changed the way a Board revises a plan:
an action reworded, an owner moved, an action dropped and one added."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from actionplan.exports import render
from actionplan.importing import revision as revision_module
from actionplan.importing.commit import plan_import_create, plan_import_map, preview
from actionplan.importing.revision import plan_import_revise, revision_for
from actionplan.models import Action, ActionOwner, Measure, OwnerRole, PlanImport, StatusUpdate
from actionplan.plan_edits import action_changes
from actionplan.services import status_update_create

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REWORDED = "Commission and deliver CSE awareness training for all taxi drivers (revised)."
ADDED = "Run a CSE awareness week in every secondary school."


def _export(plan) -> bytes:
    return render(Action.objects.filter(plan=plan).for_export(), "xlsx")


def _revise(data: bytes, change) -> bytes:
    """The exported workbook with `change(sheet, rows)` made: rows by reference."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Ref")
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=header + 1) if row[0].value}
    change(sheet, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def history(wscb_plan, business_support):
    """Some status history to keep: three updates on the first two actions."""
    first, second = wscb_plan.actions.order_by("sort_key")[:2]
    for action, rag, day in [(first, "green", 10), (first, "amber", 20), (second, "red", 15)]:
        action.refresh_from_db()
        status_update_create(
            action=action, author=business_support, rag=rag,
            commentary=f"{rag.title()}: what partners report, in more than fifty letters here.",
            expected_version=action.version, created_at=datetime(2016, 1, day, 10, tzinfo=LONDON),
        )  # fmt: skip
    return _statuses()


def _statuses():
    return list(
        StatusUpdate.objects.order_by("pk").values_list(
            "pk", "action_id", "rag", "commentary", "created_at", "version", "is_imported"
        )
    )


@pytest.fixture
def changes(wscb_plan):
    """What the revised file changes: references and the new owner."""
    actions = list(wscb_plan.actions.order_by("sort_key"))
    moved = actions[3]
    elsewhere = OwnerRole.objects.exclude(action_links__action=moved).order_by("pk").first()
    return {
        "reworded": actions[0].reference,
        "moved": moved.reference,
        "new_owner": elsewhere,
        "dropped": actions[5].reference,
        "added": actions[0].reference.rsplit(".", 1)[0] + ".9",
    }


def _revised_file(plan, changes) -> bytes:
    def change(sheet, rows):
        rows[changes["reworded"]][3].value = REWORDED
        rows[changes["moved"]][4].value = str(changes["new_owner"])
        template = [cell.value for cell in rows[changes["reworded"]]]
        template[0], template[3], template[12] = changes["added"], ADDED, "Green"
        sheet.delete_rows(rows[changes["dropped"]][0].row)
        sheet.append(template)

    return _revise(_export(plan), change)


def _upload(plan, support, data, *, name="plan-v2.xlsx", **details):
    upload = plan_import_create(name=name, data=data, uploaded_by=support, revises=plan)
    plan_import_map(
        plan_import=upload, mapping=upload.mapping, details={**upload.details, **details}
    )
    return upload


def _revision(upload, plan):
    return revision_for(upload, plan, preview(upload))


def test_a_revised_plan_previews_exactly_its_changes(wscb_plan, business_support, history, changes):
    upload = _upload(wscb_plan, business_support, _revised_file(wscb_plan, changes))
    revision = _revision(upload, wscb_plan)

    assert revision.counts == {
        "new": 1, "changed": 2, "reinstate": 0, "retire": 1, "unchanged": 39
    }  # fmt: skip
    assert revision.references("new") == [changes["added"]]
    assert revision.references("retire") == [changes["dropped"]]
    assert revision.references("changed") == [changes["reworded"], changes["moved"]]
    reworded, moved = revision.groups["changed"]
    assert [(f.label, f.after) for f in reworded.fields] == [("Action", REWORDED)]
    assert [(f.label, f.after) for f in moved.fields] == [("Owners", str(changes["new_owner"]))]
    assert revision.headings == []


def test_applying_a_revision_makes_its_changes_and_keeps_status_history(
    wscb_plan, business_support, history, changes, time_machine
):
    time_machine.move_to(datetime(2016, 4, 4, 9, tzinfo=LONDON))
    upload = _upload(
        wscb_plan, business_support, _revised_file(wscb_plan, changes), status_from="date",
        status_date="2016-03-31",
    )  # fmt: skip
    plan_import_revise(plan_import=upload, user=business_support)

    actions = {a.reference: a for a in wscb_plan.actions.all()}
    assert len(actions) == 43  # nothing deleted
    assert actions[changes["reworded"]].description == REWORDED
    assert actions[changes["moved"]].owner_roles() == [changes["new_owner"]]
    dropped = actions[changes["dropped"]]
    assert (dropped.retired_on, dropped.retired_reason) == (
        date(2016, 4, 4), "Re-imported from plan-v2.xlsx"
    )  # fmt: skip
    added = actions[changes["added"]]
    assert added.description == ADDED and added.added_on == date(2016, 4, 4)
    assert added.latest_update.is_imported and added.current_rag == "green"
    # The existing actions' status history is as it was; the new action has its first update.
    assert _statuses()[: len(history)] == history
    assert StatusUpdate.objects.count() == len(history) + 1
    upload.refresh_from_db()
    assert upload.state == PlanImport.State.COMMITTED and upload.plan == wscb_plan
    assert upload.summary["counts"]["changed"] == 2
    assert upload.summary["references"]["retire"] == [changes["dropped"]]
    trail = action_changes(actions[changes["reworded"]])
    assert trail[0].reason == "Re-imported from plan-v2.xlsx"
    assert trail[0].by in {business_support.get_full_name(), business_support.username}


def test_the_same_file_again_changes_nothing(wscb_plan, business_support, changes):
    data = _revised_file(wscb_plan, changes)
    first = _upload(wscb_plan, business_support, data)
    plan_import_revise(plan_import=first, user=business_support)

    again = _revision(_upload(wscb_plan, business_support, data), wscb_plan)
    assert not again.has_changes
    assert again.counts["unchanged"] == 42


def test_the_plans_own_export_is_no_change(wscb_plan, business_support):
    revision = _revision(_upload(wscb_plan, business_support, _export(wscb_plan)), wscb_plan)
    assert not revision.has_changes, [
        (e.reference, [(f.label, f.before, f.after) for f in e.fields])
        for e in revision.groups["changed"]
    ]


def test_a_retired_action_in_the_file_again_is_reinstated(wscb_plan, business_support, changes):
    dropped = _revised_file(wscb_plan, changes)
    plan_import_revise(plan_import=_upload(wscb_plan, business_support, dropped),
                       user=business_support)  # fmt: skip

    upload = _upload(wscb_plan, business_support, _export(wscb_plan))
    revision = _revision(upload, wscb_plan)
    assert revision.references("reinstate") == [changes["dropped"]]
    plan_import_revise(plan_import=upload, user=business_support)
    assert not wscb_plan.actions.get(reference=changes["dropped"]).is_retired


def test_a_failure_half_way_leaves_the_plan_as_it_was(
    wscb_plan, business_support, history, changes, monkeypatch
):
    upload = _upload(wscb_plan, business_support, _revised_file(wscb_plan, changes))
    before = {
        model.__name__: sorted(model.objects.values_list())
        for model in (Action, ActionOwner, Measure, StatusUpdate)
    }

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(revision_module, "action_retire", fail)  # after the adds and changes
    with pytest.raises(RuntimeError):
        plan_import_revise(plan_import=upload, user=business_support)

    after = {
        model.__name__: sorted(model.objects.values_list())
        for model in (Action, ActionOwner, Measure, StatusUpdate)
    }
    assert after == before
    upload.refresh_from_db()
    assert upload.state == PlanImport.State.PENDING


def test_a_revision_is_not_made_twice(wscb_plan, business_support, changes):
    upload = _upload(wscb_plan, business_support, _revised_file(wscb_plan, changes))
    plan_import_revise(plan_import=upload, user=business_support)
    with pytest.raises(ValidationError, match="already been imported"):
        plan_import_revise(plan_import=upload, user=business_support)

"""Importing a revised version of a plan already here (issue 15): actions matched by reference;
new, changed (field by field), unchanged and no longer in the plan (retired, never deleted);
all or nothing; status history never touched.

The revised file is the WSCB plan's own Excel export, changed the way a Board revises a plan:
an action reworded, an owner moved, an action dropped and one added."""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from actionplan.exports import render
from actionplan.importing import revision as revision_module
from actionplan.importing.commit import (
    plan_import_commit,
    plan_import_create,
    plan_import_decide,
    plan_import_map,
    preview,
)
from actionplan.importing.revision import plan_import_revise, revision_for
from actionplan.models import (
    Action,
    ActionOwner,
    Measure,
    MeasureValue,
    OwnerRole,
    PlanImport,
    StatusUpdate,
)
from actionplan.plan_edits import action_changes
from actionplan.quarters import Quarter
from actionplan.services import status_update_create
from reports.packs import build_pack_data
from tests.conftest import make_measure, make_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
RETIRED_COLUMN = 16  # the Excel export's "Retired on"
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

    # The plan's export marks it retired ("Retired on"): in the file again is that cell emptied.
    def back(sheet, rows):
        rows[changes["dropped"]][RETIRED_COLUMN].value = None

    upload = _upload(wscb_plan, business_support, _revise(_export(wscb_plan), back))
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


# The pages


@pytest.fixture
def support_client(client, business_support):
    client.force_login(business_support)
    return client


def _through_mapping(client, plan, data, *, name="plan-v2.xlsx") -> str:
    response = client.post(
        reverse("actionplan:import-upload"),
        {"revises": str(plan.pk), "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    upload = PlanImport.objects.order_by("-pk").first()
    assert upload.details["revises"] == plan.pk
    post = {f"column_{i}": choice for i, choice in enumerate(upload.mapping)}
    response = client.post(response["Location"], {**post, "status_from": "none"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response["Location"]


def _form(html) -> dict:
    """The preview form's values as shown: each select's chosen option and each input."""
    chosen = {}
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        match = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        chosen[name] = match[1] if match else re.search(r'<option value="([^"]*)"', options)[1]
    for tag in re.findall(r"<input [^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name[1] != "csrfmiddlewaretoken":
            chosen[name[1]] = value[1] if value else ""
    return chosen


def test_support_preview_and_confirm_a_revision_in_the_app(
    support_client, wscb_plan, history, changes
):
    preview_url = _through_mapping(support_client, wscb_plan, _revised_file(wscb_plan, changes))
    html = support_client.get(preview_url).content.decode()
    assert "Nothing has been changed yet" in html
    assert re.search(r"<dt>New actions</dt><dd>1</dd>\s*<dt>Changed</dt><dd>2</dd>", html)
    assert "<dt>To retire</dt><dd>1</dd>" in html and "<dt>Unchanged</dt><dd>39</dd>" in html
    assert REWORDED in html and str(changes["new_owner"]) in html
    assert "Statuses already reported are never changed" in html
    assert "<legend><h2>Owners</h2></legend>" in html and "the role it becomes.</p>" in html
    assert "<legend><h2>Accountable bodies</h2></legend>" in html
    assert not wscb_plan.actions.filter(description=REWORDED).exists()

    form = {**_form(html), "revised_on": "2016-04-01", "reason": "Board meeting of 31 March"}
    response = support_client.post(preview_url, {**form, "confirm": "1"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    done = support_client.get(response["Location"]).content.decode()
    assert "Plan revised" in done and changes["dropped"] in done
    dropped = wscb_plan.actions.get(reference=changes["dropped"])
    assert (dropped.retired_on, dropped.retired_reason) == (
        date(2016, 4, 1), "Board meeting of 31 March"
    )  # fmt: skip
    assert _statuses() == history
    plan_page = support_client.get(wscb_plan.get_absolute_url()).content.decode()
    assert "<td>1 Apr 2016</td><td>Board meeting of 31 March</td>" in plan_page  # retired


def test_the_same_file_again_says_no_changes_and_offers_no_confirm(
    support_client, wscb_plan, business_support, changes
):
    data = _revised_file(wscb_plan, changes)
    plan_import_revise(plan_import=_upload(wscb_plan, business_support, data),
                       user=business_support)  # fmt: skip
    html = support_client.get(_through_mapping(support_client, wscb_plan, data)).content.decode()
    assert "No changes" in html and 'name="confirm"' not in html


def test_a_bad_file_is_refused_as_for_a_new_plan(support_client, wscb_plan):
    response = support_client.post(
        reverse("actionplan:import-upload"),
        {"revises": str(wscb_plan.pk),
         "file": SimpleUploadedFile("plan.xlsx", b"PK\x03\x04 not really a workbook")},
    )  # fmt: skip
    assert response.status_code == 200 and "error-message" in response.content.decode()
    assert PlanImport.objects.count() == 0


def test_a_revision_preview_costs_the_same_queries_whatever_the_changes(
    support_client, wscb_plan, changes
):
    unchanged = _preview_queries(support_client, wscb_plan, _export(wscb_plan))
    assert _preview_queries(support_client, wscb_plan, _revised_file(wscb_plan, changes)) == (
        unchanged
    )


def test_revision_preview_query_count(
    support_client, wscb_plan, changes, django_assert_num_queries
):
    preview_url = _through_mapping(support_client, wscb_plan, _revised_file(wscb_plan, changes))
    support_client.get(preview_url)
    # Session and user (2), the second factor (1), the user's groups (1), the upload (1), the
    # plan it revises (1), the directory: agencies, roles with agencies, bodies (3); the plan's
    # actions (objective, priority and body joined), their owner links (roles and agencies
    # joined), their measures with a count of values, the priorities, the objectives (5); and
    # the bodies the user chairs for the navigation (1).
    with django_assert_num_queries(15):
        assert support_client.get(preview_url).status_code == 200


def _preview_queries(client, plan, data) -> int:
    preview_url = _through_mapping(client, plan, data)
    client.get(preview_url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(preview_url).status_code == 200
    return len(captured)


# The command


def _counts():
    return [m.objects.count() for m in (Action, ActionOwner, Measure, StatusUpdate, PlanImport)]


def test_the_command_revises_only_when_told_and_dry_run_writes_nothing(
    tmp_path, wscb_plan, business_support, history, changes
):
    path = tmp_path / "plan-v2.xlsx"
    path.write_bytes(_revised_file(wscb_plan, changes))
    with pytest.raises(CommandError, match="add --revise"):
        call_command("import_plan", str(path), "--plan", wscb_plan.slug)
    with pytest.raises(CommandError, match="nothing to revise"):
        call_command("import_plan", str(path), "--plan", "no-such-plan", "--revise")

    before, out = _counts(), io.StringIO()
    call_command("import_plan", str(path), "--plan", wscb_plan.slug, "--revise", "--dry-run",
                 "--revised-on", "2016-04-01", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "1 new, 2 changed, 1 to retire, 0 back in the plan, 39 unchanged." in text
    assert f"Action: {wscb_plan.actions.get(reference=changes['reworded']).description}" in text
    assert "Dry run: nothing was written." in text
    assert _counts() == before and _statuses() == history

    call_command("import_plan", str(path), "--plan", wscb_plan.slug, "--revise", "--by",
                 business_support.username, "--reason", "Board, 31 March", stdout=out)  # fmt: skip
    assert "Revised wscb-cse-2015-18: 1 new, 2 changed, 1 retired" in out.getvalue()
    dropped = wscb_plan.actions.get(reference=changes["dropped"])
    assert dropped.retired_reason == "Board, 31 March" and dropped.retired_on is not None
    record = PlanImport.objects.get(state="committed")
    assert record.plan == wscb_plan and record.uploaded_by == business_support
    assert _statuses() == history

    call_command("import_plan", str(path), "--plan", wscb_plan.slug, "--revise", stdout=out)
    assert out.getvalue().endswith("No changes: nothing was written.\n")


def test_a_retired_action_leaves_dashboards_and_packs_from_the_date(
    client, wscb_plan, business_support, changes, time_machine
):
    time_machine.move_to(datetime(2016, 5, 3, 9, tzinfo=LONDON))
    upload = _upload(wscb_plan, business_support, _revised_file(wscb_plan, changes))
    plan_import_decide(plan_import=upload, decisions={"revised_on": "2016-04-01"})
    plan_import_revise(plan_import=upload, user=business_support)

    dropped = wscb_plan.actions.get(reference=changes["dropped"])
    client.force_login(make_user())
    dashboard = reverse("actionplan:body-dashboard", args=[dropped.accountable_body_id])
    shown = {day: client.get(f"{dashboard}?as_of={day}").content.decode()
             for day in ("2016-03-31", "2016-04-01")}  # fmt: skip
    assert f"/actions/{dropped.pk}/" in shown["2016-03-31"]
    assert f"/actions/{dropped.pk}/" not in shown["2016-04-01"]
    packs = {
        day: [item.action for item in build_pack_data(
            plan=wscb_plan, quarter=Quarter.containing(day), today=date(2016, 5, 3)).actions]
        for day in (date(2016, 3, 31), date(2016, 4, 1))
    }  # fmt: skip
    assert dropped in packs[date(2016, 3, 31)] and dropped not in packs[date(2016, 4, 1)]
    added = wscb_plan.actions.get(reference=changes["added"])
    assert added not in packs[date(2016, 3, 31)] and added in packs[date(2016, 4, 1)]


def test_new_and_renamed_headings_are_added_and_renamed(wscb_plan, business_support):
    first = wscb_plan.actions.order_by("sort_key").first()

    def change(sheet, rows):
        rows[first.reference][2].value = "1.1 A renamed objective"
        added = [cell.value for cell in rows[first.reference]]
        added[:4] = ["5.1.1", "5. Stronger partnership", "5.1 Share data", "Agree a data pact"]
        sheet.append(added)

    upload = _upload(wscb_plan, business_support, _revise(_export(wscb_plan), change))
    revision = _revision(upload, wscb_plan)
    assert [(h.number, h.before, h.after) for h in revision.headings] == [
        ("1.1", "Undertake a public awareness campaign", "A renamed objective"),
        ("5", None, "Stronger partnership"),
        ("5.1", None, "Share data"),
    ]
    plan_import_revise(plan_import=upload, user=business_support)
    added = wscb_plan.actions.get(reference="5.1.1")
    assert (added.objective.title, added.objective.priority.title) == (
        "Share data", "Stronger partnership"
    )  # fmt: skip
    assert wscb_plan.priorities.get(number=1).objectives.get(number="1.1").title == (
        "A renamed objective"
    )


def test_hostile_text_in_a_revision_is_shown_as_text(support_client, wscb_plan):
    first = wscb_plan.actions.order_by("sort_key").first()

    def change(sheet, rows):
        rows[first.reference][3].value = "<script>alert(1)</script> reworded"

    preview_url = _through_mapping(support_client, wscb_plan, _revise(_export(wscb_plan), change))
    html = support_client.get(preview_url).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; reworded" in html


def test_a_problem_that_stops_the_import_stops_a_revision(support_client, wscb_plan):
    first = wscb_plan.actions.order_by("sort_key").first()

    def change(sheet, rows):
        rows[first.reference][7].value = "x" * 201  # an accountable body too long to keep

    preview_url = _through_mapping(support_client, wscb_plan, _revise(_export(wscb_plan), change))
    html = support_client.get(preview_url).content.decode()
    assert "Stops the import" in html and 'name="confirm"' not in html
    response = support_client.post(preview_url, {**_form(html), "confirm": "1"})
    assert "must be fixed in the file" in response.content.decode()
    assert PlanImport.objects.get().state == PlanImport.State.PENDING


def test_a_measure_with_values_is_kept_when_the_file_drops_it(wscb_plan, business_support):
    action = wscb_plan.actions.order_by("sort_key").first()
    sentences = [m.text for m in action.measures.order_by("order")]
    assert sentences  # the first WSCB action has measures
    exported = _export(wscb_plan)  # before the measure below is added
    extra = make_measure(action, text="Taxi drivers trained (number)")
    MeasureValue.objects.create(measure=extra, quarter="2015-Q3", value=Decimal(40),
                                recorded_by=business_support)  # fmt: skip

    def change(sheet, rows):
        rows[action.reference][6].value = "\n".join(["Reworded measure", *sentences[1:]])

    upload = _upload(wscb_plan, business_support, _revise(exported, change))
    (entry,) = _revision(upload, wscb_plan).groups["changed"]
    assert entry.fields[0].after.endswith("Taxi drivers trained (number) (kept: it has values "
                                          "recorded)")  # fmt: skip
    plan_import_revise(plan_import=upload, user=business_support)
    assert [m.text for m in action.measures.order_by("order")] == [
        "Reworded measure", *sentences[1:], "Taxi drivers trained (number)"
    ]  # fmt: skip


def test_a_revision_upload_never_makes_a_new_plan(wscb_plan, business_support, changes):
    upload = _upload(wscb_plan, business_support, _revised_file(wscb_plan, changes))
    with pytest.raises(ValidationError, match="revised version"):
        plan_import_commit(plan_import=upload, user=business_support)

"""Importing a plan in the app: the pages, their safety and the all-or-nothing commit."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from accounts.permissions import BUSINESS_SUPPORT_GROUP
from actionplan.importing import commit
from actionplan.importing.commit import (
    plan_import_commit,
    plan_import_create,
    plan_import_map,
)
from actionplan.models import AccountableBody, Action, OwnerRole, Plan, PlanImport, StatusUpdate
from actionplan.services import status_update_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HEADER = ["Ref", "Action", "Lead officer/agency", "Accountable body", "Timescale", "RAG", "Update"]
DETAILS = {
    "title": "Neglect strategy action plan", "partnership": "Herefordshire Safeguarding Board",
    "short_name": "HSB", "period": "2016-19", "slug": "hsb-neglect",
}  # fmt: skip


def _csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Herefordshire Safeguarding Board: neglect action plan"])
    writer.writerow([])
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _rows(count, *, text="Review the neglect toolkit"):
    return [
        [f"1.{i}", f"{text} {i}", "Chair of CSE Panel", "CSE Strategic Group", "March 2017",
         "Green", "On track: the toolkit is drafted."]
        for i in range(1, count + 1)
    ]  # fmt: skip


def _mapping_post(**more):
    columns = ["reference", "description", "owners", "accountable_body", "timeframe", "status",
               "commentary"]  # fmt: skip
    data = {f"column_{i}": name for i, name in enumerate(columns)}
    return {**data, **DETAILS, "status_from": "date", "status_date": "2016-06-30", **more}


def _upload(client, data, name="plan.csv"):
    return client.post(
        reverse("actionplan:import-upload"), {"file": SimpleUploadedFile(name, data)}
    )


def _selected(html) -> dict:
    """The preview form's choices as shown (each select's selected option)."""
    selects = re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S)
    chosen = {}
    for name, options in selects:
        match = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        chosen[name] = match[1] if match else re.search(r'<option value="([^"]*)"', options)[1]
    assert chosen  # the form was found
    return chosen


@pytest.fixture
def support_client(client, business_support):
    client.force_login(business_support)
    return client


def _through_mapping(client, data) -> str:
    response = _upload(client, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    mapping_url = response["Location"]
    response = client.post(mapping_url, _mapping_post())
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response["Location"]


def test_upload_map_preview_confirm_makes_the_plan_with_imported_statuses(support_client):
    preview_url = _through_mapping(support_client, _csv(_rows(3)))
    html = support_client.get(preview_url).content.decode()
    assert (
        "Nothing has been created yet" in html
        and Plan.objects.filter(slug="hsb-neglect").count() == 0
    )
    assert "the role it becomes. The owner cells are also kept as written.</p>" in html
    assert "<legend><h2>Accountable bodies</h2></legend>" in html
    response = support_client.post(preview_url, {**_selected(html), "confirm": "1"})
    assert response.status_code == 302
    plan = Plan.objects.get(slug="hsb-neglect")
    done = support_client.get(response["Location"]).content.decode()
    assert "Plan imported" in done and PlanImport.objects.get().sha256 in done
    actions = list(plan.actions.order_by("sort_key"))
    assert [a.reference for a in actions] == ["1.1", "1.2", "1.3"]
    update = actions[0].latest_update
    assert update.is_imported and update.rag == "green" and actions[0].version == 1
    assert timezone.localtime(update.created_at).date() == date(2016, 6, 30)
    assert update.commentary == "On track: the toolkit is drafted."
    # The next update follows the imported one.
    status_update_create(action=actions[0], author=update.author, rag="blue",
                         commentary="Done.", expected_version=1)  # fmt: skip
    assert support_client.get(plan.get_absolute_url()).status_code == 200


def test_a_bad_file_says_why_and_writes_nothing(support_client):
    response = _upload(
        support_client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "plan.xlsx"
    )
    assert response.status_code == 200
    assert "old-style Excel or Word file" in response.content.decode()
    assert PlanImport.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(support_client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = _upload(support_client, _csv(_rows(40)))
    assert "larger than 0.001 MB" in response.content.decode()
    assert PlanImport.objects.count() == 0


def test_another_persons_upload_is_not_found(support_client, business_support):
    preview_url = _through_mapping(support_client, _csv(_rows(2)))
    colleague = make_user(username="colleague", groups=[BUSINESS_SUPPORT_GROUP])
    support_client.force_login(colleague)
    assert support_client.get(preview_url).status_code == 404
    pk = PlanImport.objects.get().pk
    assert support_client.get(reverse("actionplan:import-mapping", args=[pk])).status_code == 404


def test_an_expired_upload_is_gone_and_deleted_by_the_next(
    support_client, business_support, time_machine
):
    preview_url = _through_mapping(support_client, _csv(_rows(2)))
    time_machine.move_to(timezone.now() + timedelta(hours=25))
    support_client.force_login(business_support)  # the session itself has ended by now
    assert support_client.get(preview_url).status_code == 404
    _upload(support_client, _csv(_rows(1)))
    assert PlanImport.objects.count() == 1  # the expired one is deleted


def test_the_mapping_is_remembered_for_the_same_layout(support_client):
    _through_mapping(support_client, _csv(_rows(2)))
    response = _upload(support_client, _csv(_rows(1)))
    second = PlanImport.objects.get(pk=int(response["Location"].split("/")[-3]))
    assert second.mapping[-2:] == ["status", "commentary"]  # the person's choices, not guesses


def test_hostile_text_is_escaped_and_kept_as_text(support_client, settings):
    hostile = [["1.1", "<script>alert(1)</script> review", "=HYPERLINK(\"http://x\")",
                "CSE Strategic Group", "March 2017", "Green", "@SUM(1)\x07 bell"]]  # fmt: skip
    preview_url = _through_mapping(support_client, _csv(hostile))
    html = support_client.get(preview_url).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    support_client.post(preview_url, {**_selected(html), "confirm": "1"})
    action = Action.objects.get(plan__slug="hsb-neglect")
    assert action.description == "<script>alert(1)</script> review"
    assert action.owners_as_written == '=HYPERLINK("http://x")'
    assert action.latest_update.commentary == "@SUM(1) bell"  # the control character dropped
    page = support_client.get(action.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    export = support_client.get(reverse("actionplan:plan-export", args=["hsb-neglect", "csv"]))
    assert "'=HYPERLINK" in export.content.decode("utf-8-sig")


def test_a_problem_that_stops_the_import_offers_no_confirm_and_writes_nothing(support_client):
    rows = _rows(1)
    rows[0][4] = "x" * 201  # a timeframe longer than the field holds
    preview_url = _through_mapping(support_client, _csv(rows))
    html = support_client.get(preview_url).content.decode()
    assert "Stops the import" in html and 'name="confirm"' not in html
    response = support_client.post(preview_url, {**_selected(html), "confirm": "1"})
    assert response.status_code == 200 and "must be fixed in the file" in response.content.decode()
    assert not Plan.objects.filter(slug="hsb-neglect").exists()


def test_a_failure_half_way_leaves_nothing_behind(business_support, monkeypatch):
    upload = plan_import_create(name="plan.csv", data=_csv(_rows(3)), uploaded_by=business_support)
    plan_import_map(plan_import=upload, mapping=["reference", "description", "owners",
                    "accountable_body", "timeframe", "status", "commentary"],
                    details={**DETAILS, "status_from": "date", "status_date": "2016-06-30",
                             "partnership": "A partnership nobody has"})  # fmt: skip
    counts = [m.objects.count() for m in (Plan, Action, OwnerRole, Agency, AccountableBody)]

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(commit, "_create_statuses", fail)
    with pytest.raises(RuntimeError):
        plan_import_commit(plan_import=upload, user=business_support)
    assert [m.objects.count() for m in (Plan, Action, OwnerRole, Agency, AccountableBody)] == counts
    assert StatusUpdate.objects.filter(is_imported=True).count() == 0
    upload.refresh_from_db()
    assert upload.state == PlanImport.State.PENDING


def test_a_slug_taken_since_the_mapping_is_refused_at_confirm(support_client, wscb_plan):
    preview_url = _through_mapping(support_client, _csv(_rows(2)))
    html = support_client.get(preview_url).content.decode()
    Plan.objects.filter(pk=wscb_plan.pk).update(slug="hsb-neglect")
    response = support_client.post(preview_url, {**_selected(html), "confirm": "1"})
    assert response.status_code == 200 and "exists already" in response.content.decode()
    assert Plan.objects.filter(slug="hsb-neglect").count() == 1


def _preview_queries(client, count) -> int:
    preview_url = _through_mapping(client, _csv(_rows(count, text=f"Batch {count}")))
    client.get(preview_url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(preview_url).status_code == 200
    return len(captured)


def test_the_preview_costs_the_same_queries_at_5_and_200_rows(support_client):
    assert _preview_queries(support_client, 200) == _preview_queries(support_client, 5)


def test_preview_query_count(support_client, django_assert_num_queries):
    preview_url = _through_mapping(support_client, _csv(_rows(30)))
    support_client.get(preview_url)
    # Session and user (2), the second factor (accounts.middleware) (1), the user's groups for
    # the permission (1), the upload (1), the directory: agencies, roles with their agencies
    # joined, bodies (3), and the bodies the user chairs for the navigation (1).
    with django_assert_num_queries(9):
        assert support_client.get(preview_url).status_code == 200

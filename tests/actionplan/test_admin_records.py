"""The admin shows the records of rounds and imports for looking into a problem, and changes
none of them (they are made by their own pages); a remembered import layout can be forgotten."""

import pytest
from django.urls import reverse

from actionplan.models import ImportLayout, PlanImport, ReportingRound, RoundEmail, SignOff
from actionplan.quarters import Quarter
from actionplan.rounds import round_open

pytestmark = pytest.mark.django_db

RECORDS = [ReportingRound, RoundEmail, SignOff, PlanImport]


@pytest.fixture
def records(wscb_plan, business_support, time_machine):
    time_machine.move_to("2016-01-04 10:00")
    reporting_round = round_open(
        plan=wscb_plan, quarter=Quarter(2015, 3), opened_by=business_support
    )
    PlanImport.objects.create(
        uploaded_by=business_support, file_name="plan.xlsx", sha256="0" * 64, file_format="xlsx"
    )
    layout = ImportLayout.objects.create(signature="s" * 64, header=["Ref", "Action"])
    return reporting_round, layout


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
def test_round_and_import_records_are_listed_and_never_added(admin_client, records, model):
    name = f"admin:actionplan_{model._meta.model_name}"
    page = admin_client.get(reverse(f"{name}_changelist"))
    assert page.status_code == 200
    assert admin_client.get(reverse(f"{name}_add")).status_code == 403


def test_a_round_is_viewed_not_changed(admin_client, records):
    reporting_round, _ = records
    url = reverse("admin:actionplan_reportinground_change", args=[reporting_round.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b"Q3 2015/16" in page.content
    assert admin_client.post(url, {"deadline": "2030-01-01"}).status_code == 403
    delete = reverse("admin:actionplan_reportinground_delete", args=[reporting_round.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ReportingRound.objects.filter(pk=reporting_round.pk).exists()


def test_a_remembered_layout_can_be_forgotten_but_not_edited(admin_client, records):
    _, layout = records
    change = reverse("admin:actionplan_importlayout_change", args=[layout.pk])
    assert admin_client.post(change, {"mapping": "[]"}).status_code == 403
    delete = reverse("admin:actionplan_importlayout_delete", args=[layout.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ImportLayout.objects.exists()

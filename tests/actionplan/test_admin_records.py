"""The admin shows the records of rounds, imports and owner-change e-mails for looking into a
problem, and changes none of them (they are made by their own pages); a remembered import
layout can be forgotten."""

import pytest
from django.urls import reverse

from actionplan.models import (
    ImportLayout,
    OwnerChangeEmail,
    PlanImport,
    ReportingRound,
    RoundEmail,
    SignOff,
)
from actionplan.quarters import Quarter
from actionplan.round_models import Step
from actionplan.rounds import round_open

pytestmark = pytest.mark.django_db

RECORDS = [ReportingRound, RoundEmail, SignOff, PlanImport, OwnerChangeEmail]
ERROR = "SMTPServerDisconnected: Connection unexpectedly closed"


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
    OwnerChangeEmail.objects.create(person=business_support, attempts=2, last_error=ERROR)
    RoundEmail.objects.create(
        round=reporting_round, person=business_support, step=Step.INVITE, attempts=1,
        last_error=ERROR,
    )  # fmt: skip
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


@pytest.mark.parametrize("model", [RoundEmail, OwnerChangeEmail], ids=lambda m: m.__name__)
def test_an_email_waiting_shows_whom_and_why_and_is_not_changed(admin_client, records, model):
    email = model.objects.select_related("person").first()
    name = f"admin:actionplan_{model._meta.model_name}"
    listing = admin_client.get(reverse(f"{name}_changelist"), {"q": email.person.username})
    assert listing.status_code == 200 and email.person.username in listing.content.decode()
    change = reverse(f"{name}_change", args=[email.pk])
    html = admin_client.get(change).content.decode()
    # Whom the e-mail is to comes before the outbox's bookkeeping, its last error among it.
    assert html.index("field-person") < html.index("field-claimed_at") < html.index(ERROR)
    assert admin_client.post(change, {"attempts": "0", "last_error": ""}).status_code == 403
    delete = reverse(f"{name}_delete", args=[email.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    email.refresh_from_db()
    assert email.attempts >= 1 and email.last_error == ERROR

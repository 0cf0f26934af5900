"""Hole 3: control characters. Every text a person enters refuses them with a clear message;
and every export copes with any text already stored (once, one commentary with a \\x01 in it
made every XLSX export that included it answer 500)."""

import csv
import io

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from accounts.validators import CONTROL_CHARACTERS_MESSAGE
from actionplan.forms import StatusUpdateForm
from actionplan.models import AccountableBody, StatusUpdate
from actionplan.rag import Rag
from actionplan.services import status_update_create
from tests.conftest import WSCB_SLUG

pytestmark = pytest.mark.django_db

REFUSED = [chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] + [
    "\ufffe",
    "\uffff",
]
COMMENTARY = "The protocol is drafted and goes to the group in March."


def _post_update(client, action, commentary):
    url = reverse("actionplan:action-update", kwargs={"pk": action.pk})
    return client.post(url, {"rag": "green", "commentary": commentary, "version": action.version})


@pytest.mark.parametrize("char", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_a_commentary_is_refused(client, owner, target_action, char):
    client.force_login(owner)
    response = _post_update(client, target_action, f"Drafted.{char} Goes to the group next.")
    assert response.status_code == 200
    assert CONTROL_CHARACTERS_MESSAGE in response.content.decode()
    assert StatusUpdate.objects.count() == 0


def test_tabs_and_line_breaks_are_kept(client, owner, target_action):
    client.force_login(owner)
    response = _post_update(client, target_action, "First point.\r\n\tSecond point.")
    assert response.status_code == 302
    assert StatusUpdate.objects.get().commentary == "First point.\r\n\tSecond point."


def test_a_control_character_in_plan_text_in_the_admin_is_refused(client, business_support):
    body = AccountableBody.objects.get(name="CSE Strategic Group")
    client.force_login(business_support)
    response = client.post(
        reverse("admin:actionplan_accountablebody_change", args=[body.pk]),
        {"name": "CSE\x07 Strategic Group", "short_name": "", "kind": body.kind},
    )
    assert response.status_code == 200
    assert CONTROL_CHARACTERS_MESSAGE in response.content.decode()
    body.refresh_from_db()
    assert body.name == "CSE Strategic Group"


def _text_fields(form):
    return [
        (name, field)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField)
        # A URL with a control character is no URL; a password is never shown or exported.
        and not isinstance(field, forms.URLField)
        and not isinstance(field.widget, forms.PasswordInput)
    ]


def test_every_text_field_of_every_form_refuses_control_characters(superuser_request):
    """The status form, and every admin form and inline (the plan text, people's details)."""
    checked = []
    candidates = [("StatusUpdateForm", StatusUpdateForm())]
    for model, model_admin in admin.site._registry.items():
        request = superuser_request
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only: nothing is typed
        candidates.append((f"{model.__name__} add", model_admin.get_form(request)()))
        if obj := model._default_manager.first():  # the change form may differ (people's does)
            candidates.append((f"{model.__name__} change", model_admin.get_form(request, obj)()))
        for inline in model_admin.get_inline_instances(superuser_request):
            formset = inline.get_formset(superuser_request)
            candidates.append((f"{model.__name__} inline {inline.model.__name__}", formset.form()))
    for label, form in candidates:
        for name, field in _text_fields(form):
            with pytest.raises(forms.ValidationError) as error:
                field.run_validators("Text\x01")
            assert CONTROL_CHARACTERS_MESSAGE in error.value.messages, (label, name)
            checked.append((label, name))
    assert len(checked) > 40  # the loop ran, over the plan's text fields and the people's


@pytest.fixture
def superuser_request(db):
    from tests.conftest import make_user

    request = RequestFactory().get("/")
    request.user = make_user(username="root", is_staff=True, is_superuser=True)
    return request


@pytest.fixture
def stored_control_characters(target_action, owner):
    """A commentary with every refused character, as stored before they were refused."""
    text = "Before " + "".join(REFUSED) + " after"
    status_update_create(
        action=target_action, author=owner, rag=Rag.GREEN, commentary=text, expected_version=0
    )
    return text


def test_the_xlsx_and_csv_exports_cope_with_any_stored_text(
    client, owner, target_action, stored_control_characters
):
    client.force_login(owner)
    body_id = target_action.accountable_body_id
    urls = [
        reverse("actionplan:plan-export", args=[WSCB_SLUG, "xlsx"]),
        reverse("actionplan:body-export", kwargs={"pk": body_id, "fmt": "xlsx"}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        column = next(row for row in rows if "Commentary" in row).index("Commentary")
        commentaries = [row[column] for row in rows]
        assert "Before \ufffd" in "".join(filter(None, commentaries))
    response = client.get(reverse("actionplan:plan-export", args=[WSCB_SLUG, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    commentary = next(row["commentary"] for row in rows if row["ref"] == target_action.reference)
    assert commentary.startswith("Before \ufffd") and commentary.endswith(" after")
    assert not any(char in commentary for char in REFUSED)

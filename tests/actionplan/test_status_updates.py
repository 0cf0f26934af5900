import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Action, Rag, StatusUpdate
from actionplan.services import (
    MIN_CONCERN_COMMENTARY,
    StatusConflictError,
    commentary_errors,
    status_update_create,
)
from tests.conftest import WSCB_FIXTURE

pytestmark = pytest.mark.django_db

LONG_ENOUGH = "Escalated to the Independent Chair; recovery plan goes to the next meeting."


def _update_url(action):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk})


def _post(client, action, **data):
    data.setdefault("rag", "green")
    data.setdefault("commentary", "On track.")
    data.setdefault("version", action.version)
    return client.post(_update_url(action), data, follow=True)


def test_owner_updates_status_and_sees_it_at_once(client, owner, target_action):
    client.force_login(owner)
    response = _post(client, target_action, rag="amber", commentary=LONG_ENOUGH)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == target_action.get_absolute_url()
    assert f"Status of action {target_action.reference} saved." in html
    assert LONG_ENOUGH in html
    target_action.refresh_from_db()
    assert target_action.current_rag == Rag.AMBER
    assert target_action.version == 1
    assert target_action.latest_update.author == owner
    assert target_action.latest_update.commentary == LONG_ENOUGH


def test_commentary_is_required(client, owner, target_action):
    client.force_login(owner)
    response = _post(client, target_action, rag="green", commentary="   ")
    assert "Enter a commentary" in response.content.decode()
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize("rag", ["red", "amber"])
def test_red_and_amber_require_commentary_saying_what_is_being_done(
    client, owner, target_action, rag
):
    client.force_login(owner)
    response = _post(client, target_action, rag=rag, commentary="Late.")
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"at least {MIN_CONCERN_COMMENTARY} characters" in html
    assert StatusUpdate.objects.count() == 0
    target_action.refresh_from_db()
    assert target_action.current_rag == ""


def test_the_form_states_the_rule_before_submission(client, owner, target_action):
    client.force_login(owner)
    html = client.get(_update_url(target_action)).content.decode()
    assert f"at least {MIN_CONCERN_COMMENTARY} characters" in html
    for label in ["Blue", "Green", "Amber", "Red"]:
        assert f">{label}</strong>" in html
    assert "Off track, or significant concern" in html  # definitions beside the radios


def test_missing_rag_is_a_clear_error(client, owner, target_action):
    client.force_login(owner)
    response = client.post(_update_url(target_action), {"commentary": "On track.", "version": 0})
    assert "Choose a RAG status." in response.content.decode()
    assert StatusUpdate.objects.count() == 0


def test_bad_evidence_link_is_rejected(client, owner, target_action):
    client.force_login(owner)
    response = _post(client, target_action, evidence_url="javascript:alert(1)")
    assert "Enter a full web address" in response.content.decode()
    assert StatusUpdate.objects.count() == 0


def test_service_enforces_commentary_rules_too(owner, target_action):
    with pytest.raises(ValidationError):
        status_update_create(
            action=target_action, author=owner, rag=Rag.RED, commentary="x", expected_version=0
        )
    assert commentary_errors(rag=Rag.GREEN, commentary="Fine.") == []
    assert StatusUpdate.objects.count() == 0


def test_second_editor_sees_the_conflict_and_keeps_their_text(client, owner, chair, target_action):
    client.force_login(owner)
    stale_version = target_action.version
    _post(client, target_action, rag="green", commentary="Owner: protocol drafted.")
    client.force_login(chair)
    mine = "Chair: waiting for the NHS flagging data before sign-off."
    response = client.post(
        _update_url(target_action),
        {"rag": "green", "commentary": mine, "version": stale_version},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "was updated by" in html and "while you were editing" in html
    assert "Owner: protocol drafted." in html  # the other update is shown
    assert mine in html  # their own text is kept in the form
    assert StatusUpdate.objects.filter(action=target_action).count() == 1
    # Saving again from the conflict page is a deliberate choice, and works.
    response = client.post(
        _update_url(target_action), {"rag": "green", "commentary": mine, "version": 1}
    )
    assert response.status_code == 302
    assert StatusUpdate.objects.filter(action=target_action).count() == 2


def test_stale_version_raises_in_the_service(owner, target_action):
    status_update_create(
        action=target_action, author=owner, rag=Rag.GREEN, commentary="One.", expected_version=0
    )
    stale = Action.objects.get(pk=target_action.pk)
    with pytest.raises(StatusConflictError) as error:
        status_update_create(
            action=stale, author=owner, rag=Rag.GREEN, commentary="Two.", expected_version=0
        )
    assert error.value.latest.commentary == "One."
    assert StatusUpdate.objects.count() == 1


def test_history_is_append_only_and_newest_first(client, owner, target_action):
    for version, text in enumerate(["First.", "Second.", "Third."]):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary=text,
            expected_version=version,
        )  # fmt: skip
    assert list(target_action.updates.values_list("version", flat=True)) == [3, 2, 1]
    client.force_login(owner)
    html = client.get(target_action.get_absolute_url()).content.decode()
    assert html.index("Third.") < html.index("Second.") < html.index("First.")


def test_admin_cannot_add_change_or_delete_status_updates(admin_client, owner, target_action):
    update = status_update_create(
        action=target_action, author=owner, rag=Rag.GREEN, commentary="One.", expected_version=0
    )
    assert admin_client.get(reverse("admin:actionplan_statusupdate_add")).status_code == 403
    delete = reverse("admin:actionplan_statusupdate_delete", args=[update.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:actionplan_statusupdate_change", args=[update.pk])
    admin_client.post(change, {"rag": "red", "commentary": "Rewritten history"})
    update.refresh_from_db()
    assert (update.rag, update.commentary) == (Rag.GREEN, "One.")


def test_reloading_the_fixture_keeps_statuses(owner, target_action):
    status_update_create(
        action=target_action, author=owner, rag=Rag.BLUE, commentary="Done.", expected_version=0
    )
    out = io.StringIO()
    call_command("load_plan", str(WSCB_FIXTURE), stdout=out)
    target_action.refresh_from_db()
    assert (target_action.current_rag, target_action.version) == (Rag.BLUE, 1)
    assert target_action.latest_update.commentary == "Done."
    assert "kept the status of 1 rated actions" in out.getvalue()


def test_reloading_an_edited_plan_changes_its_text_and_keeps_statuses(
    owner, target_action, tmp_path
):
    status_update_create(
        action=target_action, author=owner, rag=Rag.RED, commentary=LONG_ENOUGH,
        expected_version=0,
    )  # fmt: skip
    fixture = json.loads(WSCB_FIXTURE.read_text())
    [row] = [o for o in fixture if o["fields"].get("reference") == target_action.reference]
    row["fields"]["description"] = "Reworded by the sub-group."
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(fixture))
    call_command("load_plan", str(edited), stdout=io.StringIO())
    target_action.refresh_from_db()
    assert target_action.description == "Reworded by the sub-group."
    assert (target_action.current_rag, target_action.version) == (Rag.RED, 1)
    assert target_action.latest_update.commentary == LONG_ENOUGH
    # The next update carries on from the kept version, not from 0.
    status_update_create(
        action=target_action, author=owner, rag=Rag.GREEN, commentary="Back on track.",
        expected_version=1,
    )  # fmt: skip
    assert list(target_action.updates.values_list("version", flat=True)) == [2, 1]


def test_export_carries_the_current_status(owner, target_action):
    from actionplan.exports import action_row

    status_update_create(
        action=target_action, author=owner, rag=Rag.AMBER, commentary=LONG_ENOUGH,
        expected_version=0,
    )  # fmt: skip
    action = Action.objects.for_export().get(pk=target_action.pk)
    row = action_row(action)
    assert (row["status"], row["commentary"]) == ("Amber", LONG_ENOUGH)
    assert row["status_date"] == timezone.localdate(action.latest_update.created_at).isoformat()

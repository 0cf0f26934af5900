"""The update form keeps a draft on the server as the person types (per person and action), and
offers it back until they save their update or discard it."""

import pytest
import time_machine
from django.urls import reverse

from accounts.validators import CONTROL_CHARACTERS_MESSAGE
from actionplan.models import COMMENTARY_MAX_LENGTH, StatusUpdate, StatusUpdateDraft
from actionplan.services import status_update_create, status_update_draft_save

pytestmark = pytest.mark.django_db

TEXT = "Half-way: protocol drafted, <b>police</b> sign-off & data sharing still to agree."


def _draft_url(action):
    return reverse("actionplan:action-draft", kwargs={"pk": action.pk})


def _update_url(action, query=""):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk}) + query


def _send(client, action, **data):
    data.setdefault("rag", "amber")
    data.setdefault("commentary", TEXT)
    data.setdefault("evidence_url", "")
    data.setdefault("version", action.version)
    return client.post(_draft_url(action), data)


def test_typing_saves_one_draft_per_person_and_action(
    client, owner, target_action, settings, time_machine
):
    time_machine.move_to("2026-03-02 09:00 +0000", tick=False)
    client.force_login(owner)
    first = _send(client, target_action, commentary="Half-")
    assert first.status_code == 200
    response = _send(client, target_action)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Draft saved at 09:00."  # London time
    assert body["session"]["idle"] == settings.SESSION_IDLE_TIMEOUT
    draft = StatusUpdateDraft.objects.get()
    assert (draft.author, draft.action, draft.rag, draft.commentary) == (
        owner, target_action, "amber", TEXT,
    )  # fmt: skip


def test_the_form_offers_the_draft_back(client, owner, target_action):
    client.force_login(owner)
    _send(client, target_action)
    html = client.get(_update_url(target_action)).content.decode()
    assert "You have an unsaved draft from" in html
    assert "Half-way: protocol drafted, &lt;b&gt;police&lt;/b&gt; sign-off &amp; data" in html
    assert f'href="{_update_url(target_action, "?draft=restore")}">Restore your draft</a>' in html
    discard = reverse("actionplan:action-draft-discard", kwargs={"pk": target_action.pk})
    assert f'action="{discard}"' in html and ">Discard your draft</button>" in html
    assert "data-draft-offered" in html  # typing must not replace it before they choose
    assert 'name="commentary" cols="40" rows="6" maxlength="5000" aria-describedby' in html
    assert "</textarea>" in html.split('name="commentary"')[1][:300]  # the form itself is empty


def test_restoring_fills_the_form_with_the_draft(client, owner, target_action):
    client.force_login(owner)
    _send(client, target_action, evidence_url="intranet/minutes")
    html = client.get(_update_url(target_action, "?draft=restore")).content.decode()
    assert "is restored below" in html
    assert "data-draft-offered" not in html
    textarea = html.split('name="commentary"')[1].split("</textarea>")[0]
    assert textarea.endswith(">\nHalf-way: protocol drafted, &lt;b&gt;police&lt;/b&gt; sign-off "
                             "&amp; data sharing still to agree.")  # fmt: skip
    assert '<input type="radio" name="rag" value="amber" id="id_rag_2" required checked>' in html
    assert 'value="intranet/minutes"' in html
    assert "updated since you wrote it" not in html


def test_saving_the_update_deletes_the_draft(client, owner, target_action):
    client.force_login(owner)
    _send(client, target_action)
    data = {"rag": "amber", "commentary": TEXT * 2, "evidence_url": "", "version": 0}
    assert client.post(_update_url(target_action), data).status_code == 302
    assert not StatusUpdateDraft.objects.exists()
    assert StatusUpdate.objects.get().commentary == TEXT * 2
    assert "unsaved draft" not in client.get(_update_url(target_action)).content.decode()


def test_the_service_deletes_only_the_authors_draft(owner, chair, target_action):
    for person in (owner, chair):
        status_update_draft_save(
            action=target_action, author=person, rag="", commentary=f"{person}'s notes",
            evidence_url="", version=0,
        )  # fmt: skip
    status_update_create(
        action=target_action, author=owner, rag="green", commentary="On track.", expected_version=0
    )
    assert list(StatusUpdateDraft.objects.values_list("author__username", flat=True)) == ["chair"]


def test_a_failed_save_keeps_the_draft(client, owner, chair, target_action):
    client.force_login(owner)
    _send(client, target_action)
    status_update_create(
        action=target_action, author=chair, rag="green", commentary="Chair's.", expected_version=0
    )
    data = {"rag": "amber", "commentary": TEXT, "evidence_url": "", "version": 0}
    assert client.post(_update_url(target_action), data).status_code == 409
    assert StatusUpdateDraft.objects.get().commentary == TEXT


def test_a_draft_written_before_someone_elses_update_restores_to_a_conflict(
    client, owner, chair, target_action
):
    client.force_login(owner)
    _send(client, target_action)  # against version 0
    status_update_create(
        action=target_action, author=chair, rag="red", expected_version=0,
        commentary="Chair: escalated to the Board; the protocol is stalled across agencies.",
    )  # fmt: skip
    html = client.get(_update_url(target_action, "?draft=restore")).content.decode()
    assert "The action has been updated since you wrote it:" in html
    assert 'name="version" value="0"' in html  # the version the draft was written against
    data = {"rag": "amber", "commentary": TEXT, "evidence_url": "", "version": 0}
    response = client.post(_update_url(target_action), data)
    assert response.status_code == 409
    assert "while you were editing" in response.content.decode()


def test_discarding_deletes_the_draft(client, owner, target_action):
    client.force_login(owner)
    _send(client, target_action)
    url = reverse("actionplan:action-draft-discard", kwargs={"pk": target_action.pk})
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(_update_url(target_action), 302)]
    html = response.content.decode()
    assert "Your draft was discarded." in html and "unsaved draft" not in html
    assert not StatusUpdateDraft.objects.exists()


def test_drafts_are_each_persons_own(client, owner, chair, target_action):
    client.force_login(chair)
    _send(client, target_action, commentary="The chair's own notes")
    client.force_login(owner)
    html = client.get(_update_url(target_action)).content.decode()
    assert "unsaved draft" not in html and "chair's own notes" not in html
    html = client.get(_update_url(target_action, "?draft=restore")).content.decode()
    assert "chair's own notes" not in html


@pytest.mark.parametrize("who", ["outsider", "other_owner", "other_chair", "board_member"])
def test_only_people_who_may_update_the_action_keep_drafts(client, persona, target_action, who):
    client.force_login(persona(who))
    assert _send(client, target_action).status_code == 403
    assert not StatusUpdateDraft.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commentary", "Pasted from a spreadsheet\x0bsecond cell"),
        ("commentary", "Bell\x07"),
        ("evidence_url", "https://intranet.example/\x1breport"),
        ("commentary", "A non-character \ufffe pasted"),
    ],
)
def test_control_characters_are_refused(client, owner, target_action, field, value):
    client.force_login(owner)
    response = _send(client, target_action, **{field: value})
    assert response.status_code == 400
    assert response.json()["message"] == f"Draft not saved: {CONTROL_CHARACTERS_MESSAGE}"
    assert not StatusUpdateDraft.objects.exists()


def test_line_breaks_and_tabs_are_kept_as_sent(client, owner, target_action):
    client.force_login(owner)
    assert _send(client, target_action, commentary="One\r\nTwo\tthree ").status_code == 200
    assert StatusUpdateDraft.objects.get().commentary == "One\r\nTwo\tthree "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"commentary": "x" * (COMMENTARY_MAX_LENGTH + 1)}, "at most 5000 characters"),
        ({"evidence_url": "https://x.example/" + "y" * 500}, "at most 500 characters"),
        ({"rag": "purple"}, "Select a valid choice"),
        ({"version": "-1"}, "greater than or equal to 0"),
        ({"version": str(2**40)}, "less than or equal to"),
    ],
)
def test_bad_drafts_are_refused_with_a_message(client, owner, target_action, data, message):
    client.force_login(owner)
    response = _send(client, target_action, **data)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not StatusUpdateDraft.objects.exists()


def test_the_update_form_query_count_is_fixed(
    client, owner, target_action, django_assert_num_queries
):
    client.force_login(owner)
    _send(client, target_action)
    for version in range(5):
        status_update_create(
            action=target_action, author=owner, rag="green", commentary=f"Update {version}.",
            expected_version=version,
        )  # fmt: skip
    _send(client, target_action)
    url = _update_url(target_action)
    client.get(url)
    # session, user, the second factor (accounts.middleware), action (+objective, priority, body,
    # latest update, author), owner links (+role, agency), due date revisions, can_update_action's
    # groups, chaired bodies and held roles, the round the update would answer (its quarter), the
    # measures, the draft
    with django_assert_num_queries(12):
        response = client.get(url)
    assert "You have an unsaved draft" in response.content.decode()


@pytest.fixture
def measure_pair(target_action):
    """Two quantified measures of the action, and one that is a sentence only."""
    from actionplan.models import Measure
    from tests.conftest import make_measure

    Measure.objects.create(action=target_action, text="A sentence only", order=9)
    return make_measure(target_action, text="Referrals"), make_measure(target_action, text="Cases")


@time_machine.travel("2015-11-20 10:00 +0000", tick=False)
def test_a_draft_keeps_typed_measure_values_and_restores_them(
    client, owner, target_action, measure_pair
):
    referrals, cases = measure_pair
    client.force_login(owner)
    typed = {f"value_{referrals.pk}": "1,2x4", f"estimate_{referrals.pk}": "on",
             f"note_{referrals.pk}": "From the <b>police</b> return", f"value_{cases.pk}": "",
             "value_999999": "ignored"}  # fmt: skip
    assert _send(client, target_action, **typed).status_code == 200
    draft = StatusUpdateDraft.objects.get()
    # As typed, unchecked ("1,2x4" is no number yet); only measures something was typed for.
    assert draft.measure_values == {
        str(referrals.pk): {"value": "1,2x4", "estimate": True,
                            "note": "From the <b>police</b> return"},
    }  # fmt: skip
    offer = client.get(_update_url(target_action)).content.decode()
    assert "With what you typed for 1 measure." in offer
    assert 'value="1,2x4"' not in offer  # offered, not yet filled in
    html = client.get(_update_url(target_action, "?draft=restore")).content.decode()
    assert f'name="value_{referrals.pk}" value="1,2x4"' in html
    assert f'name="estimate_{referrals.pk}" id="id_estimate_{referrals.pk}" checked' in html
    note = html.split(f'name="note_{referrals.pk}"')[1].split("</textarea>")[0]
    assert note.endswith("From the &lt;b&gt;police&lt;/b&gt; return")
    assert f'name="value_{cases.pk}" maxlength' in html  # nothing typed: nothing filled in


def test_measure_values_in_a_draft_are_checked_for_size_and_control_characters(
    client, owner, target_action, measure_pair
):
    referrals, _ = measure_pair
    client.force_login(owner)
    long = _send(client, target_action, **{f"value_{referrals.pk}": "9" * 41})
    bad = _send(client, target_action, **{f"note_{referrals.pk}": "a\x00b"})
    assert (long.status_code, bad.status_code) == (400, 400)
    assert CONTROL_CHARACTERS_MESSAGE in bad.json()["message"]
    assert not StatusUpdateDraft.objects.exists()

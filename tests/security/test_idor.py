"""An IDOR sweep: every persona tries every action id (their own, other bodies', another
plan's, and ids that do not exist) and every kept pack id. Nothing outside their reach is
read or written."""

import pytest
from django.urls import reverse

from accounts.permissions import can_produce_reports, can_update_action
from actionplan.models import Action, StatusUpdate, StatusUpdateDraft
from reports import services
from reports.models import BoardPack
from reports.pdf import RenderedPdf
from tests.conftest import PERSONAS, make_action

pytestmark = pytest.mark.django_db

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


@pytest.mark.parametrize("who", SIGNED_IN)
def test_status_update_ids_outside_reach_are_refused(client, persona, wscb_plan, who):
    user = persona(who)
    client.force_login(user)
    other_plan_action = make_action(description="Another partnership's action")
    ids = list(Action.objects.values_list("pk", flat=True)) + [other_plan_action.pk]
    missing = [max(ids) + 1, 10**9]
    writes_outside = 0
    for pk in ids + missing:
        url = reverse("actionplan:action-update", kwargs={"pk": pk})
        action = Action.objects.for_list().filter(pk=pk).first()
        before = StatusUpdate.objects.count()
        data = {"rag": "green", "commentary": "Sweep.", "version": action.version if action else 0}
        get, post = client.get(url), client.post(url, data)
        written = StatusUpdate.objects.count() - before
        if action is None:
            assert (get.status_code, post.status_code, written) == (404, 404, 0), pk
        elif can_update_action(user, action):
            assert (get.status_code, post.status_code, written) == (200, 302, 1), pk
        else:
            assert (get.status_code, post.status_code, written) == (403, 403, 0), pk
            writes_outside += written
    assert writes_outside == 0


@pytest.mark.parametrize("who", SIGNED_IN)
def test_draft_ids_outside_reach_are_refused(client, persona, wscb_plan, who):
    user = persona(who)
    client.force_login(user)
    other_plan_action = make_action(description="Another partnership's action")
    ids = list(Action.objects.values_list("pk", flat=True)) + [other_plan_action.pk]
    allowed = 0
    for pk in ids + [max(ids) + 1, 10**9]:
        save = reverse("actionplan:action-draft", kwargs={"pk": pk})
        discard = reverse("actionplan:action-draft-discard", kwargs={"pk": pk})
        action = Action.objects.for_list().filter(pk=pk).first()
        saved = client.post(save, {"commentary": "Sweep.", "version": 0}).status_code
        kept = StatusUpdateDraft.objects.filter(action_id=pk, author=user).count()
        discarded = client.post(discard).status_code
        if action is None:
            assert (saved, kept, discarded) == (404, 0, 404), pk
        elif can_update_action(user, action):
            assert (saved, kept, discarded) == (200, 1, 302), pk
            allowed += 1
        else:
            assert (saved, kept, discarded) == (403, 0, 403), pk
    assert not StatusUpdateDraft.objects.exists()  # each kept draft was discarded
    assert (allowed == len(ids)) is (who == "business_support")


@pytest.mark.parametrize("who", SIGNED_IN)
def test_pack_ids_outside_reach_are_refused(client, persona, wscb_plan, business_support,
                                            monkeypatch, who):  # fmt: skip
    from actionplan.quarters import Quarter

    monkeypatch.setattr(
        services, "render_pdf", lambda html, **kwargs: RenderedPdf(b"%PDF-1.7 x", 1)
    )
    pack = services.board_pack_create(
        plan=wscb_plan, quarter=Quarter.parse("2015-Q3"), produced_by=business_support
    )
    user = persona(who)
    client.force_login(user)
    for pk in [pack.pk, pack.pk + 1, 10**9]:
        response = client.get(reverse("reports:pack-download", kwargs={"pk": pk}))
        exists = BoardPack.objects.filter(pk=pk).exists()
        if not can_produce_reports(user):
            assert response.status_code == 403, (who, pk)
        else:
            assert response.status_code == (200 if exists else 404), (who, pk)
            if exists:
                assert response.content == b"%PDF-1.7 x"

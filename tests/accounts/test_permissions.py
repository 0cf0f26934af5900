"""One matrix: every URL of our apps x method x persona -> the status code expected.

The URL list is derived from the resolver, so a new URL without rows here fails the test.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from actionplan.quarters import Quarter
from actionplan.rounds import round_open
from actionplan.services import status_update_create
from reports import services
from reports.pdf import RenderedPdf
from tests.actionplan.test_pages import _app_url_names
from tests.conftest import PERSONAS, WSCB_SLUG

pytestmark = pytest.mark.django_db

ALL = set(PERSONAS) - {"anonymous"}
MAY_UPDATE = {"owner", "chair", "business_support"}


@pytest.fixture
def objects(target_action, business_support, monkeypatch):
    """The objects the URLs are asked about: the target action, and a kept Board pack (its PDF
    a stand-in: this matrix is about who may fetch it; tests/reports render real packs)."""
    monkeypatch.setattr(
        services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 stand-in", 1)
    )
    pack = services.board_pack_create(
        plan=target_action.plan, quarter=Quarter.parse("2015-Q3"), produced_by=business_support
    )
    reporting_round = round_open(
        plan=target_action.plan, quarter=Quarter.parse("2015-Q3"), opened_by=business_support
    )
    status_update_create(
        action=target_action, author=business_support, rag="green",
        commentary="On track: the protocol is drafted.", expected_version=target_action.version,
    )  # fmt: skip
    entry = reporting_round.round_actions.get(action=target_action)
    return SimpleNamespace(action=target_action, pack=pack, round=reporting_round, entry=entry)


def _valid_update(o):
    action = o.action
    return {
        "rag": "green",
        "commentary": "On track: the flagging protocol is drafted.",
        "version": action.version,
    }


def _expect(allowed: set, *, ok=200, denied=403):
    expected = {name: (ok if name in allowed else denied) for name in ALL}
    expected["anonymous"] = 302
    return expected


# url name -> (kwargs builder, {method: {persona: status}}, POST data builder or None)
MAY_REPORT = {"business_support", "board_member"}
PACK_CHOICE = {"plan": WSCB_SLUG, "quarter": "2015-Q3"}

MAY_RUN_ROUNDS = {"business_support"}
MAY_FOLLOW_ROUNDS = {"business_support", "chair", "other_chair"}


def _round(o):
    return {"pk": o.round.pk}


MATRIX = {
    "actionplan:round-list": (lambda o: {}, {"GET": _expect(MAY_FOLLOW_ROUNDS)}, None),
    # Another quarter: the fixture's round holds 2015-Q3 open.
    "actionplan:round-open": (
        lambda o: {},
        {"GET": _expect(MAY_RUN_ROUNDS), "POST": _expect(MAY_RUN_ROUNDS, ok=302)},
        lambda o: {"plan": WSCB_SLUG, "quarter": "2015-Q4"},
    ),
    "actionplan:round-detail": (_round, {"GET": _expect(MAY_FOLLOW_ROUNDS)}, None),
    "actionplan:round-export": (_round, {"GET": _expect(MAY_FOLLOW_ROUNDS)}, None),
    "actionplan:round-scope": (
        _round,
        {"POST": _expect(MAY_RUN_ROUNDS, ok=302)},
        lambda o: {"reference": o.action.reference, "change": "remove", "reason": "Paused"},
    ),
    # Approving: chairs (of any body: the page lists only their own bodies' returns).
    "actionplan:round-sign-off": (
        _round,
        {"GET": _expect(MAY_FOLLOW_ROUNDS), "POST": _expect({"chair", "other_chair"}, ok=302)},
        lambda o: {"approve": f"{o.entry.pk}:{o.entry.return_update_id}"},
    ),
    "actionplan:round-sign-off-return": (
        lambda o: {"pk": o.round.pk, "entry_pk": o.entry.pk},
        {"POST": _expect({"chair"}, ok=302)},
        lambda o: {"comment": "Add the date it was agreed.", "update": o.entry.return_update_id},
    ),
    "actionplan:round-close": (
        _round,
        {"GET": _expect(MAY_RUN_ROUNDS), "POST": _expect(MAY_RUN_ROUNDS, ok=302)},
        lambda o: {},
    ),
    "reports:pack-list": (lambda o: {}, {"GET": _expect(MAY_REPORT)}, None),
    # POST asks for the preview: the matrix checks who may, not how long a PDF takes.
    "reports:pack-new": (
        lambda o: {},
        {"GET": _expect(MAY_REPORT), "POST": _expect(MAY_REPORT, ok=302)},
        lambda o: {**PACK_CHOICE, "preview": "1"},
    ),
    "reports:pack-preview": (lambda o: {}, {"GET": _expect(MAY_REPORT)}, None, PACK_CHOICE),
    "reports:pack-download": (lambda o: {"pk": o.pack.pk}, {"GET": _expect(MAY_REPORT)}, None),
    "healthz": (lambda o: {}, {"GET": {**_expect(ALL), "anonymous": 200}}, None),
    # Public, so that a person who cannot sign in can still read how to report it.
    "accessibility": (lambda o: {}, {"GET": dict.fromkeys(PERSONAS, 200)}, None),
    "password_change": (lambda o: {}, {"GET": _expect(ALL)}, None),
    "home": (lambda o: {}, {"GET": {**_expect(ALL, ok=302)}}, None),
    "actionplan:my-actions": (lambda o: {}, {"GET": _expect(ALL)}, None),
    "actionplan:my-dashboard": (lambda o: {}, {"GET": _expect(ALL, ok=302)}, None),
    "actionplan:overview": (lambda o: {}, {"GET": _expect(ALL)}, None),
    # Every signed-in person may read any body's dashboard and its export.
    "actionplan:body-dashboard": (
        lambda o: {"pk": o.action.accountable_body_id},
        {"GET": _expect(ALL)},
        None,
    ),
    "actionplan:body-export": (
        lambda o: {"pk": o.action.accountable_body_id, "fmt": "csv"},
        {"GET": _expect(ALL)},
        None,
    ),
    "actionplan:plan-list": (lambda o: {}, {"GET": _expect(ALL)}, None),
    "actionplan:plan-detail": (lambda o: {"slug": WSCB_SLUG}, {"GET": _expect(ALL)}, None),
    "actionplan:plan-export": (
        lambda o: {"slug": WSCB_SLUG, "fmt": "csv"},
        {"GET": _expect(ALL)},
        None,
    ),
    "actionplan:action-detail": (lambda o: {"pk": o.action.pk}, {"GET": _expect(ALL)}, None),
    "actionplan:action-update": (
        lambda o: {"pk": o.action.pk},
        {"GET": _expect(MAY_UPDATE), "POST": _expect(MAY_UPDATE, ok=302)},
        _valid_update,
    ),
}

CASES = [
    (name, method, who, status)
    for name, (_, methods, *_) in MATRIX.items()
    for method, expected in methods.items()
    for who, status in expected.items()
]


def request_url(client, name, method, o):
    """Make the matrix's request for one URL; rows may carry a query for GET as a 4th item."""
    kwargs_for, _, data_for, *query = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(o))
    data = data_for(o) if method == "POST" else (query[0] if query else None)
    return getattr(client, method.lower())(url, data)


def test_every_url_has_rows_in_the_matrix():
    names = {name for name, _ in _app_url_names()}
    assert names - set(MATRIX) == set(), "add rows for these URLs"
    assert set(MATRIX) - names == set(), "these URLs no longer exist"


@pytest.mark.parametrize(("name", "method", "who", "status"), CASES)
def test_permission_matrix(client, persona, objects, name, method, who, status):
    user = persona(who)
    if user:
        client.force_login(user)
    response = request_url(client, name, method, objects)
    assert response.status_code == status
    if status == 302 and who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", sorted(ALL - MAY_UPDATE))
def test_forged_post_changes_nothing(client, persona, target_action, who):
    client.force_login(persona(who))
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    response = client.post(url, _valid_update(SimpleNamespace(action=target_action)))
    assert response.status_code == 403
    target_action.refresh_from_db()
    assert target_action.updates.count() == 0
    assert target_action.current_rag == ""


def test_403_page_explains_and_does_not_show_the_form(client, outsider, target_action):
    client.force_login(outsider)
    response = client.get(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html
    assert 'name="commentary"' not in html


@pytest.mark.parametrize("name", ["actionplan:action-detail", "actionplan:action-update"])
def test_unknown_action_is_404_for_everyone(client, business_support, name):
    client.force_login(business_support)
    assert client.get(reverse(name, kwargs={"pk": 10**9})).status_code == 404


def test_inactive_user_cannot_update(client, owner, target_action):
    owner.is_active = False
    owner.save()
    client.force_login(owner)
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    data = _valid_update(SimpleNamespace(action=target_action))
    assert client.post(url, data).status_code == 302  # signed out
    assert target_action.updates.count() == 0


@pytest.mark.parametrize("name", ["actionplan:round-detail", "actionplan:round-close"])
def test_unknown_round_is_404_for_support(client, business_support, name):
    client.force_login(business_support)
    assert client.get(reverse(name, kwargs={"pk": 10**9})).status_code == 404


@pytest.mark.parametrize("who", sorted(ALL - {"business_support"}))
def test_forged_round_posts_change_nothing(client, persona, objects, who):
    client.force_login(persona(who))
    for name, data in [
        ("actionplan:round-close", {}),
        (
            "actionplan:round-scope",
            {"reference": objects.action.reference, "change": "remove", "reason": "x"},
        ),
    ]:
        assert client.post(reverse(name, kwargs={"pk": objects.round.pk}), data).status_code == 403
    objects.round.refresh_from_db()
    assert objects.round.is_open
    assert objects.round.round_actions.in_scope().filter(action=objects.action).exists()

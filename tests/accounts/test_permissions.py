"""One matrix: every URL of our apps x method x persona -> the status code expected.

The URL list is derived from the resolver, so a new URL without rows here fails the test.
"""

import pytest
from django.urls import reverse

from tests.actionplan.test_pages import _app_url_names
from tests.conftest import PERSONAS, WSCB_SLUG

pytestmark = pytest.mark.django_db

ALL = set(PERSONAS) - {"anonymous"}
MAY_UPDATE = {"owner", "chair", "business_support"}


def _valid_update(action):
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
MATRIX = {
    # Public, so that a person who cannot sign in can still read how to report it.
    "accessibility": (lambda a: {}, {"GET": dict.fromkeys(PERSONAS, 200)}, None),
    "home": (lambda a: {}, {"GET": {**_expect(ALL, ok=302)}}, None),
    "actionplan:my-actions": (lambda a: {}, {"GET": _expect(ALL)}, None),
    "actionplan:plan-list": (lambda a: {}, {"GET": _expect(ALL)}, None),
    "actionplan:plan-detail": (lambda a: {"slug": WSCB_SLUG}, {"GET": _expect(ALL)}, None),
    "actionplan:plan-export": (
        lambda a: {"slug": WSCB_SLUG, "fmt": "csv"},
        {"GET": _expect(ALL)},
        None,
    ),
    "actionplan:action-detail": (lambda a: {"pk": a.pk}, {"GET": _expect(ALL)}, None),
    "actionplan:action-update": (
        lambda a: {"pk": a.pk},
        {"GET": _expect(MAY_UPDATE), "POST": _expect(MAY_UPDATE, ok=302)},
        _valid_update,
    ),
}

CASES = [
    (name, method, who, status)
    for name, (_, methods, _) in MATRIX.items()
    for method, expected in methods.items()
    for who, status in expected.items()
]


def test_every_url_has_rows_in_the_matrix():
    names = {name for name, _ in _app_url_names()}
    assert names - set(MATRIX) == set(), "add rows for these URLs"
    assert set(MATRIX) - names == set(), "these URLs no longer exist"


@pytest.mark.parametrize(("name", "method", "who", "status"), CASES)
def test_permission_matrix(client, persona, target_action, name, method, who, status):
    kwargs_for, _, data_for = MATRIX[name]
    user = persona(who)
    if user:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs_for(target_action))
    data = data_for(target_action) if method == "POST" else None
    response = getattr(client, method.lower())(url, data)
    assert response.status_code == status
    if status == 302 and who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", sorted(ALL - MAY_UPDATE))
def test_forged_post_changes_nothing(client, persona, target_action, who):
    client.force_login(persona(who))
    url = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    response = client.post(url, _valid_update(target_action))
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
    assert client.post(url, _valid_update(target_action)).status_code == 302  # signed out
    assert target_action.updates.count() == 0

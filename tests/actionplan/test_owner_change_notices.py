"""When an action's owner roles change, the people who gain or lose it are told in the app on
their next visit (issue 17)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan.models import ActionOwner, OwnerChange, OwnerChangeNotice
from actionplan.services import action_owners_set
from tests.conftest import make_action, make_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    """Three roles: `old` held by Olive and Sam, `new` held by Nina and Sam, `idle` by a person
    whose account is switched off."""
    old, new, idle = make_role(title="Old role"), make_role(title="New role"), make_role()
    olive, nina, sam = make_user(username="olive"), make_user(username="nina"), make_user()
    old.holders.add(olive, sam)
    new.holders.add(nina, sam)
    idle.holders.add(make_user(username="left", is_active=False))
    return {"old": old, "new": new, "idle": idle, "olive": olive, "nina": nina, "sam": sam}


def _notices():
    return {(n.person.username, n.change) for n in OwnerChangeNotice.objects.all()}


def test_those_who_gain_and_lose_an_action_are_told_and_nobody_else(roles):
    action = make_action(owners=[roles["old"]])
    action_owners_set(action=action, roles=[roles["new"], roles["idle"]])
    assert [link.role for link in action.owner_links.order_by("order")] == [
        roles["new"], roles["idle"],
    ]  # fmt: skip
    # Sam holds both roles: still an owner, told nothing; the inactive holder neither.
    assert _notices() == {("nina", OwnerChange.GAINED), ("olive", OwnerChange.LOST)}
    flagged = {u.username for u in type(roles["sam"]).objects.filter(has_unread_notices=True)}
    assert flagged == {"nina", "olive"}


def test_setting_the_same_owners_again_tells_nobody(roles):
    action = make_action(owners=[roles["old"]])
    assert action_owners_set(action=action, roles=[roles["old"]]) == []
    assert not OwnerChangeNotice.objects.exists()


def test_the_notice_shows_on_the_next_page_once(client, roles):
    action = make_action(reference="2.1.4", owners=[roles["old"]])
    action_owners_set(action=action, roles=[roles["new"]])
    client.force_login(roles["nina"])
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "Action 2.1.4 (" in html and "is now yours to update" in html
    assert (
        "is now yours to update"
        not in client.get(reverse("actionplan:my-actions")).content.decode()
    )
    assert OwnerChangeNotice.objects.get(person=roles["nina"]).read_at is not None
    client.force_login(roles["olive"])
    html = client.get(reverse("actionplan:overview")).content.decode()
    assert "Action 2.1.4 (" in html and "is no longer yours to update" in html


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def test_a_page_asks_for_notices_only_when_some_wait(client, roles):
    client.force_login(roles["olive"])
    url = reverse("actionplan:plan-list")
    client.get(url)
    quiet = _count(client, url)
    action_owners_set(action=make_action(owners=[roles["old"]]), roles=[roles["new"]])
    # Clearing the flag, the notices (+action) and marking them read (in a transaction): once.
    assert _count(client, url) > quiet
    assert _count(client, url) == quiet
    roles["olive"].refresh_from_db()
    assert roles["olive"].has_unread_notices is False


def test_changing_owners_in_the_admin_tells_the_people(admin_client, roles):
    action = make_action(owners=[roles["old"]])
    link = ActionOwner.objects.get(action=action)
    url = reverse("admin:actionplan_action_change", args=[action.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data |= {
        "plan": action.plan_id,
        "objective": action.objective_id,
        "accountable_body": action.accountable_body_id,
        "due_date": action.due_date.isoformat(),
        "owner_links-TOTAL_FORMS": "1",
        "owner_links-INITIAL_FORMS": "1",
        "owner_links-0-id": link.pk,
        "owner_links-0-action": action.pk,
        "owner_links-0-role": roles["new"].pk,
        "owner_links-0-order": "1",
        "measures-TOTAL_FORMS": "0",
        "measures-INITIAL_FORMS": "0",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _notices() == {("nina", OwnerChange.GAINED), ("olive", OwnerChange.LOST)}

import time

import pytest
from django.core import mail
from django.urls import reverse

from actionplan.models import AccountableBody
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_login_and_logout(client, db):
    make_user(username="amy", password="a-long-password-1")
    response = _login(client, "amy", "a-long-password-1")
    assert response.status_code == 302
    assert client.get(reverse("actionplan:plan-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("actionplan:plan-list")).status_code == 302


def test_wrong_password_shows_an_error_summary(client, db):
    make_user(username="amy", password="a-long-password-1")
    response = _login(client, "amy", "wrong")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_lockout_is_per_username_and_ip_not_per_ip(client, settings, db):
    make_user(username="amy", password="a-long-password-1")
    make_user(username="colleague", password="another-password-2")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "amy", "guess")
    locked = _login(client, "amy", "a-long-password-1")
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    # A colleague behind the same shared network is not locked out...
    assert _login(client, "colleague", "another-password-2").status_code == 302
    client.post(reverse("logout"))
    # ...nor is the same person from another network.
    assert _login(client, "amy", "a-long-password-1", ip="10.9.9.9").status_code == 302


def test_password_change(client, db):
    user = make_user(username="amy", password="a-long-password-1")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "a-long-password-1",
            "new_password1": "brand-new-passphrase-9",
            "new_password2": "brand-new-passphrase-9",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-9")


def test_password_validators_refuse_a_weak_password(client, db):
    user = make_user(username="amy", password="a-long-password-1")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "a-long-password-1", "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


def test_password_reset_sends_an_email(client, db):
    make_user(username="amy", email="amy@example.org")
    response = client.post(reverse("password_reset"), {"email": "amy@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_idle_session_is_signed_out(client, settings, db):
    user = make_user(username="amy")
    client.force_login(user)
    url = reverse("actionplan:plan-list")
    assert client.get(url).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(url).status_code == 302  # really signed out


def test_session_has_an_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_admin_edits_are_audited_with_who_and_what(client, business_support):
    body = AccountableBody.objects.get(name="CSE Strategic Group")
    client.force_login(business_support)
    response = client.post(
        reverse("admin:actionplan_accountablebody_change", args=[body.pk]),
        {"name": body.name, "short_name": "CSEG", "kind": body.kind},
    )
    assert response.status_code == 302
    record = body.history.latest()
    assert record.history_user == business_support
    assert record.history_type == "~"
    assert (record.short_name, record.name) == ("CSEG", "CSE Strategic Group")
    history = reverse("admin:actionplan_accountablebody_history", args=[body.pk])
    assert business_support.username in client.get(history).content.decode()


def test_plan_changes_outside_the_admin_are_audited_too(target_action):
    target_action.due_date = "2016-01-31"
    target_action.save()
    assert target_action.history.latest().history_type == "~"


def test_business_support_can_manage_the_plan_and_people_in_the_admin(client, business_support):
    client.force_login(business_support)
    for name in ["actionplan_action_changelist", "actionplan_action_add", "accounts_user_add"]:
        assert client.get(reverse(f"admin:{name}")).status_code == 200, name


def _inline_prefixes(page) -> dict[str, str]:
    """The admin page's inline formset prefixes, by the model each inline row points at."""
    prefixes = {}
    for inline in page.context["inline_admin_formsets"]:
        through = inline.formset.model
        [target] = [f.name for f in through._meta.fields if f.name not in {"id", "user"}]
        prefixes[target] = inline.formset.prefix
    return prefixes


def test_business_support_gives_a_person_roles_and_bodies_on_their_admin_page(
    client, business_support, target_action
):
    person = make_user(username="newcomer")
    role, body = target_action.owner_links.get().role, target_action.accountable_body
    client.force_login(business_support)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    page = client.get(url)
    assert page.status_code == 200
    prefixes = _inline_prefixes(page)
    assert set(prefixes) == {"ownerrole", "accountablebody"}
    data = {"username": "newcomer", "is_active": "on", "date_joined_0": "2015-07-01"}
    data["date_joined_1"] = "09:00:00"
    for target, pk in [("ownerrole", role.pk), ("accountablebody", body.pk)]:
        prefix = prefixes[target]
        data |= {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"}
        data[f"{prefix}-0-{target}"] = str(pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert list(person.roles.all()) == [role]
    assert list(person.chaired_bodies.all()) == [body]
    page = client.get(url).content.decode()
    assert "Owner roles held" in page and "Bodies chaired" in page


def test_business_support_finds_roles_to_give_by_typing(client, business_support):
    client.force_login(business_support)
    query = {"app_label": "actionplan", "model_name": "ownerrole_holders"}
    query |= {"field_name": "ownerrole", "term": "Protecting Vulnerable"}
    response = client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 200
    found = [result["text"] for result in response.json()["results"]]
    assert found == ["Head of Protecting Vulnerable People (West Mercia Police)"]


def test_business_support_names_a_roles_holders_on_its_admin_page(
    client, business_support, target_action
):
    person = make_user(username="newcomer")
    role = target_action.owner_links.get().role
    client.force_login(business_support)
    response = client.post(
        reverse("admin:actionplan_ownerrole_change", args=[role.pk]),
        {"agency": role.agency_id, "title": role.title, "holders": [person.pk]},
    )
    assert response.status_code == 302
    assert list(person.roles.all()) == [role]


def test_others_cannot_use_the_admin(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:actionplan_action_changelist"))
    assert response.status_code == 302


def test_required_errors_name_their_field(client, db):
    client.force_login(make_user(username="amy", password="a-long-password-1"))
    html = client.post(reverse("password_change"), {}).content.decode()
    assert "This field is required" not in html
    for message in ["Enter old password", "Enter new password", "Enter new password confirmation"]:
        assert html.count(message + "<") == 2  # in the error summary and beside the field

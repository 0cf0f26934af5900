"""Hole 1: business support (staff with change_user) must not be able to raise anyone's
privileges, its own included, nor set or reset another person's password. Only a superuser
may grant staff, superuser, groups or permissions, or set a password; a non-superuser never
changes a staff or superuser account. Each attempt is refused (403) and changes nothing."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from accounts.permissions import BUSINESS_SUPPORT_GROUP
from tests.conftest import PASSWORD, admin_user_form_data, make_user

pytestmark = pytest.mark.django_db


def _change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def _form_data(user, **changes):
    """What the admin's change form posts for `user`, with `changes` on top."""
    return admin_user_form_data(user) | changes


def _privileges(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
        user.password,
        user.first_name,
    )


@pytest.fixture
def superuser(db):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def other_staff(db):
    return make_user(username="colleague", is_staff=True, groups=[BUSINESS_SUPPORT_GROUP])


def _escalations():
    group = lambda: Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)[0].pk  # noqa: E731
    perm = lambda: Permission.objects.get(codename="delete_user").pk  # noqa: E731
    return {
        "is_superuser": lambda: {"is_superuser": "on"},
        "is_staff": lambda: {"is_staff": "on"},
        "groups": lambda: {"groups": [group()]},
        "user_permissions": lambda: {"user_permissions": [perm()]},
    }


@pytest.mark.parametrize("field", sorted(_escalations()))
def test_business_support_cannot_grant_privileges_to_a_person(
    client, business_support, owner, field
):
    client.force_login(business_support)
    before = _privileges(owner)
    response = client.post(_change_url(owner), _form_data(owner, **_escalations()[field]()))
    assert response.status_code == 403
    assert _privileges(owner) == before


@pytest.mark.parametrize("field", sorted(_escalations()))
def test_business_support_cannot_raise_its_own_privileges(client, business_support, field):
    client.force_login(business_support)
    before = _privileges(business_support)
    data = _form_data(business_support, **({"is_staff": "on"} | _escalations()[field]()))
    response = client.post(_change_url(business_support), data)
    assert response.status_code == 403
    assert _privileges(business_support) == before


@pytest.mark.parametrize("target", ["superuser", "other_staff"])
def test_business_support_cannot_change_a_staff_or_superuser_account(
    client, business_support, request, target
):
    user = request.getfixturevalue(target)
    client.force_login(business_support)
    before = _privileges(user)
    data = _form_data(user, first_name="Hijacked", is_staff="on")
    assert client.post(_change_url(user), data).status_code == 403
    assert _privileges(user) == before


@pytest.mark.parametrize("target", ["owner", "superuser", "business_support"])
def test_business_support_cannot_set_anyones_password(client, business_support, request, target):
    user = request.getfixturevalue(target)
    client.force_login(business_support)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert client.get(url).status_code == 403
    new = {"password1": "taken-over-9-passphrase", "password2": "taken-over-9-passphrase"}
    assert client.post(url, new | {"usable_password": "true"}).status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_business_support_still_edits_a_persons_details(client, business_support, owner):
    client.force_login(business_support)
    response = client.post(_change_url(owner), _form_data(owner, job_title="Team manager"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.job_title == "Team manager"
    assert (owner.is_staff, owner.is_superuser) == (False, False)


def test_business_support_sees_privileges_but_cannot_edit_them(client, business_support, owner):
    client.force_login(business_support)
    html = client.get(_change_url(owner)).content.decode()
    for name in ["is_superuser", "is_staff", "groups", "user_permissions"]:
        assert f'name="{name}"' not in html, name
    assert "../password/" not in html


def test_a_superuser_may_grant_privileges_and_set_passwords(client, superuser, owner):
    client.force_login(superuser)
    response = client.post(_change_url(owner), _form_data(owner, is_staff="on"))
    assert response.status_code == 302
    url = reverse("admin:auth_user_password_change", args=[owner.pk])
    new = "a-new-long-passphrase-7"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.is_staff and owner.check_password(new)


def test_business_support_may_view_a_staff_account_read_only(client, business_support, superuser):
    client.force_login(business_support)
    response = client.get(_change_url(superuser))
    assert response.status_code == 200
    assert 'name="first_name"' not in response.content.decode()

"""The people pages: business support invite, change, deactivate and reactivate people
without the admin; every change is recorded; bad input writes nothing."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, PersonEvent, User
from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP
from actionplan.models import AccountableBody, OwnerRole
from tests.conftest import PASSWORD, Client, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new password 42"


def _invite_data(**more):
    role = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    body = AccountableBody.objects.get(name="CSE Strategic Group")
    return {
        "first_name": "Nia", "last_name": "Jones", "email": "Nia.Jones@example.org",
        "agency": role.agency_id, "job_title": "Detective Inspector",
        "roles": [role.pk], "bodies": [body.pk], "access": BOARD_MEMBER_GROUP, **more,
    }  # fmt: skip


@pytest.fixture
def support_client(client, business_support):
    client.force_login(business_support)
    return client


def _invite(support_client, capture, **more):
    with capture(execute=True):
        response = support_client.post(reverse("actionplan:person-invite"), _invite_data(**more))
    return response


def _link(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def test_support_invites_a_person_who_is_e_mailed_a_link(
    support_client, business_support, django_capture_on_commit_callbacks
):
    response = _invite(support_client, django_capture_on_commit_callbacks)
    person = User.objects.get(email="nia.jones@example.org")
    assert response["Location"] == reverse("actionplan:person-detail", args=[person.pk])
    assert (person.username, person.is_active, person.has_usable_password()) == (
        "nia.jones@example.org",
        False,
        False,
    )
    assert [r.title for r in person.roles.all()] == ["Head of Protecting Vulnerable People"]
    assert [g.name for g in person.groups.all()] == [BOARD_MEMBER_GROUP]
    assert not (person.is_staff or person.is_superuser)
    assert [m.to for m in mail.outbox] == [["nia.jones@example.org"]]
    token = _link(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert token not in Invitation.objects.get().token_hash  # only a hash is kept
    event = PersonEvent.objects.get(person=person)
    assert event.actor == business_support and event.what.startswith("Invited")
    html = support_client.get(reverse("actionplan:person-detail", args=[person.pk])).content
    assert b"Invited; roles: Head of Protecting Vulnerable People" in html


def _nothing_written(before: int):
    assert User.objects.count() == before
    assert Invitation.objects.count() == 0 and PersonEvent.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ({"email": "OWNER@example.org"}, "Someone already has this e-mail address"),
        ({"roles": [10**9]}, "Choose owner roles from the list"),
        ({"bodies": ["x"]}, "Choose bodies from the list"),
        ({"access": "Administrators"}, "Choose one of the kinds of Board access"),
        ({"email": "not an address"}, "Enter an e-mail address"),
        ({"job_title": "DI\x01"}, "control character"),
    ],
)
def test_bad_invitations_say_why_and_write_nothing(
    support_client, owner, more, message, django_capture_on_commit_callbacks
):
    owner.email = "owner@example.org"
    owner.save()
    before = User.objects.count()
    response = _invite(support_client, django_capture_on_commit_callbacks, **more)
    assert response.status_code == 200
    assert message in response.content.decode()
    _nothing_written(before)


def _accept(client, link, password=NEW_PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


def test_the_link_sets_the_password_then_two_factor_set_up_and_works_once(
    support_client, django_capture_on_commit_callbacks
):
    _invite(support_client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0])
    newcomer = Client()
    assert b"Set your password" in newcomer.get(link).content
    response = _accept(newcomer, link)
    assert response["Location"] == reverse("accounts:two-factor-setup")
    person = User.objects.get(email="nia.jones@example.org")
    assert person.is_active and person.check_password(NEW_PASSWORD)
    # A Board member: nothing but set-up until it is done.
    assert newcomer.get(reverse("actionplan:overview"))["Location"].startswith(
        reverse("accounts:two-factor-setup")
    )
    again = _accept(Client(), link, "another long password 7")
    assert b"This invitation link cannot be used" in again.content
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("spoil", ["expired", "revoked", "resent", "unknown"])
def test_a_spoilt_link_says_so_and_changes_nothing(
    support_client, spoil, time_machine, django_capture_on_commit_callbacks
):
    _invite(support_client, django_capture_on_commit_callbacks)
    link = _link(mail.outbox[0])
    person = User.objects.get(email="nia.jones@example.org")
    if spoil == "expired":
        time_machine.move_to(timezone.now() + timedelta(days=7, minutes=1))
    elif spoil == "revoked":
        support_client.post(reverse("actionplan:person-revoke", args=[person.pk]))
    elif spoil == "resent":
        with django_capture_on_commit_callbacks(execute=True):
            support_client.post(reverse("actionplan:person-resend", args=[person.pk]))
        assert len(mail.outbox) == 2
    else:
        link = link[:-5] + "xxxx/"
    response = _accept(Client(), link)
    assert b"This invitation link cannot be used" in response.content
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password()


def test_the_link_lasts_the_configured_days(
    support_client, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_DAYS = 2
    _invite(support_client, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_support_changes_roles_bodies_and_access_and_it_is_recorded(
    support_client, owner, business_support
):
    body = AccountableBody.objects.get(name="CSE Strategic Group")
    data = {"first_name": "Owen", "last_name": "Owner", "agency": "", "job_title": "Lead",
            "roles": [], "bodies": [body.pk], "access": BUSINESS_SUPPORT_GROUP}  # fmt: skip
    response = support_client.post(reverse("actionplan:person-edit", args=[owner.pk]), data)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert list(owner.roles.all()) == [] and list(owner.chaired_bodies.all()) == [body]
    assert [g.name for g in owner.groups.all()] == [BUSINESS_SUPPORT_GROUP]
    assert not (owner.is_staff or owner.is_superuser)
    whats = set(PersonEvent.objects.filter(person=owner).values_list("what", flat=True))
    assert any(w.startswith("Changed roles:") for w in whats)
    assert any(w.startswith("Changed Board access: none → Board business support") for w in whats)
    assert PersonEvent.objects.filter(person=owner).exclude(actor=business_support).count() == 0


@pytest.mark.parametrize(
    "escalation",
    [{"access": "Administrators"}, {"is_superuser": "on", "is_staff": "on"},
     {"groups": "1", "user_permissions": "1"}],
)  # fmt: skip
def test_support_can_never_grant_more_than_the_two_groups(support_client, owner, escalation):
    Group.objects.get_or_create(name="Administrators")
    data = {"first_name": "O", "last_name": "O", "agency": "", "job_title": "",
            "roles": [], "bodies": [], "access": "", **escalation}  # fmt: skip
    support_client.post(reverse("actionplan:person-edit", args=[owner.pk]), data)
    owner.refresh_from_db()
    assert not (owner.is_staff or owner.is_superuser)
    assert list(owner.groups.all()) == [] and list(owner.user_permissions.all()) == []


@pytest.mark.parametrize("target", ["staff", "superuser", "self"])
def test_support_cannot_change_a_privileged_account_or_its_own(
    support_client, business_support, target
):
    person = {
        "staff": lambda: make_user(username="staffer", is_staff=True),
        "superuser": lambda: make_user(username="root", is_superuser=True),
        "self": lambda: business_support,
    }[target]()
    for name in ["person-edit", "person-deactivate"]:
        url = reverse(f"actionplan:{name}", args=[person.pk])
        assert support_client.post(url, {"first_name": "X"}).status_code == 403
    person.refresh_from_db()
    assert person.is_active and person.first_name != "X"
    assert PersonEvent.objects.count() == 0


def test_deactivating_ends_their_sessions_at_once_and_keeps_their_name(
    support_client, owner, target_action
):
    theirs = Client()
    theirs.force_login(owner)
    assert theirs.get(reverse("actionplan:my-actions")).status_code == 200
    response = support_client.post(reverse("actionplan:person-deactivate", args=[owner.pk]))
    assert response.status_code == 302
    assert theirs.get(reverse("actionplan:my-actions"))["Location"].startswith(reverse("login"))
    owner.refresh_from_db()
    assert not owner.is_active and User.objects.filter(pk=owner.pk).exists()
    assert PersonEvent.objects.get(person=owner).what.startswith("Deactivated (1 session")
    # Reactivated: they may sign in again.
    owner.last_login = timezone.now()
    owner.save()
    support_client.post(reverse("actionplan:person-reactivate", args=[owner.pk]))
    owner.refresh_from_db()
    assert owner.is_active
    signed_in = Client().post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert signed_in.status_code == 302 and reverse("login") not in signed_in["Location"]


def test_a_deactivated_persons_reset_link_sets_nothing(client, owner):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    token = default_token_generator.make_token(owner)
    owner.is_active = False
    owner.save()
    url = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    response = client.get(url, follow=True)
    assert b"new_password1" not in response.content
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_everyone_reads_their_own_page_and_only_support_others(client, owner, outsider):
    client.force_login(owner)
    assert client.get(reverse("actionplan:my-page"))["Location"] == reverse(
        "actionplan:person-detail", args=[owner.pk]
    )
    html = client.get(reverse("actionplan:person-detail", args=[owner.pk])).content.decode()
    assert "My two-factor devices" in html and "Sign-in history" in html
    assert client.get(reverse("actionplan:person-detail", args=[outsider.pk])).status_code == 404


def test_the_people_list_filters(support_client, owner, chair, board_member, invited):
    url = reverse("actionplan:person-list")

    def names(**query):
        return {p.username for p in support_client.get(url, query).context["people"]}

    assert names(status="invited") == {"invited"}
    assert names(body=chair.chaired_bodies.get().pk) == {"chair"}
    assert names(role=owner.roles.get().pk) == {"owner"}
    assert "board" in names(signed_in="never") and "invited" in names(signed_in="never")
    assert names(status="nonsense", role="x") >= {"owner", "chair", "board", "invited"}


def test_people_list_query_count_is_fixed(support_client, wscb_plan, django_assert_num_queries):
    roles = list(OwnerRole.objects.all()[:5])
    for n in range(30):
        person = make_user(username=f"p{n}", groups=[BOARD_MEMBER_GROUP] if n % 2 else [])
        person.roles.set(roles)
    url = reverse("actionplan:person-list")
    support_client.get(url)
    # session, user, the second factor (accounts.middleware), the user's groups, the filters'
    # choices (agencies, roles +agency, bodies), the people (+agency), their roles,
    # bodies chaired, groups, the nav's "chairs a body?" check
    with django_assert_num_queries(12):
        response = support_client.get(url)
    assert len(response.context["people"]) > 30


def test_only_business_support_see_people_in_the_navigation(client, business_support, owner):
    link = f'href="{reverse("actionplan:person-list")}"'
    client.force_login(owner)
    html = client.get(reverse("actionplan:overview")).content.decode()
    assert link not in html and f'href="{reverse("actionplan:my-page")}"' in html
    client.force_login(business_support)
    assert link in client.get(reverse("actionplan:overview")).content.decode()


def test_a_persons_page_query_count_is_fixed(
    support_client, business_support, owner, django_assert_num_queries
):
    from accounts.invitations import person_event

    for n in range(20):
        person_event(person=owner, actor=business_support, what=f"Changed job title {n}")
    url = reverse("actionplan:person-detail", args=[owner.pk])
    support_client.get(url)
    # session, user, the second factor (accounts.middleware), the user's groups, the person
    # (+agency), their roles (+agency), bodies chaired, groups (Board access), authenticator,
    # recovery codes left, sign-ins, changes (+by), the pending invitation, the nav's "chairs a
    # body?" check
    with django_assert_num_queries(14):
        response = support_client.get(url)
    assert response.content.decode().count("Changed job title") == 20


def test_second_factor_changes_are_recorded_on_the_persons_page(
    support_client, business_support, board_member
):
    theirs = Client()
    theirs.force_login(board_member)
    theirs.post(reverse("accounts:recovery-codes"))
    support_client.post(reverse("accounts:two-factor-reset", args=[board_member.pk]))
    events = PersonEvent.objects.filter(person=board_member).order_by("pk")
    assert [(e.actor, e.what) for e in events] == [
        (board_member, "New recovery codes made"),
        (business_support, "Two-factor sign-in reset"),
    ]
    page = support_client.get(reverse("actionplan:person-detail", args=[board_member.pk]))
    assert "Two-factor sign-in reset" in page.content.decode()

"""Two-factor sign-in: who must use it, the code step after the password, set-up, recovery
codes, throttling, replay, and business support's reset."""

import logging
import os
import re
import subprocess
import sys
from base64 import b32decode

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP, must_use_two_factor
from tests.conftest import PASSWORD, ROOT, Client, give_second_factor, make_user, totp_code

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two-factor-verify")
SETUP = reverse("accounts:two-factor-setup")
RECOVERY = reverse("accounts:recovery-codes")


def _password(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _code(client, code, **extra):
    return client.post(VERIFY, {"code": code, **extra})


def _device(user):
    return TOTPDevice.objects.get(user=user, confirmed=True)


@pytest.mark.parametrize(
    ("kwargs", "required"),
    [
        ({}, False),
        ({"groups": [BUSINESS_SUPPORT_GROUP]}, True),
        ({"groups": [BOARD_MEMBER_GROUP]}, True),
        ({"is_staff": True}, True),
        ({"is_superuser": True}, True),
    ],
)
def test_who_must_use_a_second_factor(kwargs, required, settings):
    user = make_user(**kwargs)
    assert must_use_two_factor(user) is required
    settings.MFA_REQUIRED_FOR_ALL = True
    user = type(user).objects.get(pk=user.pk)
    assert must_use_two_factor(user) is True


def test_password_alone_reaches_only_the_code_step(client, business_support, target_action):
    _password(client, business_support)
    for url in [
        reverse("actionplan:overview"),
        reverse("reports:pack-list"),
        target_action.get_absolute_url(),
        reverse("admin:index"),
        reverse("actionplan:plan-export", kwargs={"slug": target_action.plan.slug, "fmt": "csv"}),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    # A write is refused too, and changes nothing.
    update = reverse("actionplan:action-update", kwargs={"pk": target_action.pk})
    response = client.post(update, {"rag": "green", "commentary": "x", "version": 0})
    assert response.status_code == 302
    assert target_action.updates.count() == 0


def test_the_code_step_leads_on_to_the_page_asked_for(client, business_support):
    overview = reverse("actionplan:overview")
    _password(client, business_support)
    assert client.get(overview)["Location"] == f"{VERIFY}?next=%2Foverview%2F"
    response = _code(client, totp_code(_device(business_support)), next=overview)
    assert response.status_code == 302
    assert response["Location"] == overview
    assert client.get(overview).status_code == 200


def test_the_code_step_never_leads_off_the_site(client, business_support):
    _password(client, business_support)
    response = _code(client, totp_code(_device(business_support)), next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_a_used_code_cannot_be_replayed(client, business_support):
    device = _device(business_support)
    code = totp_code(device)
    _password(client, business_support)
    assert _code(client, code).status_code == 302
    client.post(reverse("logout"))
    _password(client, business_support)
    response = _code(client, code)
    assert response.status_code == 200
    assert "has been used already" in response.content.decode()
    assert client.get(reverse("actionplan:overview")).status_code == 302
    # The replay counts as a failure: django-otp throttles the next attempt.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_wrong_codes_are_throttled_even_when_the_next_is_right(
    client, business_support, time_machine
):
    device = _device(business_support)
    time_machine.move_to(timezone.now(), tick=False)
    _password(client, business_support)
    for wait in (1, 2, 4):  # django-otp doubles the wait after each failure in a row
        assert "That code is not right" in _code(client, "000000").content.decode()
        time_machine.shift(wait)
    assert "That code is not right" in _code(client, "000000").content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    time_machine.shift(7)
    response = _code(client, totp_code(device))  # right, but within the 8-second wait
    assert "Too many wrong codes in a row. Wait 1 second," in response.content.decode()
    assert client.get(reverse("actionplan:overview")).status_code == 302
    time_machine.shift(1)
    assert _code(client, totp_code(device)).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_in_the_wrong_form_is_explained_and_not_counted(client, business_support):
    _password(client, business_support)
    response = _code(client, "12345")
    assert "Enter the 6-digit code from your authenticator app, or a recovery code" in (
        response.content.decode()
    )
    assert _device(business_support).throttling_failure_count == 0


def test_a_recovery_code_signs_in_once(client, business_support):
    [code, *_] = _recovery_codes(client, business_support)
    client.post(reverse("logout"))
    _password(client, business_support)
    response = _code(client, f"{code[:4]} {code[4:]}".upper())  # case, spaces: no matter
    assert response.status_code == 302
    assert not StaticToken.objects.filter(token=code).exists()
    client.post(reverse("logout"))
    _password(client, business_support)
    assert _code(client, code).status_code == 200


def _recovery_codes(client, user) -> list[str]:
    client.force_login(user)
    client.post(RECOVERY)
    html = client.get(RECOVERY).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)
    assert len(codes) == 10
    return codes


def test_new_recovery_codes_are_shown_once_and_replace_the_old(client, business_support):
    first = _recovery_codes(client, business_support)
    assert "cannot be shown again" in client.get(RECOVERY).content.decode()
    second = _recovery_codes(client, business_support)
    assert set(first).isdisjoint(second)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(second)


def test_a_person_who_must_sets_it_up_after_the_password(client, settings):
    person = make_user(groups=[BOARD_MEMBER_GROUP], two_factor=False)
    _password(client, person)
    response = client.get(reverse("actionplan:overview"))
    assert response["Location"].startswith(SETUP)
    page = client.get(SETUP).content.decode()
    assert "<svg" in page and 'role="img"' in page  # the QR code, inline
    secret = re.search(r'<p class="secret-key"><code>([A-Z2-7 ]+)</code>', page).group(1)
    assert client.get(SETUP).content.decode().count(secret) == 1  # a reload keeps the secret
    device = TOTPDevice(key=b32decode(secret.replace(" ", "")).hex())
    response = client.post(SETUP, {"code": totp_code(device)})
    assert response["Location"] == RECOVERY
    assert TOTPDevice.objects.get(user=person).confirmed
    codes_page = client.get(RECOVERY).content.decode()
    assert codes_page.count("<li><code>") == 10
    assert client.get(reverse("actionplan:overview")).status_code == 200


def test_setting_up_with_a_wrong_code_saves_nothing_confirmed(client):
    person = make_user(groups=[BOARD_MEMBER_GROUP], two_factor=False)
    _password(client, person)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert client.get(reverse("actionplan:overview"))["Location"].startswith(SETUP)


def test_showing_the_set_up_page_writes_nothing(client):
    person = make_user(groups=[BOARD_MEMBER_GROUP], two_factor=False)
    _password(client, person)
    client.get(SETUP)
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_a_person_with_a_second_factor_cannot_add_another_with_the_password(
    client, business_support
):
    _password(client, business_support)
    response = client.get(SETUP)
    assert response["Location"] == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=business_support).count() == 1


def test_action_owners_need_no_second_factor_in_the_demo(client, owner):
    _password(client, owner)
    assert client.get(reverse("actionplan:my-actions")).status_code == 200


def test_everyone_needs_one_when_required_for_all(client, owner, settings):
    settings.MFA_REQUIRED_FOR_ALL = True
    _password(client, owner)
    assert client.get(reverse("actionplan:my-actions"))["Location"].startswith(SETUP)


@pytest.mark.parametrize(("debug", "expected"), [("true", "False"), ("false", "True")])
def test_required_for_all_is_the_default_unless_debug(debug, expected):
    env = {**os.environ, "DEBUG": debug, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "x.example"}
    env.pop("MFA_REQUIRED_FOR_ALL", None)
    script = "from django.conf import settings; print(settings.MFA_REQUIRED_FOR_ALL)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "actionplan.project.settings"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == expected, result.stderr


def test_an_owner_who_set_one_up_must_use_it(client, owner):
    give_second_factor(owner)
    _password(client, owner)
    assert client.get(reverse("actionplan:my-actions"))["Location"].startswith(VERIFY)


def test_sign_out_static_files_and_health_check_stay_open(client, business_support):
    _password(client, business_support)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_session_key_changes_at_the_second_factor(client, business_support):
    _password(client, business_support)
    before = client.session.session_key
    _code(client, totp_code(_device(business_support)))
    assert client.session.session_key != before


def test_second_factor_events_are_logged_without_the_code(client, business_support, caplog):
    code = totp_code(_device(business_support))
    _password(client, business_support)
    with caplog.at_level(logging.INFO, logger="actionplan.security"):
        _code(client, "000000")
        _code(client, "999999")
    lines = [r.getMessage() for r in caplog.records if "two_factor" in r.getMessage()]
    assert [line.split()[0] for line in lines] == ["event=two_factor_failure"] * 2
    assert all("000000" not in line and code not in line for line in lines)


# Business support resets a lost second factor.


def _reset_url(person):
    return reverse("accounts:two-factor-reset", kwargs={"pk": person.pk})


def test_support_resets_a_board_members_second_factor(client, business_support, board_member):
    verified = Client()
    verified.force_login(board_member)
    assert verified.get(reverse("actionplan:overview")).status_code == 200
    client.force_login(business_support)
    page = client.get(_reset_url(board_member)).content.decode()
    assert _device(board_member).key not in page
    assert client.post(_reset_url(board_member)).status_code == 302
    assert not TOTPDevice.objects.filter(user=board_member).exists()
    assert not StaticDevice.objects.filter(user=board_member).exists()
    # Their session, verified with the old device, goes to set-up at once.
    assert verified.get(reverse("actionplan:overview"))["Location"].startswith(SETUP)


def test_support_may_not_reset_a_staff_account_or_its_own(client, business_support):
    other_support = make_user(groups=[BUSINESS_SUPPORT_GROUP], is_staff=True)
    client.force_login(business_support)
    for person in (other_support, business_support):
        assert client.post(_reset_url(person)).status_code == 403
        assert TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_a_superuser_may_reset_a_staff_account(admin_client, business_support):
    assert admin_client.post(_reset_url(business_support)).status_code == 302
    assert not TOTPDevice.objects.filter(user=business_support).exists()


def test_the_reset_is_logged(client, business_support, board_member, caplog):
    client.force_login(business_support)
    with caplog.at_level(logging.INFO, logger="actionplan.security"):
        client.post(_reset_url(board_member))
    [line] = [r.getMessage() for r in caplog.records if "two_factor_reset" in r.getMessage()]
    assert "user=support" in line and "person=board" in line


def test_a_reset_of_an_unknown_person_is_404(client, business_support):
    client.force_login(business_support)
    url = reverse("accounts:two-factor-reset", kwargs={"pk": 10**9})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["business_support", "admin_user"])
def test_nobody_reads_secrets_in_the_admin(client, persona, board_member, who):
    # django-otp's device pages (which show the key and its QR code) are not registered.
    client.force_login(persona(who))
    device = _device(board_member)
    for url in [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        "/admin/otp_static/staticdevice/",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 404, url
        assert device.key not in response.content.decode()

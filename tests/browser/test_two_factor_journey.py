"""Two-factor sign-in in a real browser: a Board member who has not set it up signs in, is
taken to set-up, adds the secret shown (the code computed here, as their phone would), keeps
their recovery codes, signs out, signs in again with a code, and a replayed code is refused."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import expect, save_screenshot, unused_code
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def _password(page, user):
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _enter_code(page, code, button):
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name=button).click()


def test_8_board_member_sets_up_two_factor_and_signs_in_with_a_code(page, two_factor_pending):
    person = two_factor_pending
    _password(page, person)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr_code = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr_code).to_be_visible()
    # Nothing else is reachable until it is done.
    page.goto(reverse("actionplan:overview"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")

    secret = page.locator(".secret-key code").inner_text()
    phone = TOTPDevice(key=b32decode(secret.replace(" ", "")).hex())
    _enter_code(page, totp_code(phone), "Confirm and continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Recovery codes")

    page.get_by_role("button", name="Sign out").click()
    _password(page, person)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    device = TOTPDevice.objects.get(user=person, confirmed=True)
    used = unused_code(device)
    _enter_code(page, used, "Continue")
    expect(page.get_by_role("link", name="Overview")).to_be_visible()
    assert page.url.endswith(reverse("actionplan:overview"))

    # The same code again, in a new sign-in: refused.
    page.get_by_role("button", name="Sign out").click()
    _password(page, person)
    _enter_code(page, used, "Continue")
    expect(page.get_by_role("alert")).to_contain_text("has been used already")
    save_screenshot(page, "journey-8-replayed-code-refused")
    page.goto(reverse("actionplan:overview"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")

"""A person joins, in a real browser: business support invite them from the People pages; the
invitation e-mail is read back from a real SMTP server; its link sets their password and then
two-factor sign-in (the code computed here from the secret shown, as their phone would); they
sign out, sign in again with a code, and a replayed code is refused. A screenshot of each step
goes to test-artifacts/screenshots/people-journey-*.png."""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.browser.conftest import expect, save_screenshot, sign_in, unused_code
from tests.conftest import totp_code

pytestmark = pytest.mark.browser

EMAIL = "nia.jones@example.org"
PASSWORD = "a long new password 42"


def _password_step(page):
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")


def _code(page, code, button="Continue"):
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name=button).click()


def test_support_invite_a_person_who_joins_with_two_factor_sign_in(
    new_page, business_support, smtp_inbox
):
    # 1. Support invite a Board member from the People pages.
    support = new_page()
    sign_in(support, business_support)
    support.goto(reverse("actionplan:person-list"))
    support.get_by_role("link", name="Invite a person").click()
    support.get_by_label("First name").fill("Nia")
    support.get_by_label("Last name").fill("Jones")
    support.get_by_label("E-mail address").fill(EMAIL)
    support.get_by_label("Agency").select_option(label="West Mercia Police")
    support.get_by_label("Job title").fill("Detective Inspector")
    support.get_by_label("Head of Protecting Vulnerable People (", exact=False).check()
    support.get_by_label("Board member: reads the whole plan", exact=False).check()
    support.get_by_role("button", name="Send the invitation").click()
    expect(support.get_by_role("status")).to_contain_text("Nia Jones was invited")
    expect(support.locator("main")).to_contain_text("Invited; roles: Head of Protecting")
    save_screenshot(support, "people-journey-1-support-invites")

    # 2. The invitation e-mail, from the SMTP server; its link sets the password.
    (email,) = smtp_inbox.to(EMAIL)
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", email.get_content()).group(0)
    person_page = new_page()
    person_page.goto(link)
    expect(person_page.get_by_role("heading", level=1)).to_have_text("Set your password")
    person_page.get_by_label("New password", exact=True).fill(PASSWORD)
    person_page.get_by_label("New password confirmation").fill(PASSWORD)
    person_page.get_by_role("button", name="Set password and continue").click()

    # 3. Two-factor set-up: the secret shown, added to "their phone" (computed here).
    expect(person_page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    secret = person_page.locator(".secret-key code").inner_text()
    phone = TOTPDevice(key=b32decode(secret.replace(" ", "")).hex())
    _code(person_page, totp_code(phone), "Confirm and continue")
    expect(person_page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    person_page.get_by_role("link", name="I have saved my recovery codes").click()
    save_screenshot(person_page, "people-journey-2-joined")

    # 4. Signed out, then in again with a code.
    person_page.get_by_role("button", name="Sign out").click()
    _password_step(person_page)
    person = User.objects.get(username=EMAIL)
    used = unused_code(TOTPDevice.objects.get(user=person, confirmed=True))
    _code(person_page, used)
    expect(person_page.get_by_role("link", name="Overview")).to_be_visible()

    # 5. The same code again, in a new sign-in: refused.
    person_page.get_by_role("button", name="Sign out").click()
    _password_step(person_page)
    _code(person_page, used)
    expect(person_page.get_by_role("alert")).to_contain_text("has been used already")
    save_screenshot(person_page, "people-journey-3-replayed-code-refused")
    # The link, once used, does not work again.
    person_page.get_by_role("button", name="Sign out").click()
    person_page.goto(link)
    expect(person_page.get_by_role("heading", level=1)).to_have_text(
        "This invitation link cannot be used"
    )

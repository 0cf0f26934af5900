"""The journeys of issue 17 ("Daily use"), in a real browser, each ending with a screenshot of
its final screen in test-artifacts/screenshots/: the time-out warning, two tabs, an idle
sign-out before Save, the next action after saving, the phone layout, the people in each owner
role, and being told when an action becomes yours."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from actionplan.models import ActionOwner, Rag, StatusUpdate, StatusUpdateDraft
from actionplan.services import action_owners_set, status_update_create
from tests.browser.conftest import expect, save_screenshot, sign_in
from tests.conftest import make_role

pytestmark = pytest.mark.browser

COMMENTARY = (
    "Protocol agreed by two of three agencies; <Health> still to sign. "
    "Chair escalating to the Board on 12th & asking for a named lead."
)
PHONE = {"width": 390, "height": 844}


def _update_url(action):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk})


def _rate(action, author, rag, commentary="On track: nothing to add this quarter."):
    action.refresh_from_db()
    status_update_create(
        action=action, author=author, rag=rag, commentary=commentary,
        expected_version=action.version,
    )  # fmt: skip


def _forget_other_tests_deadlines(page):
    # Browser contexts are reused between tests, with their storage.
    page.goto(reverse("login"))
    page.evaluate("localStorage.clear()")


def test_time_out_warning_lets_a_keyboard_user_stay_signed_in(page, owner, settings, check_axe):
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 5  # the warning opens 3 s after the last request
    _forget_other_tests_deadlines(page)
    sign_in(page, owner)
    title = page.title()
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_have_accessible_description(
        re.compile(r"^For your security, you will be signed out in \d seconds? if you do nothing.$")
    )
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()  # focus moves into the dialog, on the choice that loses nothing
    assert page.title() == f"Sign-out warning – {title}"
    check_axe(page, "time-out warning [owner]")
    save_screenshot(page, "journey-17-1-time-out-warning")

    with page.expect_response(lambda r: r.url.endswith(reverse("session-keep-alive"))) as kept:
        page.keyboard.press("Enter")
    assert kept.value.status == 200
    expect(dialog).to_be_hidden()
    assert page.title() == title
    # The session was extended: the warning comes again, about 3 s later; left alone this time,
    # the page goes to sign in, saying why.
    expect(dialog).to_be_visible(timeout=10_000)
    page.wait_for_url(lambda url: reverse("login") in url, timeout=15_000)
    expect(page.get_by_role("status")).to_have_text(
        "You were signed out after a period of inactivity."
    )
    save_screenshot(page, "journey-17-1-signed-out-after-the-warning")


def test_escape_in_the_warning_also_stays_signed_in(page, owner, settings):
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 6
    _forget_other_tests_deadlines(page)
    sign_in(page, owner)
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible(timeout=10_000)
    with page.expect_response(lambda r: r.url.endswith(reverse("session-keep-alive"))) as kept:
        page.keyboard.press("Escape")
    assert kept.value.status == 200
    expect(dialog).to_be_hidden()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plans")  # still signed in


def test_two_tabs_signed_out_and_in_again_save_shows_the_text_to_copy(page, owner, target_action):
    sign_in(page, owner)
    page.goto(_update_url(target_action))
    page.get_by_label("Amber").check()
    page.get_by_label("Commentary").fill(COMMENTARY)
    expect(page.locator("#draft-status")).to_contain_text("Draft saved at")

    other_tab = page.context.new_page()
    try:
        other_tab.goto(reverse("actionplan:my-actions"))
        other_tab.get_by_role("button", name="Sign out").click()
        expect(other_tab.get_by_role("status")).to_have_text("You have signed out.")
        sign_in(other_tab, owner)
    finally:
        other_tab.close()

    with page.expect_response(lambda r: r.request.method == "POST") as saving:
        page.get_by_role("button", name="Save status").click()
    assert saving.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    expect(page.locator("main")).to_contain_text("signed out and in again, in another tab")
    kept = page.get_by_label("Your commentary")
    expect(kept).to_have_value(COMMENTARY)
    page.get_by_role("button", name="Copy your commentary").click()
    expect(page.locator("#kept-commentary-copied")).to_have_text(re.compile(r"^(Copied|Selected)"))
    assert kept.evaluate("el => el.selectionEnd - el.selectionStart") == len(COMMENTARY)
    save_screenshot(page, "journey-17-2-two-tabs-form-could-not-be-sent")
    assert StatusUpdate.objects.count() == 0

    page.get_by_role("link", name="Go back to the update form").click()
    expect(page.get_by_role("region", name="You have an unsaved draft from")).to_contain_text(
        "Chair escalating to the Board"
    )
    page.get_by_role("link", name="Restore your draft").click()
    expect(page.get_by_label("Commentary")).to_have_value(COMMENTARY)
    expect(page.get_by_role("radio", name="Amber")).to_be_checked()
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Status of action {target_action.reference} saved."
    )
    assert [(u.rag, u.commentary) for u in StatusUpdate.objects.all()] == [(Rag.AMBER, COMMENTARY)]
    assert not StatusUpdateDraft.objects.exists()
    save_screenshot(page, "journey-17-2-two-tabs-draft-restored-and-saved")


def test_save_after_an_idle_sign_out_keeps_the_text(page, owner, target_action):
    sign_in(page, owner)
    page.goto(_update_url(target_action))
    page.get_by_label("Red").check()
    page.get_by_label("Commentary").fill(COMMENTARY)
    # The laptop slept: the session ran out on the server while the page waited.
    cookie = next(
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    session = SessionStore(session_key=cookie["value"])
    session["last_seen"] -= django_settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    page.get_by_role("button", name="Save status").click()

    page.wait_for_url(lambda url: reverse("login") in url)
    expect(page.get_by_role("status")).to_have_text(
        "You were signed out after a period of inactivity. What you wrote on action "
        f"{target_action.reference} is kept as a draft for you."
    )
    page.get_by_label("Username").fill(owner.username)
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{_update_url(target_action)}")
    page.get_by_role("link", name="Restore your draft").click()
    expect(page.get_by_label("Commentary")).to_have_value(COMMENTARY)
    expect(page.get_by_role("radio", name="Red")).to_be_checked()
    save_screenshot(page, "journey-17-3-idle-sign-out-text-kept")
    assert StatusUpdate.objects.count() == 0


def test_after_saving_the_next_action_is_offered_until_up_to_date(page, owner, target_action):
    role = target_action.owner_links.get().role
    actions = list(role.action_links.order_by("action__due_date", "action__sort_key"))
    actions = [link.action for link in actions]
    assert len(actions) == 7
    for action in actions[2:]:
        _rate(action, owner, Rag.GREEN)
    sign_in(page, owner)
    expect(page.get_by_role("heading", level=2, name="Need your update")).to_contain_text("(2)")
    page.get_by_role("link", name=f"Update action {actions[0].reference}").click()

    for number, action in enumerate(actions[:2]):
        page.get_by_label("Green").check()
        page.get_by_label("Commentary").fill(f"On track: step {number + 1} done.")
        page.get_by_role("button", name="Save status").click()
        expect(page.get_by_role("status")).to_have_text(
            f"Status of action {action.reference} saved."
        )
        if number == 0:
            next_step = page.get_by_role("region", name="Your next action to update")
            expect(next_step).to_contain_text(f"Action {actions[1].reference} still needs")
            save_screenshot(page, "journey-17-4-next-action-offered")
            next_step.get_by_role("link", name=f"Update action {actions[1].reference}").click()
    expect(page.get_by_role("region", name="You are up to date")).to_be_visible()
    save_screenshot(page, "journey-17-4-up-to-date")
    page.get_by_role("link", name="Go to My actions").click()
    expect(page.get_by_role("heading", level=2, name="Need your update")).to_contain_text("(0)")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


def _inside_the_screen(locator) -> bool:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_on_a_phone_my_actions_are_cards_and_nothing_scrolls_sideways(
    page, owner, chair, target_action
):
    _rate(target_action, chair, Rag.AMBER, COMMENTARY + " " + "https://intranet.example/" * 4)
    page.set_viewport_size(PHONE)
    sign_in(page, owner)
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    assert page.locator("table").count() == 0  # cards, not a table
    assert _no_sideways_scroll(page)
    cards = page.locator(".action-card")
    assert cards.count() == 7
    for index in range(cards.count()):
        link = cards.nth(index).get_by_role("link", name="Update action")
        expect(link).to_be_visible()
        assert _inside_the_screen(link), f"card {index}'s Update link is off screen"
    save_screenshot(page, "journey-17-5-my-actions-on-a-phone")

    page.get_by_role("link", name=f"Update action {target_action.reference}").click()
    expect(page.get_by_role("complementary", name="The last update")).to_contain_text("Amber")
    assert _no_sideways_scroll(page)
    assert _inside_the_screen(page.get_by_role("button", name="Save status"))
    save_screenshot(page, "journey-17-5-update-form-on-a-phone")
    page.get_by_role("link", name="Cancel").click()
    update = page.get_by_role("link", name="Update the status")
    expect(update).to_be_visible()  # the action page has loaded
    assert _no_sideways_scroll(page)
    assert _inside_the_screen(update)


def test_staying_signed_in_in_one_tab_closes_the_warning_in_the_other(page, owner, settings):
    settings.SESSION_IDLE_TIMEOUT = 8
    settings.SESSION_IDLE_WARNING = 6
    _forget_other_tests_deadlines(page)
    sign_in(page, owner)
    other_tab = page.context.new_page()
    try:
        other_tab.goto(reverse("actionplan:plan-list"))
        warnings = [
            tab.get_by_role("dialog", name="You are about to be signed out")
            for tab in (page, other_tab)
        ]
        for warning in warnings:
            expect(warning).to_be_visible(timeout=10_000)
        warnings[1].get_by_role("button", name="Stay signed in").click()
        expect(warnings[1]).to_be_hidden()
        expect(warnings[0]).to_be_hidden()  # the first tab learnt of it through storage
    finally:
        other_tab.close()


def test_near_the_end_of_a_session_the_warning_says_it_cannot_be_extended(page, owner, check_axe):
    _forget_other_tests_deadlines(page)
    sign_in(page, owner)
    # Signed in nearly 8 hours ago: the absolute lifetime ends in 6 seconds.
    cookie = next(
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    session = SessionStore(session_key=cookie["value"])
    session["signed_in_at"] -= django_settings.SESSION_COOKIE_AGE - 6
    session.save()
    page.reload()
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("a session lasts at most 8 hours")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Close this message")).to_be_focused()
    check_axe(page, "end-of-session warning [owner]")
    save_screenshot(page, "journey-17-6-end-of-session-warning")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()  # and it stays closed until the session ends
    page.wait_for_url(lambda url: reverse("login") in url, timeout=15_000)
    expect(page.get_by_role("status")).to_have_text(
        "You were signed out because you had been signed in for 8 hours, the longest a "
        "session lasts."
    )


def test_a_chair_finds_whom_to_ask_about_an_overdue_action(page, chair, owner, target_action,
                                                           check_axe):  # fmt: skip
    owner.first_name, owner.last_name, owner.email = "Olive", "Owner", "olive@police.example"
    owner.save()
    vacant = make_role(title="Vacant role")
    ActionOwner.objects.create(action=target_action, role=vacant, order=9)
    sign_in(page, chair)
    body = reverse("actionplan:body-dashboard", args=[target_action.accountable_body_id])
    page.goto(f"{body}?overdue=yes")
    row = page.get_by_role("row").filter(has_text=target_action.reference)
    expect(row.get_by_role("link", name="olive@police.example")).to_have_attribute(
        "href", "mailto:olive@police.example"
    )
    expect(row).to_contain_text("Nobody holds this role")
    check_axe(page, "body dashboard: overdue, with the people in each role [chair]")
    save_screenshot(page, "journey-17-7-overdue-list-with-people")
    row.get_by_role("link", name=target_action.reference, exact=True).click()
    owners = page.locator(".owner-list")
    expect(owners).to_contain_text("Olive Owner (olive@police.example)")
    expect(owners).to_contain_text("Vacant role, Test Agency: Nobody holds this role")
    check_axe(page, "action page: the people in each role [chair]")
    save_screenshot(page, "journey-17-7-action-page-with-people")


def test_an_owner_is_told_on_their_next_visit_that_an_action_became_theirs(page, owner,
                                                                            target_action,
                                                                            check_axe):  # fmt: skip
    other = target_action.plan.actions.exclude(pk=target_action.pk).order_by("sort_key").first()
    action_owners_set(action=other, roles=[*other.owner_roles(), *owner.roles.all()])
    sign_in(page, owner)
    expect(page.get_by_role("status")).to_contain_text(
        f"Action {other.reference} ({other.short_description}) is now yours to update"
    )
    check_axe(page, "my actions: an action became yours [owner]")
    save_screenshot(page, "journey-17-8-told-of-a-new-action")
    page.reload()
    expect(page.locator("body")).not_to_contain_text("is now yours to update")

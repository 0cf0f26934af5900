"""The journeys of issue 6, in a real browser, each ending with a screenshot of its final screen
in test-artifacts/screenshots/ (and of every open page on failure, in .../failed/).
"""

import pytest
from django.urls import reverse

from actionplan.models import Rag, StatusUpdate
from tests.browser.conftest import assert_focus_visible, expect, save_screenshot, sign_in
from tests.conftest import run_task_worker

pytestmark = pytest.mark.browser

AMBER_COMMENTARY = (
    "Protocol sign-off slipped a month: the police lead is on leave. Chair chasing, new date 12th."
)


def _update_url(action):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk})


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {tag: el.tagName, type: el.type || "", name: el.name || "",
                    value: el.value || "", text: el.textContent.trim().replace(/\\s+/g, " "),
                    summary: el.matches("[data-error-summary]")};
        }"""
    )


def test_1_owner_updates_an_action_to_amber(page, owner, target_action):
    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    page.get_by_role("link", name=f"Update action {target_action.reference}").click()
    page.get_by_label("Amber").check()
    page.get_by_label("Commentary").fill(AMBER_COMMENTARY)
    page.get_by_role("button", name="Save status").click()

    expect(page.get_by_role("status")).to_have_text(
        f"Status of action {target_action.reference} saved."
    )
    newest = page.locator("ol.history > li").first
    expect(newest).to_contain_text("Amber")
    expect(newest).to_contain_text(AMBER_COMMENTARY)
    expect(newest).to_contain_text(str(owner))
    expect(page.locator("main > p .tag").first).to_have_text("Amber")  # the current status
    save_screenshot(page, "journey-1-owner-updates-to-amber")
    assert [(u.rag, u.author) for u in target_action.updates.all()] == [(Rag.AMBER, owner)]


def test_2_red_without_commentary_is_refused_and_focus_goes_to_the_summary(
    page, owner, target_action
):
    sign_in(page, owner)
    page.goto(_update_url(target_action))
    page.get_by_label("Red").check()
    page.get_by_role("button", name="Save status").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a commentary")
    expect(page.locator("#id_commentary-error")).to_contain_text("Enter a commentary")
    commentary = page.get_by_label("Commentary")
    expect(commentary).to_have_attribute("aria-invalid", "true")
    expect(commentary).to_have_attribute(
        "aria-describedby", "id_commentary_helptext id_commentary-error"
    )
    assert _focused(page)["summary"], "focus should move to the error summary"
    expect(page.get_by_label("Red")).to_be_checked()  # the choice is kept
    expect(page).to_have_title("Error: Update action 2.1.1 – Actionplan")

    # The summary's link takes the person to the field, as in the GOV.UK pattern.
    summary.get_by_role("link", name="Enter a commentary").click()
    expect(commentary).to_be_focused()
    save_screenshot(page, "journey-2-red-without-commentary")
    assert StatusUpdate.objects.count() == 0
    target_action.refresh_from_db()
    assert (target_action.current_rag, target_action.version) == ("", 0)


def test_3_second_editor_sees_the_conflict_and_keeps_their_text(
    new_page, owner, chair, target_action
):
    first, second = new_page(), new_page()
    sign_in(first, owner)
    sign_in(second, chair)
    first.goto(_update_url(target_action))
    second.goto(_update_url(target_action))

    first.get_by_label("Green").check()
    first.get_by_label("Commentary").fill("Protocol agreed by all three agencies.")
    first.get_by_role("button", name="Save status").click()
    expect(first.get_by_role("status")).to_contain_text("saved")

    their_text = "Chair's review: the protocol needs a named police lead before it goes live."
    second.get_by_label("Amber").check()
    second.get_by_label("Commentary").fill(their_text)
    with second.expect_response(lambda r: r.request.method == "POST") as saving:
        second.get_by_role("button", name="Save status").click()
    assert saving.value.status == 409

    warning = second.get_by_role("alert")
    expect(warning).to_contain_text(f"This action was updated by {owner} at")
    expect(warning).to_contain_text("while you were editing")
    expect(warning).to_contain_text("Protocol agreed by all three agencies.")
    expect(second.get_by_label("Commentary")).to_have_value(their_text)
    expect(second.get_by_label("Amber")).to_be_checked()
    save_screenshot(second, "journey-3-edit-conflict")
    assert [u.author for u in target_action.updates.all()] == [owner]


@pytest.mark.parametrize("who", ["outsider", "other_chair"])
def test_5_someone_without_access_gets_the_403_page_not_the_form(page, persona, target_action, who):
    sign_in(page, persona(who))
    response = page.goto(_update_url(target_action))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    expect(page.locator("textarea, input[type=radio]")).to_have_count(0)
    save_screenshot(page, f"journey-5-no-access-{who}")


def _tab_until(page, wanted, *, limit=60) -> int:
    """Press Tab until `wanted(focused)` holds, checking focus is visible at every stop."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if wanted(_focused(page)):
            return presses
    raise AssertionError(f"Tab never reached the element after {limit} presses")


def test_7_keyboard_only_update_with_focus_always_visible(page, owner, target_action):
    sign_in(page, owner)  # lands on My actions; from here on, only the keyboard
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    link_text = f"Update action {target_action.reference}"
    _tab_until(page, lambda el: el["tag"] == "A" and el["text"] == link_text)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{_update_url(target_action)}")

    _tab_until(page, lambda el: el["type"] == "radio")
    page.keyboard.press("Space")
    chosen = _focused(page)["value"]
    assert page.locator(f"input[name=rag][value={chosen}]").is_checked()
    _tab_until(page, lambda el: el["name"] == "commentary", limit=1)
    page.keyboard.type("Complete: every agency now flags missing episodes on first contact.")
    _tab_until(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Save status")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.locator("ol.history > li").first).to_contain_text(Rag(chosen).label)
    save_screenshot(page, "journey-7-keyboard-only")
    assert target_action.updates.get().rag == chosen


def _rate(action, author, rag, text):
    from actionplan.services import status_update_create

    action.refresh_from_db()
    status_update_create(
        action=action, author=author, rag=rag, commentary=text, expected_version=action.version
    )


def test_4_chair_filters_sorts_and_exports_the_dashboard(page, chair, target_action, wscb_plan):
    body = target_action.accountable_body
    concern = "Escalated to the Independent Chair; recovery plan agreed with named leads."
    others = list(body.actions.exclude(pk=target_action.pk).order_by("sort_key")[:3])
    _rate(target_action, chair, Rag.RED, concern)
    _rate(others[0], chair, Rag.AMBER, concern)
    _rate(others[1], chair, Rag.BLUE, "Complete and signed off.")
    _rate(others[2], chair, Rag.GREEN, "On track.")
    sign_in(page, chair)  # a chair lands on their own body's dashboard
    expect(page.get_by_role("heading", level=1)).to_contain_text(body.name)

    page.get_by_role("checkbox", name="Red").check()
    page.get_by_role("checkbox", name="Amber").check()
    page.get_by_label("Overdue", exact=True).select_option("yes")
    page.get_by_role("button", name="Apply filters").click()
    page.locator("thead a.sort-link[href*='sort=due_date']").click()  # sort by due date
    expect(page.locator("th[aria-sort]")).to_contain_text("Due")
    rows = page.locator("table.action-table tbody tr")
    expect(rows).to_have_count(2)
    shown = [text.strip() for text in rows.locator("th").all_inner_texts()]
    expected = sorted([target_action, others[0]], key=lambda a: (a.due_date, a.sort_key))
    assert shown == [a.reference for a in expected]
    page.reload()  # filters live in the query string: they survive a reload
    expect(rows).to_have_count(2)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these 2 actions as CSV").click()
    path = download_info.value.path()
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith('"ref","priority","objective","action"')  # every field quoted
    first_fields = [line.split(",")[0] for line in lines[1:]]
    refs = [field.strip('"') for field in first_fields if field[1:2].isdigit()]
    assert sorted(refs) == sorted(a.reference for a in expected)
    save_screenshot(page, "journey-4-chair-filters-and-exports")


def test_6_business_support_previews_and_downloads_a_board_pack(
    page, business_support, target_action
):
    # With the settings a deployment has: the WSCB plan's pack is laid out in one process.
    _rate(target_action, business_support, Rag.AMBER,
          "Escalated to the Independent Chair; recovery plan agreed with named leads.")  # fmt: skip
    sign_in(page, business_support)
    page.goto(reverse("reports:pack-new"))
    page.get_by_label("Quarter").select_option("2015-Q3")
    page.get_by_role("button", name="Preview as a web page").click()
    expect(page.locator("body")).to_contain_text("Q3 2015/16: 1 October - 31 December 2015")
    page.goto(reverse("reports:pack-new"))
    page.get_by_label("Quarter").select_option("2015-Q3")
    page.get_by_role("button", name="Produce the PDF and keep it").click()
    expect(page.locator("main")).to_contain_text("Being produced")
    # The pack is made in the background: run the worker that ./run.sh serve starts.
    run_task_worker()
    # The list reloads itself every few seconds while a pack is being produced (a reload of our
    # own could race one of its reloads): wait for it to show the kept pack.
    link = page.get_by_role("link", name="Download PDF").first
    expect(link).to_be_visible(timeout=120_000)
    with page.expect_download() as download_info:
        link.click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF-")
    assert download_info.value.suggested_filename.endswith(".pdf")
    save_screenshot(page, "journey-6-board-pack-kept-and-downloaded")

"""Every form follows the GOV.UK Design System patterns, checked in the browser.

Labels and hints are tied to their inputs; after a failed submission the error summary sits
above the heading, takes focus, is named in the page title, and each entry is a link that
moves focus to its field, which says what is wrong and is marked invalid.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.urls import reverse

from actionplan.rag import DEFINITIONS, Rag
from tests.browser.conftest import assert_focus_visible, expect, password_reset_path, sign_in

pytestmark = pytest.mark.browser

# Problems with labels, hints and error messages in the page's form, as sentences.
FORM_PROBLEMS = """() => {
    const problems = [];
    const form = document.querySelector("main form[method=post]");
    if (document.querySelector("[autofocus]")) problems.push("a field has autofocus");
    const controls = form.querySelectorAll("input:not([type=hidden]), textarea, select");
    for (const control of controls) {
        if (!control.labels.length || !control.labels[0].textContent.trim()) {
            problems.push(`${control.name} has no label`);
        }
    }
    const described = new Set([...form.querySelectorAll("[aria-describedby]")]
        .flatMap(el => el.getAttribute("aria-describedby").split(/\\s+/)));
    for (const note of form.querySelectorAll(".hint, .error-message")) {
        if (!note.id || !described.has(note.id)) {
            problems.push(`"${note.textContent.trim().slice(0, 40)}" is not tied to its input`);
        }
    }
    for (const id of described) {
        if (!document.getElementById(id)) problems.push(`aria-describedby names no #${id}`);
    }
    for (const group of form.querySelectorAll(".form-group--error")) {
        const control = group.querySelector("input:not([type=radio]), textarea, select");
        if (control && control.getAttribute("aria-invalid") !== "true") {
            problems.push(`${control.name} has an error but is not aria-invalid`);
        }
    }
    return problems;
}"""


@dataclass(frozen=True)
class Form:
    name: str
    who: str | None
    url: object
    button: str
    fill: dict  # label -> value, to make the submission fail


FORMS = [
    Form("sign in", None, lambda ctx: reverse("login"), "Sign in", {}),
    Form("sign in, wrong password", None, lambda ctx: reverse("login"), "Sign in",
         {"Username": "owner", "Password": "not-the-password"}),
    Form("reset password", None, lambda ctx: reverse("password_reset"), "Send reset link",
         {"Email": "not-an-address"}),
    Form("choose a new password", None, lambda ctx: password_reset_path(ctx.person("owner")),
         "Set password",
         {"New password": "short", "New password confirmation": "different"}),
    Form("change password", "owner", lambda ctx: reverse("password_change"), "Change password",
         {"Old password": "wrong", "New password": "a-new-passphrase-1",
          "New password confirmation": "a-different-one-2"}),
    Form("update status", "owner",
         lambda ctx: reverse("actionplan:action-update", kwargs={"pk": ctx.action.pk}),
         "Save status", {"Evidence link (optional)": "not a link"}),
]  # fmt: skip


@pytest.mark.parametrize("form", FORMS, ids=[form.name for form in FORMS])
def test_form_follows_the_govuk_patterns(page, persona, target_action, sign_in_quickly, form):
    if form.who:
        sign_in_quickly(page, persona(form.who))
    page.goto(form.url(SimpleNamespace(action=target_action, person=persona)))
    title = page.title()
    assert page.evaluate(FORM_PROBLEMS) == []

    for label, value in form.fill.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=form.button).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(page).to_have_title(f"Error: {title}")
    assert page.evaluate(FORM_PROBLEMS) == []
    assert page.evaluate(
        """() => document.querySelector("[data-error-summary]")
            .compareDocumentPosition(document.querySelector("main h1"))
            === Node.DOCUMENT_POSITION_FOLLOWING"""
    ), "the error summary should come before the heading"
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert texts and len(set(texts)) == len(texts), f"each error should name its field: {texts}"
    for index in range(links.count()):
        link = links.nth(index)
        target = page.locator(link.get_attribute("href"))
        link.click()
        expect(target).to_be_focused()


def test_rag_radios_are_labelled_with_their_definitions(page, owner, target_action):
    sign_in(page, owner)
    page.goto(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
    fieldset = page.get_by_role("group", name="RAG status")
    expect(fieldset).to_have_accessible_description(
        "Choose the status that describes the action now."
    )
    for rag in Rag:
        radio = fieldset.get_by_role("radio", name=f"{rag.label} {DEFINITIONS[rag]}")
        expect(radio).to_be_visible()
        expect(page.locator(f"label[for='{radio.get_attribute('id')}']")).to_be_visible()


def test_skip_link_moves_focus_to_the_main_content(page, owner, sign_in_quickly):
    sign_in_quickly(page, owner)
    page.goto(reverse("actionplan:my-actions"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # Focus moves there without painting the whole page in the focus colour.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor") in {
        "rgba(0, 0, 0, 0)",
        "transparent",
    }


def test_a_wide_table_scrolls_in_its_own_focusable_region_on_a_narrow_screen(
    page, chair, target_action, sign_in_quickly
):
    # A body's dashboard: My actions, a list people act on, is cards that never scroll.
    sign_in_quickly(page, chair)
    page.set_viewport_size({"width": 320, "height": 640})
    body = target_action.accountable_body
    page.goto(reverse("actionplan:body-dashboard", kwargs={"pk": body.pk}))
    region = page.get_by_role("region", name=f"Actions of {body.name}, as of")
    region.focus()
    assert_focus_visible(page)
    page.keyboard.press("ArrowRight")
    # The browser scrolls after the key press, not during it: wait (up to 5 s) for it.
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    # Wide enough for the table, the box is no longer a Tab stop.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".table-scroll")).not_to_have_attribute("tabindex", "0")

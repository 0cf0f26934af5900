"""Keeping the plan current, in a real browser (issue 15): business support edit an action's
owner and timeframe with a reason, then see the change on the action's page; and retire it
through the confirmation step. Screenshots go to test-artifacts/screenshots/plan-edit-*.png."""

import pytest
from django.urls import reverse

from actionplan.models import OwnerRole
from tests.browser.conftest import expect, save_screenshot, sign_in

pytestmark = pytest.mark.browser


def test_support_change_an_owner_and_the_timeframe_then_see_it_on_the_action(
    new_page, business_support, target_action
):
    police = OwnerRole.objects.select_related("agency").get(
        title="Head of Protecting Vulnerable People"
    )
    page = new_page()
    sign_in(page, business_support)
    page.goto(target_action.get_absolute_url())
    page.get_by_role("link", name="Edit this action").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit this action")

    page.get_by_label("Owner 2", exact=True).select_option(value=str(police.pk))
    page.get_by_label("Timeframe", exact=True).fill("End March 2016")
    page.get_by_label("Due date in the plan").fill("")
    page.get_by_label("Reason for the change").fill("Board meeting, 12 January 2016")
    page.get_by_role("button", name="Save the changes").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Action 2.1.1 saved: timeframe, due date and owners changed."
    )
    main = page.locator("main")
    expect(main).to_contain_text("End March 2016")
    expect(main).to_contain_text("Head of Protecting Vulnerable People, West Mercia Police")
    changes = page.locator("section.changes")
    expect(changes).to_contain_text("Timeframe: September - December 2015")
    expect(changes).to_contain_text("End March 2016")
    expect(changes).to_contain_text(f"Owner added: {police}")
    expect(changes).to_contain_text("Board meeting, 12 January 2016")
    save_screenshot(page, "plan-edit-1-changes-on-the-action")

    # Retiring it asks for a reason, says what it means and asks to confirm.
    page.get_by_role("link", name="Retire this action").click()
    page.get_by_label("Why it is retired").fill("Merged into 2.1.2 by the Board")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("What retiring means")
    page.get_by_role("button", name="Retire action 2.1.1").click()
    expect(page.locator("#retired")).to_contain_text("Merged into 2.1.2 by the Board")
    expect(page.get_by_role("link", name="Update the status")).to_have_count(0)
    save_screenshot(page, "plan-edit-2-retired")
    page.goto(reverse("actionplan:plan-detail", args=[target_action.plan.slug]))
    page.get_by_text("Retired actions (1)").click()
    expect(page.locator("#retired-actions")).to_contain_text("Merged into 2.1.2")

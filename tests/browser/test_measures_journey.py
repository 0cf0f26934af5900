"""Measures with numbers, end to end in a real browser (issue 16): the owner gives the
quarter's value with the status (a value that cannot be read is refused and kept), the action
page draws it, the chair reads it beside the status and signs it off, and the Board pack's
preview shows the measure's chart and table. Screenshots go to
test-artifacts/screenshots/measures-journey-*.png."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actionplan.models import MeasureValue
from actionplan.quarters import Quarter
from actionplan.rounds import round_open
from tests.browser.conftest import expect, save_screenshot, sign_in
from tests.conftest import make_action, make_body, make_measure, make_plan

pytestmark = pytest.mark.browser


def test_owner_reports_a_value_chair_signs_it_off_and_the_pack_draws_it(
    new_page, business_support, owner, chair
):
    body = make_body(name="Measures Sub Group")
    body.chairs.add(chair)
    plan = make_plan(title="Measures plan", slug="measures-plan")
    action = make_action(plan=plan, owners=[owner.roles.get()], accountable_body=body,
                         description="Flag every child at risk")  # fmt: skip
    measure = make_measure(action, text="Children at risk with a flag", unit="percentage",
                           baseline_value=Decimal(40), target_value=Decimal(90))  # fmt: skip
    for quarter, value in [("2015-Q1", 55), ("2015-Q2", 68)]:
        MeasureValue.objects.create(measure=measure, quarter=quarter, value=value,
                                    recorded_by=owner)  # fmt: skip
    round_open(plan=plan, quarter=Quarter.parse("2015-Q3"), opened_by=business_support)

    # 1. The owner's update form asks for the Q3 value; "1,5" is refused and kept.
    owner_page = new_page()
    sign_in(owner_page, owner)
    owner_page.goto(reverse("actionplan:action-update", kwargs={"pk": action.pk}))
    owner_page.get_by_label("Green").check()
    owner_page.get_by_label("Commentary").fill("Flags in place in three of four agencies.")
    value = owner_page.get_by_label("Value for Q3 2015/16")
    value.fill("1,5")
    owner_page.get_by_role("button", name="Save status").click()
    expect(owner_page.locator(".error-summary")).to_contain_text(
        "a comma may only separate thousands"
    )
    expect(value).to_have_value("1,5")
    save_screenshot(owner_page, "measures-journey-1-a-value-not-read")
    owner_page.get_by_label("Value for Q3 2015/16").fill("86%")
    owner_page.get_by_role("button", name="Save status").click()
    expect(owner_page.get_by_role("status")).to_contain_text("saved")

    # 2. The action page draws it: chart, table and the trend in words.
    section = owner_page.locator("section.measures")
    expect(section).to_contain_text("Improved from 55% to 86%, against a target of 90%; Amber.")
    expect(section.locator("svg[role=img] circle")).to_have_count(3)
    expect(section.locator("table")).to_contain_text("86%")
    save_screenshot(owner_page, "measures-journey-2-action-page-chart")
    owner_page.set_viewport_size({"width": 320, "height": 800})
    save_screenshot(owner_page, "measures-journey-2b-action-page-chart-320px")

    # 3. The chair reads the value beside the status and signs the return off.
    chair_page = new_page()
    sign_in(chair_page, chair)
    chair_page.goto(reverse("actionplan:round-list"))
    chair_page.get_by_role("link", name="Q3 2015/16").click()
    chair_page.get_by_role("link", name="Read and sign off the returns").click()
    card = chair_page.locator("section.card")
    expect(card).to_contain_text("Children at risk with a flag: 86% against a target of 90%")
    expect(card.locator(".tag--amber")).to_have_count(1)
    chair_page.get_by_label(f"Sign off action {action.reference}").check()
    chair_page.get_by_role("button", name="Sign off the ticked returns").click()
    expect(chair_page.get_by_role("status")).to_have_text(f"Signed off: {action.reference}.")
    save_screenshot(chair_page, "measures-journey-3-chair-signs-off-the-value")

    # 4. The quarter's Board pack preview shows the measure's chart and table.
    support_page = new_page()
    sign_in(support_page, business_support)
    support_page.goto(reverse("reports:pack-new"))
    support_page.get_by_label("Plan").select_option("measures-plan")
    support_page.get_by_label("Quarter").select_option("2015-Q3")
    support_page.get_by_role("button", name="Preview as a web page").click()
    measures = support_page.locator("#measures")
    expect(measures).to_contain_text("4. Measures against target")
    expect(measures.locator("svg circle")).to_have_count(3)
    expect(measures.locator("table")).to_contain_text("Q3 2015/16")
    expect(measures.locator("table")).to_contain_text("86%")
    expect(measures).to_contain_text("Direction of travel")
    measures.scroll_into_view_if_needed()
    save_screenshot(support_page, "measures-journey-4-board-pack-measures")

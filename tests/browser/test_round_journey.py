"""The quarter, end to end in a real browser (issue 14): support open a round, the owner's
e-mail is read back from a real SMTP server, its link opens the action after sign-in, the owner
updates, the chair returns one and approves another, the owner updates again, the chair
approves, progress reads 100% and the quarter's Board pack shows the signed-off statuses.
A screenshot of each step goes to test-artifacts/screenshots/round-journey-*.png."""

import re

import pytest
from django.urls import reverse

from tests.browser.conftest import expect, save_screenshot, sign_in
from tests.conftest import make_action, make_body, make_plan, run_task_worker

pytestmark = pytest.mark.browser

COMMENT = "Please say which schools have named a lead."


def _update(page, rag, commentary):
    page.get_by_label(rag).check()
    page.get_by_label("Commentary").fill(commentary)
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("status")).to_contain_text("saved")


def test_a_quarter_from_request_to_board_pack(
    new_page, business_support, owner, chair, smtp_inbox, settings, live_server
):
    settings.SITE_URL = live_server.url
    owner.email = "owner@example.org"
    owner.save()
    role = owner.roles.get()
    body = make_body(name="Journey Sub Group")
    body.chairs.add(chair)
    plan = make_plan(title="Journey plan", slug="journey-plan")
    first = make_action(plan=plan, owners=[role], accountable_body=body, description="Name a lead")
    second = make_action(objective=first.objective, owners=[role], accountable_body=body,
                         description="Train the leads")  # fmt: skip

    # 1. Support open the Q3 2015/16 round.
    support_page = new_page()
    sign_in(support_page, business_support)
    support_page.get_by_role("link", name="Reporting rounds").click()
    support_page.get_by_role("link", name="Open a reporting round").click()
    support_page.get_by_label("Plan").select_option("journey-plan")
    support_page.get_by_label("Quarter").select_option("2015-Q3")
    support_page.get_by_label("Deadline for returns (optional)").fill("2030-01-15")
    support_page.get_by_label("Chairs sign off by (optional)").fill("2030-01-29")
    support_page.get_by_role("button", name="Open the round").click()
    expect(support_page.get_by_role("status")).to_have_text("Q3 2015/16 round opened.")
    expect(support_page.locator("main")).to_contain_text("0 of 2 returns received (0%)")
    save_screenshot(support_page, "round-journey-1-support-opens-the-round")

    # 2. The owner's one e-mail, read back from the SMTP server.
    run_task_worker()  # e-mails go from the background worker
    (email,) = smtp_inbox.to("owner@example.org")
    assert "2 actions" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    links = re.findall(rf"{re.escape(live_server.url)}/actions/\d+/update/", text)
    assert len(links) == 2

    # 3. Its link opens the action, after sign-in.
    owner_page = new_page()
    owner_page.goto(links[0])
    expect(owner_page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    owner_page.get_by_label("Username").fill(owner.username)
    owner_page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    owner_page.get_by_role("button", name="Sign in").click()
    expect(owner_page.get_by_role("heading", level=1)).to_contain_text("Update the status")
    save_screenshot(owner_page, "round-journey-2-email-link-opens-the-update-form")

    # 4. The owner updates both actions.
    _update(owner_page, "Green", "Two of three schools have named a lead.")
    owner_page.goto(links[1])
    _update(owner_page, "Green", "Training booked for all leads in February.")
    owner_page.goto(reverse("actionplan:my-actions"))
    expect(owner_page.locator("main")).not_to_contain_text("need your Q3 2015/16 update")
    save_screenshot(owner_page, "round-journey-3-owner-has-replied")

    # 5. The chair returns the first with a comment and approves the second.
    chair_page = new_page()
    sign_in(chair_page, chair)
    chair_page.goto(reverse("actionplan:round-list"))
    chair_page.get_by_role("link", name="Q3 2015/16").click()
    chair_page.get_by_role("link", name="Read and sign off the returns").click()
    chair_page.get_by_text(f"Return action {first.reference} to its owner").click()
    chair_page.locator(f"#return-{_entry_pk(plan, first)}-comment").fill(COMMENT)
    chair_page.get_by_role("button", name=f"Return to owner action {first.reference}").click()
    expect(chair_page.get_by_role("status")).to_contain_text("returned to its owner")
    chair_page.get_by_label(f"Sign off action {second.reference}").check()
    chair_page.get_by_role("button", name="Sign off the ticked returns").click()
    expect(chair_page.get_by_role("status")).to_have_text(f"Signed off: {second.reference}.")
    save_screenshot(chair_page, "round-journey-4-chair-returns-one-approves-another")

    # 6. The owner is told, reads the comment and updates again.
    run_task_worker()  # e-mails go from the background worker
    assert any("Returned by the chair" in m["Subject"] for m in smtp_inbox.to(owner.email))
    owner_page.goto(reverse("actionplan:my-actions"))
    expect(owner_page.locator("main")).to_contain_text(COMMENT)
    owner_page.get_by_role("link", name=f"Update action {first.reference}").first.click()
    _update(owner_page, "Green", "All three schools have now named a lead: list attached.")
    save_screenshot(owner_page, "round-journey-5-owner-updates-again")

    # 7. The chair approves it.
    chair_page.reload()
    chair_page.get_by_label(f"Sign off action {first.reference}").check()
    chair_page.get_by_role("button", name="Sign off the ticked returns").click()
    expect(chair_page.get_by_role("status")).to_have_text(f"Signed off: {first.reference}.")

    # 8. Progress reads 100%.
    support_page.reload()
    main = support_page.locator("main")
    expect(main).to_contain_text("2 of 2 returns received (100%)")
    expect(main).to_contain_text("2 signed off (100%)")
    save_screenshot(support_page, "round-journey-6-progress-100-percent")

    # 9. The quarter's Board pack shows the signed-off statuses.
    support_page.goto(reverse("reports:pack-new"))
    support_page.get_by_label("Plan").select_option("journey-plan")
    support_page.get_by_label("Quarter").select_option("2015-Q3")
    support_page.get_by_role("button", name="Preview as a web page").click()
    body_text = support_page.locator("body")
    expect(body_text).to_contain_text("2 received, 2 signed off by their chairs, 0 missing")
    expect(body_text).to_contain_text("All three schools have now named a lead")
    expect(support_page.locator(".tag--not-signed-off")).to_have_count(0)
    expect(support_page.locator("#action-1\\.1\\.1")).to_be_visible()
    save_screenshot(support_page, "round-journey-7-board-pack-shows-signed-off-returns")


def _entry_pk(plan, action) -> int:
    from actionplan.models import RoundAction

    return RoundAction.objects.get(round__plan=plan, action=action).pk

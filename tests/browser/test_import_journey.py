"""Business support bring in a partnership's messy working spreadsheet: fix two column
choices and an owner match, preview, confirm, and the new plan's dashboard and Board pack
preview work. Ends with a screenshot in test-artifacts/screenshots/."""

import pytest
from django.urls import reverse

from actionplan.models import AccountableBody, Action, OwnerRole, Plan
from tests.actionplan.conftest import messy_xlsx
from tests.browser.conftest import expect, save_screenshot, sign_in

pytestmark = pytest.mark.browser


def test_support_import_a_messy_spreadsheet_and_report_on_it(page, business_support, tmp_path):
    sheet = tmp_path / "Neglect action plan.xlsx"
    sheet.write_bytes(messy_xlsx())
    sign_in(page, business_support)
    page.get_by_role("link", name="Import a plan from a spreadsheet or Word table").click()
    page.get_by_label("Plan file").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Choose what each column holds")
    outcome, target = page.get_by_label("Column D: Outcome"), page.get_by_label("Column E: Target")
    expect(outcome).to_have_value("level1")  # the importer's guesses, both wrong here
    expect(target).to_have_value("target")  # a target figure; this sheet holds dates there
    page.get_by_label("Partnership", exact=True).fill("Herefordshire Safeguarding Board")
    page.get_by_label("Period").fill("2016-19")
    page.get_by_label("Short name in web addresses").fill("hsb-neglect")
    page.get_by_role("button", name="Preview the plan").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Choose the column that says when each action is due")
    page.get_by_label("Column D: Outcome").select_option("measures")
    page.get_by_label("Column E: Target").select_option("timeframe")
    page.get_by_label("Import each action's status as its first update, dated as below").check()
    page.get_by_label("Date of the imported statuses").fill("2017-03-31")
    page.get_by_role("button", name="Preview the plan").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Neglect strategy")
    expect(page.locator("#problems-title")).to_contain_text("to check")
    expect(page.locator("main")).to_contain_text("'Ongoing' gives no date")
    expect(page.locator("main")).to_contain_text("<script>neglect</script>")  # shown as text
    owner = page.get_by_label("Head of PVP, WMP")
    expect(owner).to_have_value("new")  # no role here is written so: the person chooses
    pvp = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    owner.select_option(f"role:{pvp.pk}")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_role("row", name="1.1.1")).to_contain_text(
        "Head of Protecting Vulnerable People (West Mercia Police)"
    )
    assert not Plan.objects.filter(slug="hsb-neglect").exists()  # nothing made before confirming
    page.get_by_role("button", name="Create the plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Plan imported")
    plan = Plan.objects.get(slug="hsb-neglect")
    actions = {a.reference: a for a in Action.objects.filter(plan=plan)}
    assert sorted(actions) == ["1.1.1", "1.1.2", "2.1.1"]
    assert list(actions["1.1.1"].owner_roles()) == [pvp]
    assert actions["1.1.1"].timeframe == "Apr-17" and actions["2.1.1"].due_date is None
    assert [actions[r].current_rag for r in ("1.1.1", "1.1.2", "2.1.1")] == [
        "green",
        "amber",
        "red",
    ]
    page.get_by_role("link", name="See the plan").click()
    expect(page.get_by_role("heading", level=2, name="Priority 1: Early help")).to_be_visible()

    body = AccountableBody.objects.get(name="Neglect Sub Group")
    page.goto(reverse("actionplan:body-dashboard", kwargs={"pk": body.pk}) + "?as_of=2017-04-30")
    expect(page.locator("main")).to_contain_text("Audit the front door")
    expect(page.locator("main")).to_contain_text("Headline figures")
    page.goto(reverse("reports:pack-preview") + "?plan=hsb-neglect&quarter=2016-Q4")
    expect(page.get_by_role("heading", level=1)).to_have_text("Board progress pack")
    expect(page.locator("body")).to_contain_text("Review supervision of neglect cases")
    save_screenshot(page, "journey-import-messy-spreadsheet")

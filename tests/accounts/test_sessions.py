"""Sessions end after SESSION_IDLE_TIMEOUT idle seconds, and SESSION_COOKIE_AGE seconds after
signing in whatever the activity; pages warn first and can keep the session alive; signing out
says so; a form from an older session gets a page that keeps the person's words."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.middleware import describe_duration
from actionplan.models import StatusUpdate, StatusUpdateDraft
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTILE = 'Chased twice <script>alert("x")</script> & waiting on the police lead.'


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def _at(clock, seconds):
    clock.move_to(START + timedelta(seconds=seconds), tick=False)


def _update_url(action):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk})


def test_signed_in_pages_carry_the_time_out_warning(client, owner, settings, clock):
    client.force_login(owner)
    _at(clock, 30)
    html = client.get(reverse("actionplan:plan-list")).content.decode()
    idle = settings.SESSION_IDLE_TIMEOUT
    # The activity time is written at most once a minute: it was written 30 s ago, on signing in.
    assert f'data-idle-left="{idle - 30}"' in html
    assert f'data-absolute-left="{settings.SESSION_COOKIE_AGE - 30}"' in html
    assert f'data-warn-before="{settings.SESSION_IDLE_WARNING}"' in html
    assert f'data-keep-alive-url="{reverse("session-keep-alive")}"' in html
    assert "You are about to be signed out" in html and ">Stay signed in</button>" in html
    assert 'src="/static/accounts/session-timeout.js"' in html


def test_pages_for_someone_not_signed_in_have_no_warning(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "data-session-timeout" not in html and "session-timeout.js" not in html


def test_staying_signed_in_counts_as_activity(client, owner, settings, clock):
    idle = settings.SESSION_IDLE_TIMEOUT
    client.force_login(owner)
    client.get(reverse("actionplan:plan-list"))
    _at(clock, idle - 30)  # the warning is showing
    response = client.post(reverse("session-keep-alive"))
    assert response.status_code == 200
    assert response.json() == {
        "idle": idle,
        "absolute": settings.SESSION_COOKIE_AGE - (idle - 30),
        "warn_before": settings.SESSION_IDLE_WARNING,
    }
    _at(clock, idle + 60)  # past the first deadline, within the new one
    assert client.get(reverse("actionplan:plan-list")).status_code == 200


def test_without_staying_the_session_ends(client, owner, settings, clock):
    client.force_login(owner)
    client.get(reverse("actionplan:plan-list"))
    _at(clock, settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("actionplan:plan-list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were signed out after a period of inactivity." in response.content.decode()


def test_keep_alive_cannot_revive_an_ended_session(client, owner, settings, clock):
    client.force_login(owner)
    client.get(reverse("actionplan:plan-list"))
    _at(clock, settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.post(reverse("session-keep-alive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("actionplan:plan-list")).status_code == 302


def test_keep_alive_needs_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("session-keep-alive")).status_code == 403


def test_a_session_ends_after_its_absolute_lifetime_however_active(client, owner, settings, clock):
    client.force_login(owner)
    url = reverse("actionplan:plan-list")
    lifetime, step = settings.SESSION_COOKIE_AGE, settings.SESSION_IDLE_TIMEOUT - 60
    elapsed = 0
    while elapsed + step <= lifetime:
        elapsed += step
        _at(clock, elapsed)
        assert client.get(url).status_code == 200, f"still within the lifetime at {elapsed} s"
        client.post(reverse("session-keep-alive"))
    assert elapsed > lifetime - step  # the loop reached the end of the lifetime
    _at(clock, lifetime + 1)
    response = client.get(url, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert (
        "You were signed out because you had been signed in for 8 hours, the longest a "
        "session lasts." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(28800, "8 hours"), (3600, "1 hour"), (5400, "90 minutes"), (1800, "30 minutes"),
     (60, "1 minute"), (90, "90 seconds"), (45, "45 seconds"), (1, "1 second")],
)  # fmt: skip
def test_session_lengths_in_words(seconds, words):
    assert describe_duration(seconds) == words


def test_signing_out_says_it_happened(client, owner):
    client.force_login(owner)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    html = response.content.decode()
    notice = r'role="status">\s*<p class="notification__title">You have signed out.</p>'
    assert re.search(notice, html)
    assert client.get(reverse("actionplan:my-actions")).status_code == 302


def test_signing_out_when_not_signed_in_says_nothing(client, db):
    response = client.post(reverse("logout"), follow=True)
    assert "You have signed out." not in response.content.decode()


def test_save_after_the_idle_time_out_keeps_the_text_as_a_draft(
    client, owner, target_action, settings, clock
):
    client.force_login(owner)
    client.get(_update_url(target_action))
    _at(clock, settings.SESSION_IDLE_TIMEOUT + 5)
    data = {"rag": "amber", "commentary": HOSTILE, "evidence_url": "", "version": 0}
    response = client.post(_update_url(target_action), data, follow=True)

    login = reverse("login")
    assert response.redirect_chain[0][0] == f"{login}?next={_update_url(target_action)}"
    html = response.content.decode()
    assert (
        "You were signed out after a period of inactivity. What you wrote on action 2.1.1 is "
        "kept as a draft for you." in html
    )
    assert StatusUpdate.objects.count() == 0
    draft = StatusUpdateDraft.objects.get()
    assert (draft.author, draft.action, draft.rag, draft.commentary, draft.version) == (
        owner, target_action, "amber", HOSTILE, 0,
    )  # fmt: skip

    # Signing in again goes back to the form, which offers the draft back.
    response = client.post(
        f"{login}?next={_update_url(target_action)}",
        {"username": owner.username, "password": PASSWORD, "next": _update_url(target_action)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _update_url(target_action)
    html = response.content.decode()
    assert "You have an unsaved draft from" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("who", ["outsider", "other_owner"])
def test_the_idle_time_out_keeps_no_draft_for_someone_who_may_not_update(
    client, persona, target_action, settings, clock, who
):
    client.force_login(persona(who))
    client.get(reverse("actionplan:plan-list"))
    _at(clock, settings.SESSION_IDLE_TIMEOUT + 5)
    data = {"rag": "amber", "commentary": "Not mine to write.", "version": 0}
    response = client.post(_update_url(target_action), data)
    assert response["Location"].startswith(reverse("login"))
    assert not StatusUpdateDraft.objects.exists()


def test_a_forged_save_after_the_time_out_keeps_nothing(owner, target_action, settings, clock):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(reverse("actionplan:plan-list"))
    _at(clock, settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.post(_update_url(target_action), {"rag": "red", "commentary": "Forged."})
    assert response.status_code == 403  # the CSRF check comes first
    assert not StatusUpdateDraft.objects.exists()


def _form_with_a_stale_token(owner, target_action):
    """A client whose page holds a token of an earlier session, as after signing out and in
    again in another tab (the sign-in rotated the CSRF secret)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(_update_url(target_action))  # sets the CSRF cookie
    stale = "a" * 64  # well-formed, but not from this cookie's secret
    return client, stale


def test_a_stale_form_gets_the_friendly_page_with_the_text_to_copy(owner, target_action):
    client, stale = _form_with_a_stale_token(owner, target_action)
    form_url = "http://testserver" + _update_url(target_action)
    data = {"csrfmiddlewaretoken": stale, "rag": "amber", "commentary": HOSTILE,
            "evidence_url": "https://intranet.example/minutes", "version": 0}  # fmt: skip
    response = client.post(
        _update_url(target_action), data, HTTP_ORIGIN="http://testserver", HTTP_REFERER=form_url
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Skip to main content" in html  # our page, in the app's style
    assert "<h1>Your form could not be sent</h1>" in html
    assert "signed out and in again, in another tab" in html
    assert (
        '<textarea id="kept-commentary" class="kept-text" readonly rows="8">'
        "Chased twice &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; waiting on the "
        "police lead.</textarea>" in html
    )
    assert "https://intranet.example/minutes</textarea>" in html
    assert f'<a class="button" href="{form_url}">Go back to the update form</a>' in html
    assert StatusUpdate.objects.count() == 0


def test_a_cross_site_post_has_no_text_shown_back(owner, target_action):
    client, stale = _form_with_a_stale_token(owner, target_action)
    data = {"csrfmiddlewaretoken": stale, "commentary": "Call 0800 000 000 to keep your access."}
    response = client.post(
        _update_url(target_action), data, HTTP_ORIGIN="https://attacker.example",
        HTTP_REFERER="https://attacker.example/page",
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your form could not be sent" in html
    assert "0800" not in html and "attacker.example" not in html


def test_the_friendly_page_never_shows_a_password(db):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    response = client.post(
        reverse("login"),
        {"csrfmiddlewaretoken": "b" * 64, "username": "amy", "password": "my-secret-pass"},
        HTTP_ORIGIN="http://testserver",
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your form could not be sent" in html and "Sign in again" in html
    assert "my-secret-pass" not in html

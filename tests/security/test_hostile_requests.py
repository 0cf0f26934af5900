"""Forged, over-stuffed and fuzzed requests change nothing they should not.

(The crawl of every GET as each persona walks the permission matrix, beside it in
tests/accounts/test_permissions.py.)
"""

import logging

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import User
from actionplan.models import Action, Rag, StatusUpdate, StatusUpdateDraft
from actionplan.services import status_update_draft_save
from tests.conftest import Client

pytestmark = pytest.mark.django_db

POSTS = [
    ("actionplan:action-update", lambda a: {"pk": a.pk}),
    ("logout", lambda a: {}),
    ("password_change", lambda a: {}),
    ("login", lambda a: {}),
    ("password_reset", lambda a: {}),
    ("reports:pack-new", lambda a: {}),
    ("session-keep-alive", lambda a: {}),
    ("actionplan:action-draft", lambda a: {"pk": a.pk}),
    ("actionplan:action-draft-discard", lambda a: {"pk": a.pk}),
    ("accounts:two-factor-verify", lambda a: {}),
    ("accounts:two-factor-setup", lambda a: {}),
    ("accounts:recovery-codes", lambda a: {}),
]


@pytest.mark.parametrize(("name", "kwargs_for"), POSTS)
def test_every_post_without_a_csrf_token_is_refused(
    business_support, target_action, name, kwargs_for
):
    status_update_draft_save(
        action=target_action, author=business_support, rag="", commentary="Kept.",
        evidence_url="", version=0,
    )  # fmt: skip
    client = Client(enforce_csrf_checks=True)
    client.force_login(business_support)
    url = reverse(name, kwargs=kwargs_for(target_action))
    data = {"rag": "green", "commentary": "Forged.", "version": 0, "username": "x"}
    assert client.post(url, data).status_code == 403
    assert StatusUpdate.objects.count() == 0
    assert StatusUpdateDraft.objects.get().commentary == "Kept."


def test_extra_fields_on_the_status_form_are_ignored(client, owner, outsider, target_action):
    client.force_login(owner)
    client.post(
        reverse("actionplan:action-update", kwargs={"pk": target_action.pk}),
        {
            "rag": "green", "commentary": "On track.", "version": 0,
            # fields of StatusUpdate and Action that are not on the form
            "author": outsider.pk, "created_at": "2000-01-01T00:00", "is_demo": "on",
            "action": 1, "id": 999, "current_rag": "blue", "due_date": "2030-01-01",
            "reference": "9.9.9", "description": "Hijacked", "latest_update": 1,
            "accountable_body": 1, "plan": 99,
        },
    )  # fmt: skip
    update = StatusUpdate.objects.get()
    assert (update.author, update.is_demo, update.action) == (owner, False, target_action)
    assert update.created_at.year > 2000 and update.pk != 999
    fresh = Action.objects.get(pk=target_action.pk)
    assert (fresh.reference, fresh.description[:3], fresh.current_rag) == ("2.1.1", "All", "green")
    assert fresh.due_date == target_action.due_date


def test_extra_fields_on_the_password_form_are_ignored(client, owner):
    client.force_login(owner)
    client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "brand-new-passphrase-9",
            "new_password2": "brand-new-passphrase-9",
            "is_superuser": "on", "is_staff": "on", "username": "root", "groups": 1,
        },
    )  # fmt: skip
    owner.refresh_from_db()
    assert (owner.is_superuser, owner.is_staff, owner.username) == (False, False, "owner")
    assert owner.groups.count() == 0


_text = st.text(max_size=300)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rag=st.one_of(st.sampled_from(Rag.values), _text),
    commentary=_text,
    evidence_url=st.one_of(st.just(""), _text, st.from_regex(r"https://[a-z]{1,10}\.org/[a-z]*")),
    version=st.one_of(st.integers(min_value=-5, max_value=5), _text),
)
def test_fuzzed_status_form_never_errors_or_saves_an_invalid_row(
    client, owner, target_action, rag, commentary, evidence_url, version
):
    client.force_login(owner)
    client.raise_request_exception = False
    data = {"rag": rag, "commentary": commentary, "evidence_url": evidence_url, "version": version}
    # NUL bytes cannot travel in a form post: a browser never sends them.
    data = {key: str(value).replace("\x00", "") for key, value in data.items()}
    before = StatusUpdate.objects.count()
    response = client.post(
        reverse("actionplan:action-update", kwargs={"pk": target_action.pk}), data
    )
    assert response.status_code in {200, 302, 409}
    # Saved (and redirected) or refused (and shown again): the rows below are every one saved.
    assert StatusUpdate.objects.count() - before == (1 if response.status_code == 302 else 0)
    for update in StatusUpdate.objects.filter(action=target_action):
        update.full_clean()
        assert update.commentary.strip()


def test_deactivating_a_user_ends_their_sessions_at_once(client, owner):
    client.force_login(owner)
    assert client.get(reverse("actionplan:my-actions")).status_code == 200
    User.objects.filter(pk=owner.pk).update(is_active=False)
    response = client.get(reverse("actionplan:my-actions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_security_events_are_logged_without_secrets(client, owner, outsider, target_action, caplog):
    caplog.set_level(logging.INFO, logger="actionplan.security")
    password = "correct-horse-battery"
    client.post(reverse("login"), {"username": "owner", "password": "wrong-guess"})
    client.post(reverse("login"), {"username": "owner", "password": password})
    session_key = client.session.session_key
    client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "brand-new-passphrase-9",
            "new_password2": "brand-new-passphrase-9",
        },
    )
    client.force_login(outsider)
    client.get(reverse("actionplan:action-update", kwargs={"pk": target_action.pk}))
    text = caplog.text
    for event in ["login_failure", "login_success", "password_change", "permission_denied"]:
        assert f"event={event}" in text
    assert "user=owner" in text and "user=outsider" in text and "ip=127.0.0.1" in text
    assert password not in text and "wrong-guess" not in text
    assert "brand-new-passphrase-9" not in text and session_key not in text


def test_lockout_is_logged(client, owner, settings, caplog):
    caplog.set_level(logging.INFO, logger="actionplan.security")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "owner", "password": "guess"})
    assert "event=lockout user=owner" in caplog.text


def test_log_times_are_utc():
    from accounts.logformat import UTCFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.created = 0
    assert UTCFormatter("%(asctime)s").format(record) == "1970-01-01T00:00:00Z"


_filter_value = st.one_of(st.text(max_size=60), st.dates().map(str), st.integers().map(str))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["q", "priority", "objective", "rag", "owner", "agency", "overdue", "due_from",
             "due_to", "not_updated_since", "as_of", "quarter", "sort", "page", "per_page"]
        ),
        _filter_value,
        max_size=6,
    )
)  # fmt: skip
@example(params={"per_page": "-1"})  # found by this test: a 500 before ActionTable.paginate
def test_fuzzed_dashboard_filters_never_error(client, chair, target_action, params):
    client.force_login(chair)
    client.raise_request_exception = False
    params = {key: value.replace("\x00", "") for key, value in params.items()}
    before = StatusUpdate.objects.count()
    url = reverse("actionplan:body-dashboard", kwargs={"pk": target_action.accountable_body_id})
    for path in [url, reverse("actionplan:overview")]:
        response = client.get(path, params)
        assert response.status_code in {200, 400, 404}, (path, params, response.status_code)
    assert StatusUpdate.objects.count() == before

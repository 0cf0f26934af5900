"""Holes 5 and 6: the security log cannot be forged through what a person types, never holds
what looks like a password, and records every event an investigator needs: passwords set by
an administrator, privileges changed, password resets completed, and every bulk read of the
data (plan and dashboard exports, Board pack downloads and previews)."""

import logging
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.permissions import BUSINESS_SUPPORT_GROUP
from accounts.security_log import MAX_VALUE_CHARS, log_event
from actionplan.quarters import Quarter
from reports import services
from reports.pdf import RenderedPdf
from tests.conftest import PASSWORD, WSCB_SLUG, admin_user_form_data, make_user

pytestmark = pytest.mark.django_db

FORGED = "owner\n2026-01-01T00:00:00Z INFO actionplan.security event=login_success user=root"


@pytest.fixture
def events(caplog):
    """The security log's lines, as they are written."""
    caplog.set_level(logging.INFO, logger="actionplan.security")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "actionplan.security"]

    return lines


def _assert_one_clean_line_each(lines):
    assert lines
    for line in lines:
        assert not re.search(r"[\x00-\x1f\x7f]", line), line
        assert len(line) < 600, line


def test_a_newline_in_the_username_cannot_forge_an_event(client, owner, events):
    client.post(reverse("login"), {"username": FORGED, "password": "guess"})
    lines = events()
    _assert_one_clean_line_each(lines)
    assert [line.split()[0] for line in lines] == ["event=login_failure"]
    assert "login_success" not in " ".join(lines)


def test_a_password_typed_as_the_username_is_never_logged(client, owner, events):
    client.post(reverse("login"), {"username": PASSWORD, "password": "owner"})
    (line,) = events()
    assert PASSWORD not in line
    assert re.search(r"user=- ip=\S+ attempted=unknown:[0-9a-f]{12}$", line), line


def test_the_same_unknown_username_has_the_same_fingerprint(client, db, events):
    for _ in range(2):
        client.post(reverse("login"), {"username": "nobody-here", "password": "guess"})
    first, second = (re.search(r"attempted=(\S+)", line)[1] for line in events())
    assert first == second


def test_an_existing_username_is_logged_as_it_is(client, owner, events):
    client.post(reverse("login"), {"username": "owner", "password": "guess"})
    assert "event=login_failure user=owner " in events()[0]


def test_every_value_is_encoded_and_long_values_truncated(events):
    log_event("test", username="a b", note="x\r\ny=1 event=forged", long="z" * 5000)
    (line,) = events()
    _assert_one_clean_line_each([line])
    assert 'user="a b"' in line and r'note="x\r\ny=1 event=forged"' in line
    assert "z" * MAX_VALUE_CHARS in line and "z" * (MAX_VALUE_CHARS + 1) not in line


# Hole 6: the events that were missing.


@pytest.fixture
def superuser(db):
    return make_user(username="root", is_staff=True, is_superuser=True)


def test_a_password_set_by_an_administrator_is_logged(client, superuser, owner, events):
    client.force_login(superuser)
    new = "a-new-long-passphrase-7"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[owner.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert any(
        "event=password_set_by_admin user=root" in line and "target=owner" in line
        for line in events()
    )


def test_privilege_changes_are_logged(client, superuser, owner, events):
    client.force_login(superuser)
    group = Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)[0]
    data = admin_user_form_data(owner) | {"is_staff": "on", "groups": [group.pk]}
    response = client.post(reverse("admin:accounts_user_change", args=[owner.pk]), data)
    assert response.status_code == 302
    (line,) = [line for line in events() if "event=privileges_changed" in line]
    assert "user=root" in line and "target=owner" in line
    assert "changed=groups,is_staff" in line and "is_staff=True" in line
    assert '"Board business support"' in line


def test_a_completed_password_reset_is_logged(client, db, events):
    make_user(username="amy", email="amy@example.org")
    client.post(reverse("password_reset"), {"email": "amy@example.org"})
    link = re.search(r"/accounts/reset/\S+/", mail.outbox[0].body)[0]
    form_url = client.get(link)["Location"]
    new = "a-brand-new-passphrase-3"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert any("event=password_reset_complete user=amy" in line for line in events())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_every_plan_export_is_logged(client, owner, events, fmt):
    client.force_login(owner)
    assert client.get(reverse("actionplan:plan-export", args=[WSCB_SLUG, fmt])).status_code == 200
    assert f"event=plan_export user=owner ip=127.0.0.1 format={fmt} plan={WSCB_SLUG}" in events()


def test_every_dashboard_export_is_logged(client, chair, target_action, events):
    client.force_login(chair)
    body = target_action.accountable_body_id
    url = reverse("actionplan:body-export", kwargs={"pk": body, "fmt": "xlsx"})
    assert client.get(url, {"rag": "red"}).status_code == 200
    (line,) = [line for line in events() if "event=body_export" in line]
    assert "user=chair ip=127.0.0.1 as_of=" in line
    assert f"body={body} format=xlsx query=rag=red" in line


def test_every_pack_download_and_preview_is_logged(
    client, wscb_plan, board_member, business_support, monkeypatch, events
):
    monkeypatch.setattr(services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 x", 1))
    pack = services.board_pack_create(
        plan=wscb_plan, quarter=Quarter.parse("2015-Q3"), produced_by=business_support
    )
    client.force_login(board_member)
    assert client.get(reverse("reports:pack-download", kwargs={"pk": pack.pk})).status_code == 200
    preview = reverse("reports:pack-preview")
    assert client.get(preview, {"plan": WSCB_SLUG, "quarter": "2015-Q3"}).status_code == 200
    lines = events()
    expected = f"pack={pack.pk} plan={WSCB_SLUG} quarter=2015-Q3"
    assert f"event=pack_download user=board ip=127.0.0.1 {expected}" in lines
    assert f"event=pack_preview user=board ip=127.0.0.1 plan={WSCB_SLUG} quarter=2015-Q3" in lines

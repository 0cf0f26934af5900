"""Hole 8: password reset cannot be used to e-mail-bomb an address or flood the mail server:
requests are throttled per address and per client (in the shared cache, so every server
process counts together), and a reset link lives an hour, not three days."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

THROTTLED = "Too many password reset requests"


def _ask(client, email, ip="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_reset_links_live_one_hour(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60


def test_an_hour_old_link_no_longer_works(db):
    user = make_user(username="amy", email="amy@example.org")
    token = default_token_generator.make_token(user)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert not default_token_generator.check_token(user, token)


def test_one_address_gets_at_most_the_limit_of_emails(client, settings):
    make_user(username="amy", email="amy@example.org")
    limit = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    for n in range(limit):  # from different clients: the address is what counts here
        assert _ask(client, "amy@example.org", ip=f"10.0.1.{n}").status_code == 302
    response = _ask(client, "AMY@example.org", ip="10.0.2.1")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert len(mail.outbox) == limit


def test_one_client_gets_at_most_the_limit_of_requests(client, settings):
    limit = settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    for n in range(limit):
        assert _ask(client, f"person{n}@example.org").status_code == 302
    response = _ask(client, "someone-else@example.org")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    # Another client is not held back by this one.
    make_user(username="amy", email="amy@example.org")
    assert _ask(client, "amy@example.org", ip="10.0.0.2").status_code == 302
    assert len(mail.outbox) == 1


def test_an_unknown_address_is_throttled_like_a_known_one(client, settings):
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        _ask(client, "nobody@example.org")
    assert _ask(client, "nobody@example.org").status_code == 429


def test_the_limit_lifts_after_an_hour(client, settings):
    make_user(username="amy", email="amy@example.org")
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS + 1):
        _ask(client, "amy@example.org")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert _ask(client, "amy@example.org").status_code == 302

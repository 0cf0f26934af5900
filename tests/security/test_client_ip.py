"""Hole 2: behind the reverse proxy, the client's address comes from the header the trusted
proxy wrote, never from one a client wrote itself; lockout is per username and client
address, so one person's wrong passwords never lock another out."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.client_ip import client_ip
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
ATTACKER, VICTIM = "203.0.113.50", "203.0.113.77"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_COUNT = 1


def _ip(remote_addr, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_without_a_trusted_proxy_the_header_is_never_read(settings):
    settings.TRUSTED_PROXIES, settings.PROXY_COUNT = [], 0
    assert _ip(ATTACKER, forwarded=VICTIM) == ATTACKER


def test_a_direct_client_cannot_forge_its_address(behind_proxy):
    assert _ip(ATTACKER, forwarded=VICTIM) == ATTACKER
    assert _ip(ATTACKER, forwarded=f"{VICTIM}, {PROXY}") == ATTACKER


def test_through_the_proxy_the_address_it_saw_is_the_client(behind_proxy):
    assert _ip(PROXY, forwarded=ATTACKER) == ATTACKER
    # A header the client sent is kept by the proxy, which appends what it saw: the last wins.
    assert _ip(PROXY, forwarded=f"{VICTIM}, {ATTACKER}") == ATTACKER
    assert _ip(PROXY, forwarded=f"nonsense, {VICTIM},, {ATTACKER}") == ATTACKER


def test_two_proxies_count_from_the_right(settings):
    settings.TRUSTED_PROXIES, settings.PROXY_COUNT = ["10.0.0.0/24"], 2
    assert _ip("10.0.0.2", forwarded=f"{VICTIM}, {ATTACKER}, 10.0.0.9") == ATTACKER


def test_the_proxy_itself_without_a_header_is_its_own_address(behind_proxy):
    assert _ip(PROXY) == PROXY


def _login(client, username, password, *, via_proxy_as=None, remote=PROXY, forged=None):
    chain = ", ".join(x for x in [forged, via_proxy_as] if x)
    headers = {"HTTP_X_FORWARDED_FOR": chain} if chain else {}
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=remote,
        **headers,
    )  # fmt: skip


def test_wrong_passwords_through_the_proxy_do_not_lock_out_the_real_person(
    client, settings, behind_proxy
):
    make_user(username="amy", password="a-long-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The attacker even claims to be the victim: the proxy's own entry is what counts.
        _login(client, "amy", "guess", via_proxy_as=ATTACKER, forged=VICTIM)
    assert _login(client, "amy", "a-long-password-1", via_proxy_as=ATTACKER).status_code == 429
    response = _login(client, "amy", "a-long-password-1", via_proxy_as=VICTIM)
    assert response.status_code == 302


def test_a_direct_client_forging_the_header_locks_only_itself(client, settings, behind_proxy):
    make_user(username="amy", password="a-long-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "amy", "guess", remote=ATTACKER, forged=VICTIM)
    assert _login(client, "amy", "a-long-password-1", remote=ATTACKER).status_code == 429
    response = _login(client, "amy", "a-long-password-1", via_proxy_as=VICTIM)
    assert response.status_code == 302


def test_the_security_log_shows_the_client_not_the_proxy(client, behind_proxy, caplog):
    caplog.set_level(logging.INFO, logger="actionplan.security")
    make_user(username="amy", password="a-long-password-1")
    _login(client, "amy", "guess", via_proxy_as=ATTACKER, forged=VICTIM)
    assert f"ip={ATTACKER}" in caplog.text
    assert f"ip={PROXY}" not in caplog.text and VICTIM not in caplog.text


def test_a_request_without_an_address_has_none(behind_proxy):
    # axes keeps the address in an IP address column (inet on PostgreSQL): no placeholder text.
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=VICTIM)
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None
    assert client_ip(None) is None

"""Security events, one line each, with who, from where and when (UTC); never secrets.

Sign-in success and failure, lockouts, permission refusals, password changes, resets and
passwords set by an administrator, privilege changes, and every bulk read of the data (plan
and dashboard exports, Board pack downloads and previews).

Every value is encoded (log_event), so that nothing a person types can start a new line or
pass for another field: a value of plain characters is written as it is, any other in double
quotes with JSON's escapes (newlines and control characters included), and a value longer
than MAX_VALUE_CHARS is cut there.

What was typed as a username is logged only when it is an account's username. Otherwise it
may well be a password typed into the wrong box, so the line says `attempted=unknown:` and
the first 12 hex digits of an HMAC of it (keyed with SECRET_KEY): the same mistyped name gives
the same fingerprint, so repeated attempts can be told apart, but the text cannot be read
back. Passwords and session keys are never logged.
"""

import json
import logging
import re

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

from accounts.client_ip import client_ip

logger = logging.getLogger("actionplan.security")
MAX_VALUE_CHARS = 100
_PLAIN = re.compile(r"[A-Za-z0-9._@:/+,#%&=?-]+")


def encode(value) -> str:
    """A value as one token: plain as it is, anything else quoted with JSON's escapes."""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "..."
        return json.dumps(text)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def log_event(event: str, *, request=None, username: str = "", **details):
    parts = [f"event={encode(event)}", f"user={encode(username) if username else '-'}"]
    parts.append(f"ip={encode(client_ip(request) or 'unknown')}")
    parts += [f"{key}={encode(value)}" for key, value in sorted(details.items())]
    logger.info(" ".join(parts))


def log_user_event(request, event: str, **details):
    """An event done by the signed-in person making `request`."""
    log_event(event, request=request, username=request.user.get_username(), **details)


def _attempted(username) -> dict:
    """log_event's arguments for a username someone typed (see the module's docstring)."""
    username = username or ""
    if username and get_user_model()._default_manager.filter(username=username).exists():
        return {"username": username}
    fingerprint = salted_hmac("actionplan.security.attempted", username).hexdigest()[:12]
    return {"attempted": f"unknown:{fingerprint}"}


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log_event("login_success", request=request, username=user.get_username())


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log_event("logout", request=request, username=user.get_username() if user else "")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # credentials has the password scrubbed by Django; only the username is taken.
    log_event("login_failure", request=request, **_attempted(credentials.get("username")))


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    log_event("lockout", request=request, **_attempted(username))


def log_permission_denied(request):
    user = request.user.get_username() if request.user.is_authenticated else ""
    log_event("permission_denied", request=request, username=user, path=request.path)


def log_password_change(request, user):
    log_event("password_change", request=request, username=user.get_username())

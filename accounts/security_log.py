"""Security events, logged with who, from where and when (UTC); never secrets.

Login success and failure, lockouts, permission refusals and password changes. The attempted
username is logged for failures (it is what an investigator needs); passwords and session keys
never are.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.client_ip import client_ip

logger = logging.getLogger("actionplan.security")


def log_event(event: str, *, request=None, username: str = "", **details):
    parts = [f"event={event}", f"user={username or '-'}", f"ip={client_ip(request)}"]
    parts += [f"{key}={value}" for key, value in sorted(details.items())]
    logger.info(" ".join(parts))


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log_event("login_success", request=request, username=user.get_username())


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log_event("logout", request=request, username=user.get_username() if user else "")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # credentials has the password scrubbed by Django; only the username is taken.
    log_event("login_failure", request=request, username=credentials.get("username", ""))


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    log_event("lockout", request=request, username=username or "")


def log_permission_denied(request, reason: str = ""):
    user = request.user.get_username() if request.user.is_authenticated else ""
    log_event("permission_denied", request=request, username=user, path=request.path)


def log_password_change(request, user):
    log_event("password_change", request=request, username=user.get_username())

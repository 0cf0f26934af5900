"""Permission predicates for every template, so that templates ask them, never re-implement them;
and the session's time left, for the time-out warning."""

from functools import partial

from django.conf import settings
from django.utils.crypto import salted_hmac

from accounts.middleware import describe_duration, session_time_left
from accounts.permissions import (
    can_manage_people,
    can_produce_reports,
    can_view_round_progress,
)


def permissions(request):
    # Callables: a template calls one only where it asks, so a page that never asks pays nothing.
    return {
        "can_produce_reports": partial(can_produce_reports, request.user),
        "can_view_round_progress": partial(can_view_round_progress, request.user),
        "can_manage_people": partial(can_manage_people, request.user),
    }


def session_timeout(request):
    """The figures the time-out warning (accounts/static/accounts/session-timeout.js) counts
    down from, for signed-in pages. No query: the session is read already by the time a page
    renders."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "session_time_left": session_time_left(request),
        "session_lifetime": describe_duration(settings.SESSION_COOKIE_AGE),
        # Names the session without revealing its key: tabs share deadlines only within it.
        "session_tag": salted_hmac(
            "accounts.session-tag", request.session.session_key or ""
        ).hexdigest()[:16],
    }

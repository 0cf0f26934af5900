import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.permissions import must_use_two_factor
from accounts.two_factor import has_second_factor

_LAST_SEEN = "last_seen"
_SIGNED_IN_AT = "signed_in_at"
# Reading pages writes the activity time at most once a minute (or a tenth of the idle time-out,
# if that is shorter), so that reading a page does not save the session each time.
_WRITE_EVERY = 60


def idle_sign_out_keeps(handler):
    """Mark a view whose POSTs carry text worth keeping if the session has run out.

    `handler(request, **view_kwargs)` runs as the signed-in person, after the CSRF check and
    just before they are signed out; it returns a sentence for the sign-in page (or "").
    """

    def decorate(view):
        view.on_idle_sign_out = handler
        return view

    return decorate


def session_time_left(request, now: int | None = None) -> dict[str, int]:
    """Seconds until the idle time-out and until the absolute lifetime end, and how long
    before the first the page warns (the time-out warning's figures)."""
    now = int(time.time()) if now is None else now
    session = request.session
    idle = settings.SESSION_IDLE_TIMEOUT - (now - session.get(_LAST_SEEN, now))
    absolute = settings.SESSION_COOKIE_AGE - (now - session.get(_SIGNED_IN_AT, now))
    return {
        "idle": max(idle, 0),
        "absolute": max(absolute, 0),
        "warn_before": settings.SESSION_IDLE_WARNING,
    }


def start_session_clock(sender, request, user, **kwargs):
    """On signing in (user_logged_in): the absolute lifetime and the idle time count from now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[_SIGNED_IN_AT] = now
        request.session[_LAST_SEEN] = now


def record_activity(request, *, now: int | None = None, force: bool = False) -> None:
    now = int(time.time()) if now is None else now
    session = request.session
    session.setdefault(_SIGNED_IN_AT, now)
    every = min(_WRITE_EVERY, settings.SESSION_IDLE_TIMEOUT // 10)
    if force or _LAST_SEEN not in session or now - session[_LAST_SEEN] >= every:
        session[_LAST_SEEN] = now


def describe_duration(seconds: int) -> str:
    """28800 -> "8 hours"; 1800 -> "30 minutes"; 45 -> "45 seconds"."""
    if seconds % 60:
        return _plural(seconds, "second")
    hours, minutes = divmod(seconds // 60, 60)
    return _plural(hours, "hour") if hours and not minutes else _plural(seconds // 60, "minute")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _ended_because(session, now: int) -> str:
    """Why the session has ended ("" while it has not)."""
    if now - session.get(_SIGNED_IN_AT, now) > settings.SESSION_COOKIE_AGE:
        return (
            f"You were signed out because you had been signed in for "
            f"{describe_duration(settings.SESSION_COOKIE_AGE)}, the longest a session lasts."
        )
    if now - session.get(_LAST_SEEN, now) > settings.SESSION_IDLE_TIMEOUT:
        return "You were signed out after a period of inactivity."
    return ""


class IdleTimeoutMiddleware:
    """Sign a person out after SESSION_IDLE_TIMEOUT seconds without a request, and
    SESSION_COOKIE_AGE seconds after they signed in whatever their activity (Django's own
    expiry moves on each time the session is saved, so it is no absolute limit by itself).

    Checked in process_view, after the CSRF check: a POST that arrives after the time-out has
    passed that check, so the view's idle_sign_out_keeps handler may keep its text.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        now = int(time.time())
        reason = _ended_because(request.session, now)
        if not reason:
            record_activity(request, now=now)
            return None
        kept = ""
        handler = getattr(view_func, "on_idle_sign_out", None)
        if handler and request.method == "POST":
            kept = handler(request, **view_kwargs)
        logout(request)
        messages.info(request, f"{reason} {kept}".strip())
        return redirect_to_login(request.get_full_path())


class NoStoreMiddleware:
    """Nothing a signed-in person sees may be kept by a browser or proxy cache: pages,
    exports and PDFs hold safeguarding information."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class TwoFactorMiddleware:
    """After the password, nothing but the second factor (django-otp's OTPMiddleware has set
    request.user.is_verified()).

    A signed-in person who has a second factor and has not given a code this session is sent
    to the code step; one who must have a second factor (accounts.permissions) and has none is
    sent to set it up. Until then they reach only those pages, sign-out, static files, the
    health check and the accessibility statement (public). The pages themselves check again
    (accounts/views.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not self._always_open(request):
            if has_second_factor(user):
                return self._redirect(request, "accounts:two-factor-verify")
            if must_use_two_factor(user):
                return self._redirect(request, "accounts:two-factor-setup")
        return self.get_response(request)

    @staticmethod
    def _always_open(request) -> bool:
        path = request.path_info
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        open_names = (
            "accounts:two-factor-verify", "accounts:two-factor-setup", "logout",
            "healthz", "accessibility",
        )  # fmt: skip
        return path in {reverse(name) for name in open_names}

    @staticmethod
    def _redirect(request, name: str):
        target = reverse(name)
        if request.method == "GET" and request.path_info != reverse("home"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)

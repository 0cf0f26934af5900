from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.defaults import permission_denied as django_permission_denied

from accounts.client_ip import client_ip
from accounts.middleware import record_activity, session_time_left
from accounts.security_log import log_event, log_password_change, log_permission_denied
from accounts.throttle import within_limit

# What a person writes in our forms that the CSRF failure page shows back for them to copy,
# with its label there. Never a password: those fields are not listed.
TEXT_SHOWN_BACK = {"commentary": "Your commentary", "evidence_url": "Your evidence link"}


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        log_password_change(self.request, form.user)
        return response


RESET_THROTTLED = (
    "Too many password reset requests have been made for this address or from your network. "
    "Wait an hour, then try again, or ask Board business support."
)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, throttled per address (so an address cannot be e-mail-bombed) and per client
    (so one client cannot flood the mail server): PASSWORD_RESET_LIMIT_PER_ADDRESS and
    PASSWORD_RESET_LIMIT_PER_CLIENT an hour. An address is counted whether or not it is an
    account's, so the answer says nothing about which addresses are."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        ip = client_ip(self.request)
        by_address = within_limit(
            "reset-address", email, limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, window=3600
        )
        by_client = within_limit(
            "reset-client", ip, limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT, window=3600
        )
        if not (by_address and by_client):
            log_event("password_reset_throttled", request=self.request)
            form.add_error(None, RESET_THROTTLED)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        log_event("password_reset_requested", request=self.request)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        log_event("password_reset_complete", request=self.request, username=form.user.username)
        return response


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, with a message on the page it lands on saying that it happened."""

    def post(self, request, *args, **kwargs):
        signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if signed_in:
            messages.success(request, "You have signed out.")
        return response


@login_required
@require_POST
def session_keep_alive(request):
    """The time-out warning's "Stay signed in": counts as activity, and says how long the
    session has left (someone already signed out is sent to sign in by login_required)."""
    record_activity(request, force=True)
    return JsonResponse(session_time_left(request))


def permission_denied(request, exception=None):
    """Our 403 page, with the refusal logged as a security event."""
    log_permission_denied(request)
    return django_permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from a page of an older session (signed out, or in again,
    in another tab; or open too long). Explains, and shows the person's text back to copy."""
    user = request.user.get_username() if request.user.is_authenticated else ""
    log_event("csrf_failure", request=request, username=user, path=request.path)
    texts = []
    if _sent_from_our_pages(request):
        texts = [
            (name, label, request.POST[name].strip())
            for name, label in TEXT_SHOWN_BACK.items()
            if request.POST.get(name, "").strip()
        ]
    match = request.resolver_match
    context = {
        "texts": texts,
        "back_url": _same_site_referer(request),
        "from_update_form": bool(match) and match.view_name == "actionplan:action-update",
    }
    return render(request, "csrf_failure.html", context, status=403)


def _our_origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _sent_from_our_pages(request) -> bool:
    """Only a form from our own pages has its text shown back: a forged cross-site post must
    not be able to put words on our page. Browsers send Origin with every POST, and scripts
    on other sites cannot set it."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return origin == _our_origin(request)
    return _same_site_referer(request) is not None


def _same_site_referer(request) -> str | None:
    """The page the form was sent from, if it is one of ours."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return None

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.views.defaults import permission_denied as django_permission_denied

from accounts.client_ip import client_ip
from accounts.security_log import log_event, log_password_change, log_permission_denied
from accounts.throttle import within_limit


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


def permission_denied(request, exception=None):
    """Our 403 page, with the refusal logged as a security event."""
    log_permission_denied(request)
    return django_permission_denied(request, exception)

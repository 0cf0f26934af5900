from django.contrib.auth import views as auth_views
from django.views.defaults import permission_denied as django_permission_denied

from accounts.security_log import log_event, log_password_change, log_permission_denied


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        log_password_change(self.request, form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        log_event("password_reset_complete", request=self.request, username=form.user.username)
        return response


def permission_denied(request, exception=None):
    """Our 403 page, with the refusal logged as a security event."""
    log_permission_denied(request)
    return django_permission_denied(request, exception)

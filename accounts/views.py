import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django.views.defaults import permission_denied as django_permission_denied
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import two_factor as tf
from accounts.client_ip import client_ip
from accounts.forms import CodeForm
from accounts.invitations import (
    InvitationRefusedError,
    invitation_accept,
    invitation_for,
    person_event,
)
from accounts.middleware import record_activity, session_time_left
from accounts.models import User
from accounts.permissions import can_reset_two_factor, must_use_two_factor
from accounts.security_log import log_event, log_password_change, log_permission_denied
from accounts.throttle import within_limit

# What a person writes in our forms that the CSRF failure page shows back for them to copy,
# with its label there. Never a password: those fields are not listed.
TEXT_SHOWN_BACK = {"commentary": "Your commentary", "evidence_url": "Your evidence link"}

# Recovery codes are kept in the session between the POST that makes them and the page that
# shows them, and taken out when shown: they are shown once.
_NEW_RECOVERY_CODES = "new_recovery_codes"
_PENDING_KEY = "two_factor_pending_key"


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
    def get_user(self, uidb64):
        # A deactivated person's link (sent before they were deactivated) is no link: it
        # must not set a password on an account that business support has closed.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

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


def _log(request, event: str, **details):
    log_event(event, request=request, username=request.user.get_username(), **details)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _complete_sign_in(request, device):
    # A new session key at the change of privilege, as at the password step.
    request.session.cycle_key()
    django_otp.login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The code step of signing in, after the password."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request) or "home")
    if not tf.has_second_factor(user):
        return redirect("accounts:two-factor-setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = tf.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except tf.CodeRefusedError as refusal:
            form.add_error("code", str(refusal))
            _log(request, "two_factor_failure")
        else:
            _complete_sign_in(request, device)
            kind = "recovery_code" if isinstance(device, StaticDevice) else "authenticator"
            _log(request, "two_factor_success", device=kind)
            if isinstance(device, StaticDevice):
                left = tf.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code. You have {left} left: make new ones "
                    "from your two-factor page if you are running out.",
                )
            return redirect(_next_url(request) or "home")
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the secret), enter a code."""
    user = request.user
    if tf.has_second_factor(user):
        # Never a second authenticator beside the first: a stolen password would add one.
        messages.info(request, "Two-factor sign-in is already set up for you.")
        return redirect("home" if user.is_verified() else "accounts:two-factor-verify")
    # The secret waits in the session until confirmed: the page can be reloaded without
    # changing what was scanned, and showing it writes nothing.
    key = request.session.setdefault(_PENDING_KEY, tf.new_authenticator_key())
    device = tf.pending_authenticator(user=user, key=key)
    form = CodeForm(request.POST or None, recovery_allowed=False)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = tf.two_factor_confirm(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except tf.CodeRefusedError as refusal:
            form.add_error("code", str(refusal))
            _log(request, "two_factor_setup_failure")
        else:
            del request.session[_PENDING_KEY]
            _complete_sign_in(request, device)
            _log(request, "two_factor_setup")
            person_event(person=user, actor=user, what="Two-factor sign-in set up")
            request.session[_NEW_RECOVERY_CODES] = codes
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect("accounts:recovery-codes")
    context = {
        "form": form,
        "qr_code": tf.qr_code_svg(device),
        "secret": tf.secret_text(device),
        "required": must_use_two_factor(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Shows new recovery codes once; a POST makes a new set (the old ones stop working)."""
    if not tf.has_second_factor(request.user):
        return redirect("accounts:two-factor-setup")
    if request.method == "POST":
        request.session[_NEW_RECOVERY_CODES] = tf.recovery_codes_replace(user=request.user)
        _log(request, "recovery_codes_replaced")
        person_event(person=request.user, actor=request.user, what="New recovery codes made")
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(_NEW_RECOVERY_CODES, None)
    context = {"codes": codes, "left": tf.recovery_codes_left(request.user)}
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_reset(request, pk: int):
    """Business support removes a person's lost second factor; they never see its secret."""
    person = get_object_or_404(User, pk=pk)
    if not can_reset_two_factor(request.user, person):
        raise PermissionDenied("You may not reset this person's two-factor sign-in.")
    if request.method == "POST":
        removed = tf.two_factor_reset(person=person)
        _log(request, "two_factor_reset", person=person.get_username(), removed=removed)
        person_event(person=person, actor=request.user, what="Two-factor sign-in reset")
        messages.success(
            request,
            f"{person}'s two-factor sign-in was reset. They will set it up again when they "
            "next sign in.",
        )
        return redirect("accounts:two-factor-reset", pk=person.pk)
    context = {"person": person, "has_second_factor": tf.has_second_factor(person)}
    return render(request, "accounts/two_factor_reset.html", context)


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token: str):
    """The invitation e-mail's link: set a password, then two-factor sign-in. A link that is
    unknown, used, revoked or expired says so and changes nothing."""
    try:
        person = invitation_for(token).person
    except InvitationRefusedError as refusal:
        log_event("invitation_refused", request=request)
        return render(request, "accounts/invitation_accept.html", {"refused": str(refusal)})
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except InvitationRefusedError as refusal:
            return render(request, "accounts/invitation_accept.html", {"refused": str(refusal)})
        login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        log_event("invitation_accepted", request=request, username=person.get_username())
        messages.success(request, "Your password is set. Now set up two-factor sign-in.")
        return redirect("accounts:two-factor-setup")
    return render(request, "accounts/invitation_accept.html", {"form": form, "person": person})

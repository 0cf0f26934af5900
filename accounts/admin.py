"""People and agencies in the admin. The plan adds to these pages what it declares about them
(the roles people hold, the bodies they chair, an agency's roles): see actionplan/admin.py."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Agency, User
from accounts.security_log import log_user_event
from accounts.validators import RefuseControlCharactersAdminMixin

# What only a superuser may change: who is staff or superuser, and who holds which groups and
# permissions. Business support (staff with change_user) sees them, read-only.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(RefuseControlCharactersAdminMixin, DjangoUserAdmin):
    """People, for business support and superusers.

    A non-superuser may add people and edit ordinary people's details, but never grants
    privileges, never sets or resets another person's password, and never changes a staff or
    superuser account (its own included): otherwise business support could make itself
    superuser, or take over a superuser's account by setting its password.
    """

    list_display = ["username", "get_full_name", "email", "agency", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "agency"]
    list_select_related = ["agency"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["agency"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        ("In the partnership", {"fields": ["agency", "job_title"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]

    @admin.display(description="name")
    def get_full_name(self, user):
        return user.get_full_name()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # The password field links to the set-password form, which is for superusers only.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False
        return super().has_change_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form shows these read-only, so an honest post never carries them: one that does
        # is forged, and is refused (and logged as a refusal) rather than quietly ignored.
        if (
            request.method == "POST"
            and not request.user.is_superuser
            and any(field in request.POST for field in PRIVILEGE_FIELDS)
        ):
            raise PermissionDenied(
                "Only a superuser may change staff status, groups or permissions."
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser may set another person's password.")
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # set: back to the form
            target = self.get_object(request, unquote(id))
            log_user_event(request, "password_set_by_admin", target=target.get_username())
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = sorted(field for field in PRIVILEGE_FIELDS if field in form.changed_data)
        if changed:
            user = form.instance
            log_user_event(
                request,
                "privileges_changed",
                target=user.get_username(),
                changed=",".join(changed),
                is_staff=user.is_staff,
                is_superuser=user.is_superuser,
                groups=",".join(sorted(user.groups.values_list("name", flat=True))),
                permissions=",".join(
                    sorted(user.user_permissions.values_list("codename", flat=True))
                ),
            )


@admin.register(Agency)
class AgencyAdmin(RefuseControlCharactersAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(RefuseControlCharactersAdminMixin, DjangoGroupAdmin):
    pass


# django-otp's own admin pages show an authenticator's secret (its key and QR code), which
# nobody but its owner may see; a lost second factor is reset from the person's page in the
# app (accounts.views.two_factor_reset), which is logged.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

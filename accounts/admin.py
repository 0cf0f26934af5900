"""People and agencies in the admin. The plan adds to these pages what it declares about them
(the roles people hold, the bodies they chair, an agency's roles): see actionplan/admin.py."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Agency, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "get_full_name", "email", "agency", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "agency"]
    list_select_related = ["agency"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["agency", "roles", "chaired_bodies"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (
            "In the partnership",
            {"fields": ["agency", "job_title", "roles", "chaired_bodies"]},
        ),
        *DjangoUserAdmin.fieldsets[2:],
    ]

    @admin.display(description="name")
    def get_full_name(self, user):
        return user.get_full_name()

"""Kept Board packs, read-only: a pack is the record of what went to the Board."""

from django.contrib import admin

from reports.models import BoardPack


@admin.register(BoardPack)
class BoardPackAdmin(admin.ModelAdmin):
    list_display = ["period", "plan", "produced_by", "produced_at", "page_count", "size"]
    list_filter = ["plan", "quarter"]
    list_select_related = ["plan", "produced_by"]
    search_fields = ["quarter", "period", "sha256", "produced_by__username"]
    date_hierarchy = "produced_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

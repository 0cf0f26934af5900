"""Kept Board packs, read-only: a pack is the record of what went to the Board."""

from django.contrib import admin

from actionplan.admin_readonly import ReadOnlyAdminMixin
from reports.models import BoardPack, BoardPackRequest


@admin.register(BoardPack)
class BoardPackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period", "plan", "produced_by", "produced_at", "page_count", "size"]
    list_filter = ["plan", "quarter"]
    list_select_related = ["plan", "produced_by"]
    search_fields = ["quarter", "period", "sha256", "produced_by__username"]
    date_hierarchy = "produced_at"


@admin.register(BoardPackRequest)
class BoardPackRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the task worker alone moves a request along."""

    list_display = [
        "period",
        "plan",
        "requested_by",
        "requested_at",
        "status",
        "progress",
        "updated_at",
    ]
    list_filter = ["status", "plan"]
    list_select_related = ["plan", "requested_by"]
    date_hierarchy = "requested_at"

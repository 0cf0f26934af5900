"""For records the admin may show but never create, change or delete (status history, kept
Board packs): what went to the Board, and who said what when, is not edited after the fact."""


class ReadOnlyAdminMixin:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

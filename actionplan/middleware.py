"""Tell a person what changed for them since their last visit, on their next request."""

from django.contrib import messages

from actionplan.services import owner_change_notices_read


class OwnerChangeNoticeMiddleware:
    """Shows a person the notices waiting for them (an action became theirs to update, or
    stopped being theirs) as messages on the next page they open. Asks the database only when
    the person's has_unread_notices flag, read with the user, is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(request.user, "has_unread_notices", False):
            for notice in owner_change_notices_read(person=request.user):
                messages.info(request, notice.text())

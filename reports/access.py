"""Fetch Board packs for a request, or refuse: the views' one way in.

Who may do what is decided by accounts.permissions; this module only fetches and asks.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.permissions import can_produce_reports, is_business_support
from reports.models import BoardPack


def check_can_produce_reports(request) -> None:
    """Board packs are for business support and Board members only (else 403)."""
    if not can_produce_reports(request.user):
        raise PermissionDenied(
            "Only Board business support and Board members can produce or download Board packs."
        )


def check_is_business_support(request) -> None:
    """Business support's own start page is theirs alone (else 403)."""
    if not is_business_support(request.user):
        raise PermissionDenied("This page is for Board business support.")


def get_board_pack_for_download(request, pk: int) -> BoardPack:
    """A kept Board pack, if the user may download packs (else 403) and it exists (else 404).

    Asks permission first, so that people without it cannot learn which packs exist.
    """
    check_can_produce_reports(request)
    return get_object_or_404(BoardPack.objects.select_related("plan"), pk=pk)

"""Permission predicates for every template, so that templates ask them, never re-implement them."""

from functools import partial

from accounts.permissions import can_produce_reports, can_view_round_progress


def permissions(request):
    # Callables: a template calls one only where it asks, so a page that never asks pays nothing.
    return {
        "can_produce_reports": partial(can_produce_reports, request.user),
        "can_view_round_progress": partial(can_view_round_progress, request.user),
    }

"""Who may do what: the one place that decides. Views and templates ask these predicates.

- Read plans, actions and dashboards: every signed-in, active person of the partnership.
- Post a status update on an action: holders of one of its owner roles, chairs of its
  accountable body, and Board business support.
- Change the plan itself: business support, through the admin.
- Produce and download Board packs: business support and Board members.

An object that does not exist gives 404; one a person may read but not change gives 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from actionplan.models import Action
from reports.models import BoardPack

BUSINESS_SUPPORT_GROUP = "Board business support"
BOARD_MEMBER_GROUP = "Board members"


def _in_group(user, name: str) -> bool:
    # Cached per request object: templates ask the same question many times per page.
    cache = user.__dict__.setdefault("_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user.__dict__["_group_names"] = cache
    return name in cache


def is_business_support(user) -> bool:
    return user.is_active and (user.is_superuser or _in_group(user, BUSINESS_SUPPORT_GROUP))


def is_board_member(user) -> bool:
    return user.is_active and _in_group(user, BOARD_MEMBER_GROUP)


def can_view_plan(user) -> bool:
    return user.is_authenticated and user.is_active


def _ids_once(user, key: str, related) -> set[int]:
    """Ask the database once per request object: templates ask the same question many times."""
    if key not in user.__dict__:
        user.__dict__[key] = set(related.values_list("pk", flat=True))
    return user.__dict__[key]


def chaired_body_ids(user) -> set[int]:
    return _ids_once(user, "_chaired_body_ids", user.chaired_bodies)


def held_role_ids(user) -> set[int]:
    return _ids_once(user, "_held_role_ids", user.roles)


def is_chair(user) -> bool:
    """Chairs at least one accountable body: lands on, and has a link to, its dashboard."""
    return user.is_authenticated and user.is_active and bool(chaired_body_ids(user))


def chairs_body(user, body_id: int) -> bool:
    return user.is_authenticated and user.is_active and body_id in chaired_body_ids(user)


def can_update_action(user, action: Action) -> bool:
    """Owners (by role), chairs of the accountable body, and business support.

    Reads the action's owner links: prefetch them (Action.objects.for_list()) when asking in a
    list.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if is_business_support(user):
        return True
    if action.accountable_body_id in chaired_body_ids(user):
        return True
    roles = held_role_ids(user)
    return any(link.role_id in roles for link in action.owner_link_list())


def can_manage_plan(user) -> bool:
    return is_business_support(user)


def can_produce_reports(user) -> bool:
    return is_business_support(user) or is_board_member(user)


def check_can_produce_reports(request) -> None:
    """Board packs are for business support and Board members only (else 403)."""
    if not can_produce_reports(request.user):
        raise PermissionDenied(
            "Only Board business support and Board members can produce or download Board packs."
        )


def get_board_pack_for_download(request, pk: int) -> BoardPack:
    """A kept Board pack, if the user may download packs (else 403) and it exists (else 404).

    Asks permission first, so that people without it cannot learn which packs exist.
    """
    check_can_produce_reports(request)
    return get_object_or_404(BoardPack.objects.select_related("plan"), pk=pk)


def get_action_for_update(request, pk: int) -> Action:
    """The action, if it exists (else 404) and the user may update it (else 403)."""
    action = get_object_or_404(Action.objects.for_list(), pk=pk)
    if not can_update_action(request.user, action):
        raise PermissionDenied(
            "You cannot update this action: you do not own it or chair its body."
        )
    return action

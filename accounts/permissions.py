"""Who may do what: the one place that decides. Views and templates ask these predicates.

- Read plans, actions and dashboards: every signed-in, active person of the partnership.
- Post a status update on an action: holders of one of its owner roles, chairs of its
  accountable body, and Board business support.
- Revise an action's due date (with a reason): chairs of its accountable body and business
  support.
- Change the plan itself: business support, in the app (add, edit, retire and reinstate
  actions; add priorities and objectives: actionplan.plan_edits) and through the admin.
- A retired action is out of the plan: nobody posts updates on it (is_open_for_update).
- Produce and download Board packs: business support and Board members.
- Run reporting rounds (open, change scope, close): business support; follow a round's
  progress: business support and chairs. Sign off (approve or return) a round's returns: the
  chairs of each action's accountable body; business support may read the sign-off page.
- Sign in with a second factor: business support, Board members, staff and superusers always;
  everyone when MFA_REQUIRED_FOR_ALL is on. Business support may reset an ordinary person's
  second factor; a staff or superuser account's only a superuser may.

Pure predicates about a user and, where asked, an object. They import no other app's models:
each app fetches its own objects beside its views and asks these (actionplan/access.py,
reports/access.py). An object that does not exist gives 404; one a person may read but not
change gives 403.
"""

from dataclasses import dataclass, field

from django.conf import settings

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


def _ids_once(user, key: str, relation: str) -> set[int]:
    """Ask the database once per request object: templates ask the same question many times.
    The relation is named, not passed: making its manager costs some 0.1 ms, paid by every
    row of a list that asks (My actions asks of each card)."""
    if key not in user.__dict__:
        user.__dict__[key] = set(getattr(user, relation).values_list("pk", flat=True))
    return user.__dict__[key]


def chaired_body_ids(user) -> set[int]:
    return _ids_once(user, "_chaired_body_ids", "chaired_bodies")


def held_role_ids(user) -> set[int]:
    return _ids_once(user, "_held_role_ids", "roles")


def is_chair(user) -> bool:
    """Chairs at least one accountable body: lands on, and has a link to, its dashboard."""
    return user.is_authenticated and user.is_active and bool(chaired_body_ids(user))


def chairs_body(user, body_id: int) -> bool:
    return user.is_authenticated and user.is_active and body_id in chaired_body_ids(user)


@dataclass(frozen=True)
class UpdateGrounds:
    """What lets a person update actions: every action (business support), or those of the
    bodies they chair and of the owner roles they hold. can_update_action asks it of one
    action; actionplan's ActionQuerySet.updatable_by() turns it into a filter."""

    every_action: bool = False
    body_ids: set[int] = field(default_factory=set)
    role_ids: set[int] = field(default_factory=set)


def action_update_grounds(user) -> UpdateGrounds:
    """Owners (by role), chairs of the accountable body, and business support."""
    if not (user.is_authenticated and user.is_active):
        return UpdateGrounds()
    if is_business_support(user):
        return UpdateGrounds(every_action=True)
    return UpdateGrounds(body_ids=chaired_body_ids(user), role_ids=held_role_ids(user))


def is_open_for_update(action) -> bool:
    """Whether the action is still in the plan, so asked for updates: not retired. The one
    home of the rule: can_update_action and can_revise_due_date ask it, and actionplan's
    ActionQuerySet.current() is the same rule as a filter (updatable_by and My actions use it;
    a test checks they agree). Reads action.retired_on."""
    return action.retired_on is None


def can_update_action(user, action) -> bool:
    """Owners (by role), chairs of the accountable body, and business support
    (action_update_grounds), while the action is in the plan (is_open_for_update).

    `action` is an actionplan Action (read: accountable_body_id, retired_on,
    owner_link_list()). Reads its owner links: prefetch them (Action.objects.for_list()) when
    asking in a list.
    """
    if not is_open_for_update(action):
        return False
    grounds = action_update_grounds(user)
    if grounds.every_action or action.accountable_body_id in grounds.body_ids:
        return True
    return any(link.role_id in grounds.role_ids for link in action.owner_link_list())


def who_may_update_action(action) -> str:
    """The same rule in words, for someone who may not update `action`: whom to ask. Reads
    the action's owner links (with role and agency) and body: prefetch and join them."""
    owners = "; ".join(f"{role.title}, {role.agency.name}" for role in action.owner_roles())
    holders = f"the holders of its owner roles ({owners}), " if owners else ""
    return (
        f"Only {holders}the chairs of {action.accountable_body.name} and Board business "
        "support can update this action."
    )


def can_revise_due_date(user, action) -> bool:
    """Chairs of the action's accountable body and business support: re-baselining is the
    Board's decision, not the owner's. Never of a retired action. Reads
    action.accountable_body_id and retired_on."""
    if not (user.is_authenticated and user.is_active) or not is_open_for_update(action):
        return False
    return is_business_support(user) or action.accountable_body_id in chaired_body_ids(user)


def can_produce_reports(user) -> bool:
    return is_business_support(user) or is_board_member(user)


def can_import_plans(user) -> bool:
    """Bring a plan in from a spreadsheet or Word table (actionplan.importing)."""
    return is_business_support(user)


def can_edit_plan(user) -> bool:
    """Keep a plan current in the app: add, edit, retire and reinstate actions, add priorities
    and objectives (actionplan.plan_edits, docs/editing-a-plan.md)."""
    return is_business_support(user)


def can_quantify_measures(user) -> bool:
    """Give a plan's measures their numbers: unit, baseline, target (docs/measures.md)."""
    return is_business_support(user)


def can_manage_rounds(user) -> bool:
    return is_business_support(user)


def can_view_round_progress(user) -> bool:
    return is_business_support(user) or is_chair(user)


def can_sign_off_body(user, body_id: int) -> bool:
    """Approve or return the round returns of actions accountable to this body."""
    return chairs_body(user, body_id)


def must_use_two_factor(user) -> bool:
    """Whether this person may use the app only after a second factor (TOTP or recovery code)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        settings.MFA_REQUIRED_FOR_ALL
        or user.is_staff
        or user.is_superuser
        or is_business_support(user)
        or is_board_member(user)
    )


def can_reset_two_factor(user, person) -> bool:
    """Business support resets a lost second factor; never their own (that would let a stolen
    password replace it), and a staff or superuser account's only if they are a superuser."""
    if not is_business_support(user) or person.pk == user.pk:
        return False
    return user.is_superuser or not (person.is_staff or person.is_superuser)


# The only groups business support may give from the people pages: never staff, superuser,
# permissions or any other group (those stay with a superuser, in the admin).
ASSIGNABLE_GROUPS = (BUSINESS_SUPPORT_GROUP, BOARD_MEMBER_GROUP)


def can_manage_people(user) -> bool:
    """Invite people, and see the people list (business support)."""
    return is_business_support(user)


def can_change_person(user, person) -> bool:
    """Change a person's roles, bodies and group, deactivate or reactivate them, re-send or
    revoke their invitation. Never one's own account (a stolen session must not widen itself),
    and a staff or superuser account only if a superuser."""
    if not can_manage_people(user) or person.pk == user.pk:
        return False
    return user.is_superuser or not (person.is_staff or person.is_superuser)


def can_view_person(user, person) -> bool:
    """A person's page: their own, or anyone's for business support."""
    return user.is_authenticated and (person.pk == user.pk or can_manage_people(user))

"""Fetch the plan's objects for a request, or refuse: the views' one way in by id.

Who may do what is decided by accounts.permissions; this module only fetches and asks.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import (
    can_change_person,
    can_edit_plan,
    can_import_plans,
    can_manage_rounds,
    can_quantify_measures,
    can_revise_due_date,
    can_update_action,
    can_view_person,
    can_view_round_progress,
)
from actionplan.models import Action, Measure, Plan, PlanImport, ReportingRound


def get_action_for_update(request, pk: int) -> Action:
    """The action, if it exists (else 404) and the user may update it (else 403)."""
    action = get_object_or_404(Action.objects.for_list(), pk=pk)
    if not can_update_action(request.user, action):
        raise PermissionDenied(_why_not_update(action))
    return action


def _why_not_update(action: Action) -> str:
    if action.is_retired:
        return (
            f"Action {action.reference} was retired on {action.retired_on:%-d %B %Y}: it is "
            "no longer part of the plan, so it is not updated."
        )
    return "You cannot update this action: you do not own it or chair its body."


EDIT_REFUSED = "Plans are changed by Board business support."


def get_plan_to_edit(request, slug: str) -> Plan:
    """The plan (else 404), if the user may change plans (else 403)."""
    if not can_edit_plan(request.user):
        raise PermissionDenied(EDIT_REFUSED)
    return get_object_or_404(Plan, slug=slug)


def get_action_to_edit(request, pk: int) -> Action:
    """The action (else 404), with what the edit pages show, if the user may change plans
    (else 403)."""
    if not can_edit_plan(request.user):
        raise PermissionDenied(EDIT_REFUSED)
    actions = Action.objects.with_owners().select_related(
        "plan", "objective__priority", "accountable_body"
    )
    return get_object_or_404(actions.prefetch_related("measures", "related"), pk=pk)


def get_measure_to_quantify(request, pk: int) -> Measure:
    """The measure (else 404), if the user may quantify measures (else 403)."""
    if not can_quantify_measures(request.user):
        raise PermissionDenied("Measures are quantified by Board business support.")
    return get_object_or_404(Measure.objects.select_related("action"), pk=pk)


def get_plan_import(request, pk: int, *, committed: bool = False):
    """The user's own upload (else 404), pending and not expired, or with `committed` an import
    they made; only business support import plans (else 403)."""
    if not can_import_plans(request.user):
        raise PermissionDenied("Plans are imported by Board business support.")
    imports = PlanImport.objects.filter(uploaded_by=request.user)
    if committed:
        imports = imports.filter(state=PlanImport.State.COMMITTED).select_related("plan")
    else:
        imports = imports.pending(now=timezone.now())
    return get_object_or_404(imports, pk=pk)


def get_round(request, pk: int, *, manage: bool = False):
    """The reporting round, if it exists (else 404) and the user may follow its progress, or,
    with `manage`, run it (else 403)."""
    allowed = can_manage_rounds if manage else can_view_round_progress
    if not allowed(request.user):
        raise PermissionDenied("Reporting rounds are run by Board business support.")
    return get_object_or_404(ReportingRound.objects.select_related("plan", "opened_by"), pk=pk)


def get_action_for_due_date_revision(request, pk: int) -> Action:
    """The action, if it exists (else 404) and the user may revise its due date (else 403)."""
    action = get_object_or_404(Action.objects.for_list(), pk=pk)
    if not can_revise_due_date(request.user, action):
        raise PermissionDenied(
            _why_not_update(action)
            if action.is_retired
            else "You cannot revise this action's due date: only chairs of its accountable "
            "body and Board business support can."
        )
    return action


def get_person(request, pk: int, *, change: bool = False) -> User:
    """A person, if they exist and the user may see them (their own page, or business
    support: else 404), and, with `change`, change them (else 403)."""
    person = get_object_or_404(User.objects.select_related("agency"), pk=pk)
    if not can_view_person(request.user, person):
        raise Http404("No such person.")
    if change and not can_change_person(request.user, person):
        raise PermissionDenied(
            "You may not change this person: only a superuser changes a staff or superuser "
            "account, and nobody changes their own here."
        )
    return person

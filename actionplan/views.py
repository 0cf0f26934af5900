from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.permissions import can_update_action, get_action_for_update, held_role_ids
from actionplan import exports
from actionplan.forms import StatusUpdateForm
from actionplan.models import Action, Plan
from actionplan.services import StatusConflictError, status_update_create


def accessibility_statement(request):
    # Public: the footer links here from the sign-in page, and someone who cannot sign in must
    # still be able to find out how to report that.
    context = {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}
    return render(request, "actionplan/accessibility.html", context)


@login_required
def home(request):
    if held_role_ids(request.user):
        return redirect("actionplan:my-actions")
    return redirect("actionplan:plan-list")


@login_required
def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "actionplan/plan_list.html", {"plans": plans})


@login_required
def plan_detail(request, slug):
    plan = get_object_or_404(Plan, slug=slug)
    priorities = plan.priorities.prefetch_related("objectives")
    actions = Action.objects.filter(plan=plan).for_list()
    by_objective = {}
    for action in actions:
        by_objective.setdefault(action.objective_id, []).append(action)
    context = {
        "plan": plan,
        "priorities": priorities,
        "by_objective": by_objective,
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/plan_detail.html", context)


@login_required
def my_actions(request):
    actions = Action.objects.owned_by(request.user).for_list().order_by("due_date", "sort_key")
    context = {"actions": actions, "today": timezone.localdate()}
    return render(request, "actionplan/my_actions.html", context)


@login_required
def action_detail(request, pk):
    action = get_object_or_404(
        Action.objects.for_list()
        .select_related("plan")
        .prefetch_related("measures", "milestones", "related"),
        pk=pk,
    )
    context = {
        "action": action,
        "history": action.updates.for_history(),
        "can_update": can_update_action(request.user, action),
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/action_detail.html", context)


@login_required
def action_update(request, pk):
    action = get_action_for_update(request, pk)
    conflict = None
    if request.method == "POST":
        form = StatusUpdateForm(request.POST)
        if form.is_valid():
            try:
                status_update_create(
                    action=action,
                    author=request.user,
                    rag=form.cleaned_data["rag"],
                    commentary=form.cleaned_data["commentary"],
                    evidence_url=form.cleaned_data["evidence_url"],
                    expected_version=form.cleaned_data["version"],
                )
            except StatusConflictError as error:
                conflict = error.latest
                form = _form_after_conflict(request.POST, error.action.version)
            else:
                messages.success(request, f"Status of action {action.reference} saved.")
                return redirect(action)
    else:
        form = StatusUpdateForm(initial={"version": action.version, "rag": action.current_rag})
    context = {"action": action, "form": form, "conflict": conflict, "today": timezone.localdate()}
    return render(
        request, "actionplan/action_update.html", context, status=409 if conflict else 200
    )


def _form_after_conflict(data, version):
    """Keep what the person typed, but against the new version, so saving again is a choice."""
    data = data.copy()
    data["version"] = version
    return StatusUpdateForm(data)


@login_required
def plan_export(request, slug, fmt):
    if fmt not in exports.RENDERERS:
        raise Http404("Exports are CSV, XLSX or JSON.")
    plan = get_object_or_404(Plan, slug=slug)
    body = exports.render(Action.objects.filter(plan=plan).for_export(), fmt)
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[fmt])
    filename = f"{plan.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

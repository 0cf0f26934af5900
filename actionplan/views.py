from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from actionplan import exports
from actionplan.models import Action, Plan


@login_required
def home(request):
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
def action_detail(request, pk):
    action = get_object_or_404(
        Action.objects.for_list().prefetch_related("measures", "milestones", "related"), pk=pk
    )
    context = {"action": action, "today": timezone.localdate()}
    return render(request, "actionplan/action_detail.html", context)


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

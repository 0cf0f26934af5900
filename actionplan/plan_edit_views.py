"""Keeping a plan current in the app (docs/editing-a-plan.md): add, edit, retire and
reinstate actions; add priorities and objectives. Business support only (access.py asks
accounts.permissions.can_edit_plan); plan_edits writes, with who and why in history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from actionplan import plan_edits
from actionplan.access import get_action_to_edit, get_plan_to_edit
from actionplan.plan_edit_forms import (
    ActionForm,
    ObjectiveForm,
    PriorityForm,
    ReinstateForm,
    RetireForm,
)


def _posted(request):
    """The form's data: a POST with nothing in it is still a submission (its errors show)."""
    return request.POST if request.method == "POST" else None


def _errors_onto(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _written(form, write, **kwargs):
    """What the plan_edits write returns (never None), or None with the ValidationError it
    raised on the form."""
    try:
        return write(**kwargs)
    except ValidationError as error:
        _errors_onto(form, error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request, slug):
    plan = get_plan_to_edit(request, slug)
    initial = {"objective": request.GET.get("objective")} if request.method == "GET" else None
    form = ActionForm(_posted(request), plan=plan, initial=initial or {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = form.action_fields()
        action = _written(
            form, plan_edits.action_add, plan=plan, objective=fields.pop("objective"),
            fields=fields, by=request.user, reason=data["reason"], owners=data["owners"],
            measures=form.new_measures(), related=data["related"],
        )  # fmt: skip
        if action is not None:
            messages.success(request, f"Action {action.reference} is added to the plan.")
            return redirect(action)
    context = {"plan": plan, "form": form, "action": None}
    return render(request, "actionplan/action_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = get_action_to_edit(request, pk)
    form = ActionForm(_posted(request), plan=action.plan, action=action)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = _written(
            form, plan_edits.action_edit, action=action, fields=form.action_fields(),
            owners=data["owners"], measures=form.measure_texts(),
            added_measures=form.new_measures(), related=data["related"], by=request.user,
            reason=data["reason"],
        )  # fmt: skip
        if changed is not None:
            messages.success(request, _saved_message(action, changed))
            return redirect(action)
    context = {"plan": action.plan, "form": form, "action": action}
    return render(request, "actionplan/action_form.html", context)


def _saved_message(action, changed: list[str]) -> str:
    if not changed:
        return f"Nothing changed on action {action.reference}."
    what = changed[0] if len(changed) == 1 else ", ".join(changed[:-1]) + " and " + changed[-1]
    return f"Action {action.reference} saved: {what} changed."


@login_required
@require_http_methods(["GET", "POST"])
def action_retire(request, pk):
    """Retire in two steps: the date and reason, then a confirmation that says what retiring
    does (the button posts `confirm`)."""
    action = get_action_to_edit(request, pk)
    if action.is_retired:
        messages.info(request, f"Action {action.reference} is already retired.")
        return redirect(action)
    initial = {"retired_on": timezone.localdate()}
    form = RetireForm(_posted(request), initial=initial)
    confirming = request.method == "POST" and form.is_valid()
    if confirming and request.POST.get("confirm"):
        retired = _written(
            form, plan_edits.action_retire, action=action, on=form.cleaned_data["retired_on"],
            reason=form.cleaned_data["reason"], by=request.user,
        )  # fmt: skip
        if retired is not None:
            messages.success(
                request,
                f"Action {action.reference} is retired from {action.retired_on:%-d %B %Y}.",
            )
            return redirect(action)
        confirming = False
    context = {"action": action, "form": form, "confirming": confirming}
    return render(request, "actionplan/action_retire.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_reinstate(request, pk):
    action = get_action_to_edit(request, pk)
    if not action.is_retired:
        messages.info(request, f"Action {action.reference} is not retired.")
        return redirect(action)
    form = ReinstateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        reinstated = _written(
            form, plan_edits.action_reinstate, action=action,
            reason=form.cleaned_data["reason"], by=request.user,
        )  # fmt: skip
        if reinstated is not None:
            messages.success(request, f"Action {action.reference} is back in the plan.")
            return redirect(action)
    return render(request, "actionplan/action_reinstate.html", {"action": action, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def priority_add(request, slug):
    plan = get_plan_to_edit(request, slug)
    form = PriorityForm(_posted(request), plan=plan)
    if request.method == "POST" and form.is_valid():
        priority = _written(form, plan_edits.priority_add, plan=plan, by=request.user,
                            **form.cleaned_data)  # fmt: skip
        if priority is not None:
            messages.success(
                request, f"{plan.priority_label} {priority.number} is added to the plan."
            )
            return redirect(f"{plan.get_absolute_url()}#priority-{priority.number}")
    context = {"plan": plan, "form": form, "level": plan.priority_label}
    return render(request, "actionplan/heading_add.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_add(request, slug):
    plan = get_plan_to_edit(request, slug)
    form = ObjectiveForm(_posted(request), plan=plan)
    if request.method == "POST" and form.is_valid():
        objective = _written(form, plan_edits.objective_add, by=request.user, **form.cleaned_data)
        if objective is not None:
            messages.success(
                request, f"{plan.objective_label} {objective.number} is added to the plan."
            )
            return redirect(f"{plan.get_absolute_url()}#objective-{objective.pk}")
    context = {"plan": plan, "form": form, "level": plan.objective_label}
    return render(request, "actionplan/heading_add.html", context)

"""Importing a plan from a file: upload, column mapping, preview and confirmation
(docs/importing.md). Business support only; each upload is its uploader's alone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from accounts.permissions import can_import_plans
from accounts.security_log import log_user_event
from actionplan.access import get_plan_import
from actionplan.import_forms import MappingForm, MatchForm, UploadForm
from actionplan.importing.commit import (
    ImportBlockedError,
    plan_import_commit,
    plan_import_create,
    plan_import_decide,
    plan_import_map,
    preview,
    table_for,
)
from actionplan.importing.reading import ImportFileError
from actionplan.importing.revision import (
    GROUPS,
    plan_import_revise,
    revised_plan,
    revision_day,
    revision_for,
    revision_reason,
)


@login_required
def import_upload(request):
    if not can_import_plans(request.user):
        raise PermissionDenied("Plans are imported by Board business support.")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan_import = plan_import_create(
                name=upload.name, data=upload.read(), uploaded_by=request.user,
                revises=form.cleaned_data["revises"],
            )  # fmt: skip
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            log_user_event(
                request, "plan_upload", file=plan_import.file_name, sha256=plan_import.sha256
            )
            return redirect("actionplan:import-mapping", pk=plan_import.pk)
    return render(request, "actionplan/import_upload.html", {"form": form})


@login_required
def import_mapping(request, pk):
    plan_import = get_plan_import(request, pk)
    table = table_for(plan_import)
    initial = plan_import.details
    plan = revised_plan(plan_import)
    form = MappingForm(
        request.POST or None, table=table, mapping=plan_import.mapping, initial=initial,
        revising=plan is not None,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            plan_import_map(
                plan_import=plan_import,
                mapping=form.cleaned_data["mapping"],
                details={**plan_import.details, **form.details()},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("actionplan:import-preview", pk=plan_import.pk)
    context = {"plan_import": plan_import, "table": table, "form": form, "revised_plan": plan}
    return render(request, "actionplan/import_mapping.html", context)


@login_required
def import_preview(request, pk):
    plan_import = get_plan_import(request, pk)
    if not plan_import.details.get("slug"):
        return redirect("actionplan:import-mapping", pk=plan_import.pk)
    result = preview(plan_import)
    plan = revised_plan(plan_import)
    form = MatchForm(request.POST or None, plan_import=plan_import, result=result)
    if plan:
        form.add_revision_fields(plan_import, day=revision_day(plan_import),
                                 reason=revision_reason(plan_import))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        plan_import_decide(plan_import=plan_import, decisions=form.decisions())
        if request.POST.get("confirm"):
            return _commit(request, plan_import, form, plan)
        messages.success(request, "The preview shows your choices.")
        return redirect("actionplan:import-preview", pk=plan_import.pk)
    if plan:
        return _revision_page(request, plan_import, plan, result, form)
    return _preview_page(request, plan_import, result, form)


def _commit(request, plan_import, form, revised):
    try:
        if revised:
            plan_import_revise(plan_import=plan_import, user=request.user)
            plan = revised
        else:
            plan = plan_import_commit(plan_import=plan_import, user=request.user)
    except (ImportBlockedError, ValidationError) as error:
        message = (
            "The problems marked as stopping the import must be fixed in the file first."
            if isinstance(error, ImportBlockedError)
            else " ".join(getattr(error, "messages", [str(error)]))
        )
        form.add_error(None, message)
        if revised:
            return _revision_page(request, plan_import, revised, preview(plan_import), form)
        return _preview_page(request, plan_import, preview(plan_import), form)
    event = "plan_revision" if revised else "plan_import"
    log_user_event(request, event, plan=plan.slug, sha256=plan_import.sha256)
    messages.success(request, f"{plan.title} is {'revised' if revised else 'imported'}.")
    return redirect("actionplan:import-done", pk=plan_import.pk)


def _preview_page(request, plan_import, result, form):
    draft = result.draft
    actions = draft.actions
    context = {
        "plan_import": plan_import,
        "draft": draft,
        "form": form,
        "action_count": len(actions),
        "undated": sum(1 for a in actions if a.due is None),
        "owner_labels": {key: _owner_label(form, key) for key in draft.owners},
        "body_labels": {key: _body_label(form, key) for key in draft.bodies},
    }
    return render(request, "actionplan/import_preview.html", context)


def _revision_page(request, plan_import, plan, result, form):
    revision = revision_for(plan_import, plan, result)
    context = {
        "plan_import": plan_import,
        "plan": plan,
        "draft": result.draft,
        "revision": revision,
        "problems": result.draft.problems + revision.problems,
        "groups": [(kind, title, revision.groups[kind]) for kind, title in GROUPS.items()],
        "form": form,
        "owner_labels": {key: _owner_label(form, key) for key in result.draft.owners},
        "body_labels": {key: _body_label(form, key) for key in result.draft.bodies},
    }
    return render(request, "actionplan/import_revision.html", context)


def _owner_label(form, key) -> str:
    return _chosen_label(form, f"owner_{key}")


def _body_label(form, key) -> str:
    return _chosen_label(form, f"body_{key}")


def _chosen_label(form, name) -> str:
    field = form[name]
    value = field.value()
    return dict(field.field.choices).get(value, "")


@login_required
def import_done(request, pk):
    plan_import = get_plan_import(request, pk, committed=True)
    return render(request, "actionplan/import_done.html", {"plan_import": plan_import})

"""Reporting rounds' pages: business support open, scope and close a round; they and chairs
follow its progress (docs/rounds.md)."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import can_manage_rounds, can_view_round_progress
from actionplan import dashboards, rounds
from actionplan.access import get_round
from actionplan.exports import neutralise
from actionplan.models import ReportingRound, RoundAction
from actionplan.quarters import Quarter
from actionplan.round_forms import RoundOpenForm, RoundScopeForm


@login_required
def round_list(request):
    if not can_view_round_progress(request.user):
        raise PermissionDenied("Reporting rounds are followed by business support and chairs.")
    in_scope = Q(round_actions__removed_at__isnull=True)
    reporting_rounds = ReportingRound.objects.select_related("plan").annotate(
        total=Count("round_actions", filter=in_scope),
        received=Count(
            "round_actions", filter=in_scope & Q(round_actions__return_update__isnull=False)
        ),
    )
    context = {"rounds": reporting_rounds, "can_manage": can_manage_rounds(request.user)}
    return render(request, "actionplan/round_list.html", context)


@login_required
def round_open(request):
    if not can_manage_rounds(request.user):
        raise PermissionDenied("Reporting rounds are opened by Board business support.")
    today = timezone.localdate()
    form_kwargs = {"today": today, "quarters": dashboards.plan_quarters(today=today)}
    if request.method == "POST":
        form = RoundOpenForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                reporting_round = rounds.round_open(opened_by=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{reporting_round.quarter_name} round opened.")
                return redirect(reporting_round)
    else:
        form = RoundOpenForm(initial=_open_initial(today), **form_kwargs)
    return render(request, "actionplan/round_open.html", {"form": form})


def _open_initial(today) -> dict:
    """The quarter just ended, with its default deadline and sign-off date filled in."""
    quarter = Quarter.containing(today).previous()
    deadline = rounds.default_deadline(quarter)
    return {
        "quarter": quarter.slug,
        "deadline": deadline,
        "sign_off_date": rounds.default_sign_off_date(deadline),
    }


@login_required
def round_detail(request, pk):
    reporting_round = get_round(request, pk)
    can_manage = can_manage_rounds(request.user)
    context = {
        "round": reporting_round,
        "progress": rounds.round_progress(reporting_round),
        "can_manage": can_manage,
        "scope_form": RoundScopeForm(plan=reporting_round.plan) if can_manage else None,
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/round_detail.html", context)


@login_required
@require_POST
def round_scope(request, pk):
    reporting_round = get_round(request, pk, manage=True)
    form = RoundScopeForm(request.POST, plan=reporting_round.plan)
    if form.is_valid():
        action, change = form.cleaned_data["reference"], form.cleaned_data["change"]
        service = rounds.round_action_add if change == "add" else rounds.round_action_remove
        try:
            service(
                reporting_round=reporting_round, action=action, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            done = "added to" if change == "add" else "taken out of"
            messages.success(request, f"Action {action.reference} {done} the round.")
            return redirect(reporting_round)
    context = {
        "round": reporting_round,
        "progress": rounds.round_progress(reporting_round),
        "can_manage": True,
        "scope_form": form,
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/round_detail.html", context, status=400)


@login_required
def round_close(request, pk):
    reporting_round = get_round(request, pk, manage=True)
    if request.method == "POST":
        try:
            rounds.round_close(reporting_round=reporting_round)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{reporting_round.quarter_name} round closed.")
        return redirect(reporting_round)
    missing = (
        RoundAction.objects.filter(round=reporting_round)
        .outstanding()
        .select_related("action__accountable_body")
        .order_by("action__sort_key")
    )
    context = {
        "round": reporting_round,
        "missing": missing,
        "progress": rounds.round_progress(reporting_round),
    }
    return render(request, "actionplan/round_close.html", context)


EXPORT_COLUMNS = [
    "ref", "action", "accountable_body", "in_scope", "return", "late", "status",
    "returned_at", "sign_off",
]  # fmt: skip


@login_required
def round_export(request, pk):
    reporting_round = get_round(request, pk)
    entries = (
        RoundAction.objects.filter(round=reporting_round)
        .select_related("action__accountable_body", "return_update")
        .order_by("action__sort_key")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        writer.writerow([neutralise(str(value)) for value in _export_row(entry)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"round-{reporting_round.plan.slug}-{reporting_round.quarter}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export_row(entry: RoundAction) -> list:
    update = entry.return_update
    return [
        entry.action.reference,
        entry.action.description,
        entry.action.accountable_body.name,
        "yes" if entry.in_scope else f"no: {entry.removed_reason}",
        "received" if update else "outstanding",
        "yes" if entry.is_late else "no",
        update.get_rag_display() if update else "",
        timezone.localtime(update.created_at).strftime("%Y-%m-%d %H:%M") if update else "",
        entry.get_review_display() if update else "",
    ]

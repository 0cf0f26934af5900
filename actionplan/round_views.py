"""Reporting rounds' pages: business support open, scope and close a round; they and chairs
follow its progress (docs/rounds.md)."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import (
    can_manage_rounds,
    can_sign_off_body,
    can_view_round_progress,
    chaired_body_ids,
    is_business_support,
)
from actionplan import dashboards, rounds
from actionplan.access import get_round
from actionplan.exports import neutralise
from actionplan.models import ReportingRound, RoundAction, SignOff
from actionplan.quarters import Quarter
from actionplan.round_forms import ReturnToOwnerForm, RoundOpenForm, RoundScopeForm


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


# Sign-off ------------------------------------------------------------------------------------


def _sign_off_bodies(request) -> set[int] | None:
    """The bodies whose returns the person sees on the sign-off page: a chair's own (even if
    they are also business support), else every body for business support (read only)."""
    if chaired := chaired_body_ids(request.user):
        return chaired
    if is_business_support(request.user):
        return None
    raise PermissionDenied("Returns are signed off by the chair of each accountable body.")


@login_required
def round_sign_off(request, pk):
    """The chair's checklist: every return for their bodies' actions, and approve the ticked
    ones. Each tick carries the return the chair saw, so nothing is approved unseen."""
    reporting_round = get_round(request, pk)
    body_ids = _sign_off_bodies(request)
    entries = rounds.returns_for_sign_off(reporting_round, body_ids=body_ids)
    if request.method == "POST":
        if body_ids is None:
            raise PermissionDenied("Returns are signed off by the chair of each accountable body.")
        return _approve_ticked(request, reporting_round, entries)
    return _sign_off_page(request, reporting_round, entries, body_ids)


def _sign_off_page(request, reporting_round, entries, body_ids, *, forms=None, status=200):
    forms = forms or {}
    context = {
        "round": reporting_round,
        "rows": [(entry, forms.get(entry.pk)) for entry in entries],
        "can_decide": body_ids is not None and reporting_round.is_open,
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/round_sign_off.html", context, status=status)


def _approve_ticked(request, reporting_round, entries):
    seen = {}
    for value in request.POST.getlist("approve"):
        entry_id, _, update_id = value.partition(":")
        if entry_id.isdigit() and update_id.isdigit():
            seen[int(entry_id)] = int(update_id)
    chosen = [entry for entry in entries if entry.pk in seen]
    if not chosen:
        messages.error(request, "Tick the returns to sign off first.")
        return redirect("actionplan:round-sign-off", pk=reporting_round.pk)
    if not all(can_sign_off_body(request.user, e.action.accountable_body_id) for e in chosen):
        raise PermissionDenied("You can sign off only your own bodies' returns.")
    approved, refused = rounds.sign_off_approve_many(
        entries=chosen, decided_by=request.user, seen=seen
    )
    if approved:
        refs = ", ".join(entry.action.reference for entry in approved)
        messages.success(request, f"Signed off: {refs}.")
    for reason in refused:
        messages.error(request, f"Not signed off: {reason}")
    return redirect("actionplan:round-sign-off", pk=reporting_round.pk)


@login_required
@require_POST
def round_sign_off_return(request, pk, entry_pk):
    reporting_round = get_round(request, pk)
    entry = get_object_or_404(
        RoundAction.objects.select_related("action"), pk=entry_pk, round=reporting_round
    )
    if not can_sign_off_body(request.user, entry.action.accountable_body_id):
        raise PermissionDenied("Returns are signed off by the chair of the accountable body.")
    form = ReturnToOwnerForm(request.POST, auto_id=f"return-{entry.pk}-%s")
    if form.is_valid():
        try:
            rounds.sign_off_create(
                entry=entry,
                decided_by=request.user,
                decision=SignOff.Decision.RETURNED,
                seen_update_id=form.cleaned_data["update"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Action {entry.action.reference} returned to its owner, who is e-mailed."
            )
            return redirect("actionplan:round-sign-off", pk=reporting_round.pk)
    body_ids = _sign_off_bodies(request)
    entries = rounds.returns_for_sign_off(reporting_round, body_ids=body_ids)
    return _sign_off_page(
        request, reporting_round, entries, body_ids, forms={entry.pk: form}, status=400
    )

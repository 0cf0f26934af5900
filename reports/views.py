import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.security_log import log_user_event
from actionplan.dashboards import current_reporting_quarter
from actionplan.models import Action, Plan
from reports.access import (
    check_can_produce_reports,
    check_is_business_support,
    get_board_pack_for_download,
)
from reports.forms import BoardPackForm
from reports.models import BoardPack, BoardPackRequest, PackIntegrityError
from reports.services import (
    PackAlreadyPendingError,
    PackQueueFullError,
    board_pack_html,
    board_pack_request_create,
)

security_log = logging.getLogger("actionplan.security")
# How long a failed request stays on the pack list.
FAILURES_SHOWN_FOR = timedelta(days=7)
# How often the list reloads itself while a pack is queued or rendering.
REFRESH_SECONDS = 3


@login_required
@require_GET
def support_home(request):
    """Board business support's start page: their own work (Board packs, the plan and the
    people who update it), where others land on dashboards or their actions."""
    check_is_business_support(request)
    quarter = current_reporting_quarter(today=timezone.localdate())
    needing = Action.objects.current().needing_update(quarter=quarter).values("plan_id")
    needing = dict(needing.annotate(count=Count("pk")).values_list("plan_id", "count"))
    plans = list(Plan.objects.annotate(action_count=Count("actions")))
    for plan in plans:
        plan.needing_update = needing.get(plan.pk, 0)
    context = {
        "latest_pack": BoardPack.objects.for_list().first(),
        "packs_pending": BoardPackRequest.objects.filter(
            status__in=BoardPackRequest.PENDING
        ).count(),
        "plans": plans,
        "people": User.objects.filter(is_active=True).count(),
        "quarter": quarter,
    }
    return render(request, "reports/support_home.html", context)


@login_required
@require_GET
def pack_list(request):
    """Kept packs, and above them the packs still being produced (or that failed lately)."""
    check_can_produce_reports(request)
    now = timezone.now()
    requests = list(BoardPackRequest.objects.outstanding(since=now - FAILURES_SHOWN_FOR, now=now))
    # A stalled pack will never finish: reloading for it would go on for ever. (It is marked
    # failed by the next worker or by reap_board_packs, never by this page.)
    awaited = any(r.pending and not r.stalled for r in requests)
    context = {
        "packs": BoardPack.objects.for_list(),
        "requests": requests,
        "refresh_seconds": REFRESH_SECONDS if awaited else None,
    }
    return render(request, "reports/pack_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pack_new(request):
    """Choose a plan and quarter; then preview the pack, or queue the PDF to be produced in
    the background (the pack list shows its progress)."""
    check_can_produce_reports(request)
    today = timezone.localdate()
    if request.method == "POST":
        form = BoardPackForm(request.POST, today=today)
        if form.is_valid():
            plan, quarter = form.cleaned_data["plan"], form.cleaned_data["quarter"]
            if "preview" in request.POST:
                query = urlencode({"plan": plan.slug, "quarter": quarter.slug})
                return redirect(f"{reverse('reports:pack-preview')}?{query}")
            try:
                pack_request = board_pack_request_create(
                    plan=plan, quarter=quarter, requested_by=request.user
                )
            except PackAlreadyPendingError as pending:
                messages.info(
                    request,
                    f"The Board pack for {pending.pending.period} is already being produced: "
                    "it is in the list below, and appears there when it is ready.",
                )
                return redirect("reports:pack-list")
            except PackQueueFullError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    f"Board pack for {pack_request.period} queued. It is produced in the "
                    "background and appears in the list below when it is ready.",
                )
                return redirect("reports:pack-list")
    else:
        initial = request.GET or BoardPackForm.initial_for(today=today)
        form = BoardPackForm(initial or None, today=today)
    return render(request, "reports/pack_new.html", {"form": form})


@never_cache
@login_required
@require_GET
def pack_preview(request):
    """The pack as a web page, from the same template as the PDF. Nothing is kept."""
    check_can_produce_reports(request)
    form = BoardPackForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "reports/pack_new.html", {"form": form}, status=400)
    plan, quarter = form.cleaned_data["plan"], form.cleaned_data["quarter"]
    log_user_event(request, "pack_preview", plan=plan.slug, quarter=quarter.slug)
    html = board_pack_html(
        plan=plan,
        quarter=quarter,
        produced_by=request.user,
        produced_at=timezone.now(),
        preview=True,
    )
    return HttpResponse(html)


@never_cache
@login_required
@require_GET
def pack_download(request, pk):
    """The kept PDF, byte for byte as produced."""
    pack = get_board_pack_for_download(request, pk)
    try:
        content = pack.read_verified()
    except PackIntegrityError:
        security_log.error("Board pack %s: file does not match its SHA-256", pack.pk)
        raise
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack.download_name}"'
    log_user_event(
        request, "pack_download", pack=pack.pk, plan=pack.plan.slug, quarter=pack.quarter
    )
    return response

"""Producing Board packs. Views and the board_pack command call these; nothing else writes packs."""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.permissions import can_produce_reports
from actionplan.models import Plan
from actionplan.quarters import Quarter
from actionplan.rag import LEVELS, OVERDUE_DEFINITION
from reports.models import BoardPack, BoardPackRequest
from reports.packs import BoardPackData, build_pack_data, summary_blocks
from reports.parallel import PackPart, available_cores, render_joined, split_pack
from reports.pdf import PackRenderError, RenderedPdf, render_pdf

PACK_TEMPLATE = "reports/pdf/pack.html"
STAMP_TEMPLATE = "reports/pdf/stamp.html"
STALLED_MESSAGE = (
    "The pack worker stopped while producing this pack, so it was not produced. Produce it again."
)
logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


class PackAlreadyPendingError(Exception):
    """A pack for this plan and quarter is already queued or rendering: `pending`."""

    def __init__(self, pending: BoardPackRequest):
        super().__init__(f"A pack for {pending.period} is already being produced.")
        self.pending = pending


class PackQueueFullError(Exception):
    """The person already has PACK_PENDING_PER_PERSON requests queued or rendering."""


class RequestNotRenderingError(Exception):
    """A worker finished a pack whose request is no longer rendering: marked failed as stalled
    (board_pack_requests_reap) while the worker, slower than that allowed, went on."""


def _no_progress(message: str) -> None:
    pass


def board_pack_html(
    *, plan: Plan, quarter: Quarter, produced_by, produced_at: datetime, preview: bool = False
) -> str:
    """The pack as one HTML document: what the PDF is printed from, and the browser preview.

    A preview holds only the first PACK_PREVIEW_ACTIONS rows of each of the pack's lists
    (summary lists, exceptions, detail), so that anyone allowed to ask for one cannot make the
    server lay out a whole large plan on every request; the PDF holds them all.
    """
    data = build_pack_data(plan=plan, quarter=quarter, today=timezone.localdate(produced_at))
    people = {"produced_by": produced_by, "produced_at": produced_at}
    if not preview:
        return _render_html(data, **people)
    limit = settings.PACK_PREVIEW_ACTIONS
    return _render_html(
        data, **people, preview=True, part=_preview_part(data, limit), preview_limit=limit
    )


def _preview_part(data: BoardPackData, limit: int) -> PackPart:
    """The whole pack, each list cut to its first `limit` rows (as the parallel path cuts it
    into pieces: the first piece of each)."""
    pieces = split_pack(data, chunk=limit, summary_rows=limit)
    first = {}
    for piece in pieces:
        first.setdefault(piece.sections[0], piece)
    summary = first["summary"].summary
    return PackPart(
        ALL_SECTIONS,
        summary=None if summary is None else [b for b in summary if b.starts],
        exceptions=first["exceptions"].exceptions,
        priorities=first["detail"].priorities if "detail" in first else [],
        measures=first["measures"].measures,
    )


ALL_SECTIONS = ["cover", "contents", "summary", "exceptions", "detail", "measures", "appendix"]


def _render_html(
    data: BoardPackData,
    *,
    produced_by,
    produced_at,
    preview=False,
    part: PackPart | None = None,
    toc_pages: dict[str, int] | None = None,
    preview_limit: int | None = None,
) -> str:
    """The whole pack, or one `part` of it (reports/parallel.py) whose contents, if it has
    them, give `toc_pages` (anchor -> page number) rather than asking WeasyPrint."""
    piece = part or PackPart(ALL_SECTIONS)
    context = {
        "pack": data,
        "plan": data.plan,
        "marking": settings.PROTECTIVE_MARKING,
        "produced_by": produced_by,
        "produced_at": produced_at,
        "rag_levels": LEVELS,
        "overdue_definition": OVERDUE_DEFINITION,
        "chart_rows": [*(section.counts for section in data.priorities), data.counts],
        "time_zone": settings.TIME_ZONE,
        "preview": preview,
        "preview_limit": preview_limit,
        "part": part is not None,
        "sections": [f"reports/pdf/_{name}.html" for name in piece.sections],
        "summary_blocks": summary_blocks(data) if piece.summary is None else piece.summary,
        "summary_heading": piece.first,
        "exception_items": data.exceptions if piece.exceptions is None else piece.exceptions,
        "exceptions_heading": piece.first,
        "detail_priorities": data.priorities if piece.priorities is None else piece.priorities,
        "detail_heading": piece.first,
        "measure_items": data.measures if piece.measures is None else piece.measures,
        "measures_heading": piece.first,
        "toc_pages": toc_pages,
    }
    return render_to_string(PACK_TEMPLATE, context)


def _render_stamp(data: BoardPackData, first_page: int, page_count: int, total_pages: int):
    context = {
        "pack": data,
        "plan": data.plan,
        "marking": settings.PROTECTIVE_MARKING,
        "first_page": first_page,
        "last_page": first_page + page_count - 1,
        "total_pages": total_pages,
        "pages": range(page_count - 1),
    }
    return render_to_string(STAMP_TEMPLATE, context)


def pack_workers(action_count: int) -> int:
    """How many processes lay out a pack of `action_count` actions: one (this one), unless the
    pack has PACK_PARALLEL_MIN_ACTIONS actions or more (one process would keep people waiting
    on the pack list for a minute or more) and there are two cores or more; then PACK_WORKERS
    (0: one per core)."""
    workers = settings.PACK_WORKERS or available_cores()
    if workers < 2 or action_count < settings.PACK_PARALLEL_MIN_ACTIONS:
        return 1
    return workers


def render_pack_pdf(
    data: BoardPackData, *, produced_by, produced_at, progress: Progress = _no_progress
) -> RenderedPdf:
    """The pack as a tagged PDF, laid out in this process; or, for a plan of at least
    PACK_PARALLEL_MIN_ACTIONS actions where there are two cores or more, in parts laid out in
    parallel and joined (reports/parallel.py)."""
    people = {"produced_by": produced_by, "produced_at": produced_at}
    workers = pack_workers(len(data.actions))
    if workers == 1:
        return render_pdf(_render_html(data, **people), progress=progress)
    progress("Preparing the parts of the pack")
    return render_joined(
        front=lambda toc: _render_html(
            data, **people, part=PackPart(["cover", "contents"]), toc_pages=toc
        ),
        parts=[_render_html(data, **people, part=part) for part in split_pack(data)],
        stamp=lambda first, count, total: _render_stamp(data, first, count, total),
        progress=progress,
        workers=workers,
    )


def board_pack_create(
    *,
    plan: Plan,
    quarter: Quarter,
    produced_by,
    progress: Progress = _no_progress,
    request: BoardPackRequest | None = None,
) -> BoardPack:
    """Render the pack as a PDF and keep it, with its fingerprint, for good.

    Reading and rendering run outside any transaction on purpose: rendering takes seconds, and
    an open transaction would hold SQLite's database lock, and so block every status update,
    all that time. The keeping is atomic (_board_pack_keep), and marks `request` ready in the
    same transaction, or keeps nothing if it is no longer rendering (marked failed as stalled).
    `progress` is told, in words, how far the rendering has got.
    """
    produced_at = timezone.now()
    progress("Reading the plan's statuses")
    data = build_pack_data(plan=plan, quarter=quarter, today=timezone.localdate(produced_at))
    pdf = render_pack_pdf(data, produced_by=produced_by, produced_at=produced_at, progress=progress)
    progress("Keeping the PDF")
    return _board_pack_keep(
        data, pdf, produced_by=produced_by, produced_at=produced_at, request=request
    )


def _board_pack_keep(
    data: BoardPackData, pdf: RenderedPdf, *, produced_by, produced_at, request=None
):
    """Write the file, then the row in a transaction; if the row cannot be saved or committed,
    delete the file again, so that a failure leaves neither a row nor a stray file. (A caller
    that wraps this in its own transaction and then rolls back would leave the file: call
    board_pack_create on its own.)
    """
    sha256 = hashlib.sha256(pdf.content).hexdigest()
    storage = BoardPack._meta.get_field("file").storage
    stamp = f"{timezone.localtime(produced_at):%Y%m%d-%H%M%S}"
    name = storage.save(
        f"packs/{data.plan.slug}/{data.quarter.slug}-{stamp}-{sha256[:12]}.pdf",
        ContentFile(pdf.content),
    )
    try:
        with transaction.atomic():
            pack = BoardPack.objects.create(
                plan=data.plan,
                quarter=data.quarter.slug,
                period=data.quarter.label,
                as_of=data.as_of,
                protective_marking=settings.PROTECTIVE_MARKING,
                produced_by=produced_by,
                produced_at=produced_at,
                file=name,
                sha256=sha256,
                page_count=pdf.page_count,
                size=len(pdf.content),
            )
            ready = {"status": BoardPackRequest.Status.READY, "pack": pack}
            if request is not None and not _request_update(request, **ready):
                raise RequestNotRenderingError(
                    f"Board pack request {request.pk} was marked failed as stalled before its "
                    "pack was kept, so the pack was not kept: raise PACK_STALLED_AFTER above "
                    "the longest step of a render."
                )
    except BaseException:
        storage.delete(name)
        raise
    return pack


@transaction.atomic
def board_pack_request_create(*, plan: Plan, quarter: Quarter, requested_by) -> BoardPackRequest:
    """Queue a pack to be produced in the background (reports.tasks.produce_board_pack).

    The queue is bounded: PackAlreadyPendingError if a pack for this plan and quarter is
    already queued or rendering (its worker alive), PackQueueFullError if the person already
    has PACK_PENDING_PER_PERSON such requests. The plan's and the person's rows are locked
    first, so two requests at once are checked one after the other. The task is enqueued only
    once this transaction commits, so the worker always finds the request it is given.
    """
    from reports.tasks import produce_board_pack  # the task module imports this one

    now = timezone.now()
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    get_user_model().objects.select_for_update().filter(pk=requested_by.pk).first()
    pending = BoardPackRequest.objects.filter(status__in=BoardPackRequest.PENDING).exclude(
        pk__in=BoardPackRequest.objects.stalled(now=now).values("pk")
    )
    if same := pending.filter(plan=plan, quarter=quarter.slug).order_by("requested_at").first():
        raise PackAlreadyPendingError(same)
    if pending.filter(requested_by=requested_by).count() >= settings.PACK_PENDING_PER_PERSON:
        raise PackQueueFullError(
            f"You already have {settings.PACK_PENDING_PER_PERSON} Board packs waiting to be "
            "produced. Wait for one of them to be ready, then ask again."
        )
    request = BoardPackRequest.objects.create(
        plan=plan, quarter=quarter.slug, period=quarter.label, requested_by=requested_by
    )
    transaction.on_commit(lambda: produce_board_pack.enqueue(request.pk))
    return request


def board_pack_request_run(*, request_id: int) -> BoardPack | None:
    """Produce the pack a request asks for, recording progress and the outcome on it.

    Only a queued request is run (a second delivery of the same task does nothing). On any
    failure the request is marked failed with a message for people, no pack row or file is
    left (board_pack_create sees to that), and the error is raised again for the worker's log.
    First it marks failed any request whose worker has stopped: a live worker clears up after
    a dead one.
    """
    board_pack_requests_reap(now=timezone.now())
    claimed = BoardPackRequest.objects.filter(
        pk=request_id, status=BoardPackRequest.Status.QUEUED
    ).update(
        status=BoardPackRequest.Status.RENDERING, progress="Starting", updated_at=timezone.now()
    )
    if not claimed:
        return None
    request = BoardPackRequest.objects.select_related("plan", "requested_by").get(pk=request_id)
    try:
        if not can_produce_reports(request.requested_by):
            raise PermissionError(
                f"{request.requested_by} may no longer produce Board packs, so this one was "
                "not produced."
            )
        return board_pack_create(
            plan=request.plan,
            quarter=Quarter.parse(request.quarter),
            produced_by=request.requested_by,
            progress=lambda message: _request_update(request, progress=message),
            request=request,
        )
    except BaseException as error:
        _request_update(
            request, status=BoardPackRequest.Status.FAILED, error=_failure_message(error)
        )
        raise


def board_pack_requests_reap(*, now: datetime) -> int:
    """Mark failed every request whose worker has stopped (BoardPackRequestQuerySet.stalled),
    telling people to produce it again; return how many. One UPDATE, so atomic of itself, and
    a request whose worker reports progress meanwhile is no longer matched by it.

    There is nothing else to clear: a request has a kept pack only once it is ready (the
    model's constraint), and a pack's file is kept only with its row (_board_pack_keep).
    """
    reaped = BoardPackRequest.objects.stalled(now=now).update(
        status=BoardPackRequest.Status.FAILED,
        error=STALLED_MESSAGE,
        progress="",
        finished_at=now,
        updated_at=now,
    )
    if reaped:
        logger.warning("Marked %d stalled Board pack request(s) failed", reaped)
    return reaped


def _failure_message(error: BaseException) -> str:
    if isinstance(error, PackRenderError | PermissionError):
        return str(error)[:500]
    logger.exception("Board pack request failed")
    return "Producing the pack failed unexpectedly. The error has been logged for the team."


def _request_update(request: BoardPackRequest, **fields) -> bool:
    """Record progress or an outcome. Called outside any transaction, each update commits at
    once, so that the pack list shows it while the rendering goes on. Each also moves the
    request's heartbeat, updated_at (.update() skips auto_now, so it is set here).

    Only a rendering request is changed, and so False is returned for one already marked
    failed as stalled: people were told to produce it again, so it stays failed.
    """
    fields["updated_at"] = timezone.now()
    if fields.get("status") in (BoardPackRequest.Status.READY, BoardPackRequest.Status.FAILED):
        fields["finished_at"] = fields["updated_at"]
        fields.setdefault("progress", "")
    rendering = BoardPackRequest.objects.filter(
        pk=request.pk, status=BoardPackRequest.Status.RENDERING
    )
    return bool(rendering.update(**fields))

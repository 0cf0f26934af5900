"""Producing Board packs. Views and the board_pack command call these; nothing else writes packs."""

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from actionplan.models import Plan
from actionplan.quarters import Quarter
from reports.models import BoardPack
from reports.packs import RAG_COLUMNS, BoardPackData, build_pack_data
from reports.pdf import RenderedPdf, render_pdf

PACK_TEMPLATE = "reports/pdf/pack.html"


def board_pack_html(
    *, plan: Plan, quarter: Quarter, produced_by, produced_at: datetime, preview: bool = False
) -> str:
    """The pack as one HTML document: what the PDF is printed from, and the browser preview."""
    data = build_pack_data(plan=plan, quarter=quarter, today=timezone.localdate(produced_at))
    return _render_html(data, produced_by=produced_by, produced_at=produced_at, preview=preview)


def _render_html(data: BoardPackData, *, produced_by, produced_at, preview=False) -> str:
    context = {
        "pack": data,
        "plan": data.plan,
        "marking": settings.PROTECTIVE_MARKING,
        "produced_by": produced_by,
        "produced_at": produced_at,
        "rag_columns": RAG_COLUMNS,
        "chart_rows": [*(section.counts for section in data.priorities), data.counts],
        "time_zone": settings.TIME_ZONE,
        "preview": preview,
    }
    return render_to_string(PACK_TEMPLATE, context)


def board_pack_create(*, plan: Plan, quarter: Quarter, produced_by) -> BoardPack:
    """Render the pack as a PDF and keep it, with its fingerprint, for good.

    Reading and rendering run outside any transaction on purpose: rendering takes seconds, and
    an open transaction would hold SQLite's database lock, and so block every status update,
    all that time. The keeping is atomic (_board_pack_keep).
    """
    produced_at = timezone.now()
    data = build_pack_data(plan=plan, quarter=quarter, today=timezone.localdate(produced_at))
    pdf = render_pdf(_render_html(data, produced_by=produced_by, produced_at=produced_at))
    return _board_pack_keep(data, pdf, produced_by=produced_by, produced_at=produced_at)


def _board_pack_keep(data: BoardPackData, pdf: RenderedPdf, *, produced_by, produced_at):
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
    except BaseException:
        storage.delete(name)
        raise
    return pack

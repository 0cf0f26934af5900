"""Board packs: every PDF produced for a Board meeting, kept exactly as it was sent."""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Plan


class PackIntegrityError(Exception):
    """A kept pack's file no longer matches the fingerprint taken when it was produced."""


class BoardPackQuerySet(models.QuerySet):
    def for_list(self):
        """Everything the pack list shows: plan and producer joined, newest first."""
        return self.select_related("plan", "produced_by").order_by("-produced_at", "-pk")


class BoardPack(models.Model):
    """One produced pack. Never changed or deleted: it is the record of what the Board saw."""

    plan = models.ForeignKey(Plan, models.PROTECT, related_name="board_packs", verbose_name="plan")
    quarter = models.CharField(
        "quarter", max_length=7, help_text="Financial-year quarter, e.g. 2015-Q3."
    )
    period = models.CharField(
        "reporting period", max_length=100, help_text="As printed on the cover."
    )
    as_of = models.DateField("statuses as of")
    protective_marking = models.CharField("protective marking", max_length=60)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="board_packs",
        verbose_name="produced by",
    )
    produced_at = models.DateTimeField("produced at", default=timezone.now)
    file = models.FileField("PDF file", upload_to="packs/", max_length=200)
    sha256 = models.CharField("SHA-256 fingerprint", max_length=64)
    page_count = models.PositiveIntegerField("pages")
    size = models.PositiveIntegerField("size in bytes")

    objects = BoardPackQuerySet.as_manager()

    class Meta:
        ordering = ["-produced_at", "-pk"]
        verbose_name = "Board pack"
        indexes = [
            # The pack list: newest first.
            models.Index(fields=["-produced_at"], name="reports_boardpack_produced"),
        ]

    def __str__(self):
        return f"{self.plan.title}: {self.period} ({self.produced_at:%d %b %Y %H:%M})"

    def get_absolute_url(self):
        return reverse("reports:pack-download", kwargs={"pk": self.pk})

    @property
    def download_name(self) -> str:
        return f"{self.plan.slug}-board-pack-{self.quarter}.pdf"

    def read_verified(self) -> bytes:
        """The kept bytes, refusing to hand out a file that is not the one produced."""
        with self.file.open("rb") as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != self.sha256:
            raise PackIntegrityError(f"Board pack {self.pk}: the kept file has changed.")
        return content


def _quiet(now: datetime) -> models.Q:
    """Nothing has changed on the request, not even its progress, for more than
    PACK_STALLED_AFTER seconds before `now`."""
    return models.Q(updated_at__lt=now - timedelta(seconds=settings.PACK_STALLED_AFTER))


def _stalled(now: datetime) -> models.Q:
    return _quiet(now) & models.Q(status=BoardPackRequest.Status.RENDERING)


def _flag(condition: models.Q) -> models.ExpressionWrapper:
    return models.ExpressionWrapper(condition, output_field=models.BooleanField())


class BoardPackRequestQuerySet(models.QuerySet):
    def outstanding(self, *, since, now):
        """What the pack list shows above the kept packs: every request still queued or
        rendering, and those that failed since `since`, newest first. Each is annotated
        `stalled` (see stalled()) and `waiting_long`: queued, with no worker taking it up, for
        more than PACK_STALLED_AFTER seconds, as when none is running."""
        pending = models.Q(status__in=BoardPackRequest.PENDING)
        failed = models.Q(status=BoardPackRequest.Status.FAILED, requested_at__gte=since)
        return (
            self.filter(pending | failed)
            .annotate(
                stalled=_flag(_stalled(now)),
                waiting_long=_flag(_quiet(now) & models.Q(status=BoardPackRequest.Status.QUEUED)),
            )
            .select_related("plan", "requested_by")
            .order_by("-requested_at", "-pk")
        )

    def stalled(self, *, now):
        """Requests whose worker has stopped (killed, out of memory, the machine restarted):
        rendering, with no heartbeat (updated_at) for more than PACK_STALLED_AFTER seconds.
        The one place that decides it (outstanding() annotates the same condition);
        board_pack_requests_reap marks them failed."""
        return self.filter(_stalled(now))


class BoardPackRequest(models.Model):
    """A pack someone asked for, produced in the background by the task worker.

    The kept BoardPack is written only when the PDF is complete; until then (and if producing
    it fails) this row is all there is, so a pack is never half-written.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    PENDING = [Status.QUEUED, Status.RENDERING]

    plan = models.ForeignKey(
        Plan, models.PROTECT, related_name="board_pack_requests", verbose_name="plan"
    )
    quarter = models.CharField("quarter", max_length=7)
    period = models.CharField("reporting period", max_length=100)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="board_pack_requests",
        verbose_name="requested by",
    )
    requested_at = models.DateTimeField("requested at", default=timezone.now)
    status = models.CharField("status", max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.CharField("progress", max_length=200, blank=True)
    # The worker's heartbeat: set on every change (services._request_update), so a request
    # rendering with no change for a long while has lost its worker.
    updated_at = models.DateTimeField("updated at", default=timezone.now)
    error = models.CharField("what went wrong", max_length=500, blank=True)
    finished_at = models.DateTimeField("finished at", null=True, blank=True)
    pack = models.OneToOneField(
        BoardPack,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name="kept pack",
    )

    objects = BoardPackRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "Board pack request"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="ready", pack__isnull=False)
                | (~models.Q(status="ready") & models.Q(pack__isnull=True)),
                name="reports_boardpackrequest_pack_iff_ready",
                violation_error_message="A request has a kept pack exactly when it is ready.",
            ),
        ]
        indexes = [
            # The pack list: requests still pending, and recent failures.
            models.Index(fields=["status", "-requested_at"], name="reports_packrequest_status"),
        ]

    def __str__(self):
        return f"{self.plan.title}: {self.period} ({self.get_status_display()})"

    @property
    def pending(self) -> bool:
        return self.status in self.PENDING

"""Imports of a plan from a file (docs/importing.md). Imported by actionplan.models, so these
are the actionplan app's models.

A PlanImport is first pending: the uploaded file's rows, read once and held here as JSON (never
sent to the browser and back), with the person's column mapping and matches; only its uploader
may see or confirm it, and it is deleted once IMPORT_PENDING_HOURS have passed. Confirmed, it
becomes the record of the import: who, when, the file's name and SHA-256, and what was made.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Plan


def _expiry():
    return timezone.now() + timedelta(hours=settings.IMPORT_PENDING_HOURS)


class PlanImportQuerySet(models.QuerySet):
    def pending(self, *, now):
        """Uploads still waiting for their confirmation, not yet expired."""
        return self.filter(state=PlanImport.State.PENDING, expires_at__gt=now)

    def expired(self, *, now):
        return self.filter(state=PlanImport.State.PENDING, expires_at__lte=now)


class PlanImport(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        COMMITTED = "committed", "Imported"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_imports",
        verbose_name="uploaded by",
        help_text="Empty for an import run from the command line.",
    )
    file_name = models.CharField("file name", max_length=255)
    sha256 = models.CharField("SHA-256 of the file", max_length=64)
    file_format = models.CharField("format", max_length=10)
    created_at = models.DateTimeField("uploaded at", default=timezone.now)
    expires_at = models.DateTimeField("deleted if not confirmed by", default=_expiry)
    state = models.CharField("state", max_length=10, choices=State.choices, default=State.PENDING)
    # The file's rows as read (actionplan.importing.reading.Grid.as_json); emptied once the
    # plan is made, whose own rows then hold the text.
    grid = models.JSONField("rows as read", default=dict, blank=True)
    header_row = models.PositiveIntegerField("header row", null=True, blank=True)
    mapping = models.JSONField("column mapping", default=list, blank=True)
    details = models.JSONField("plan details and options", default=dict, blank=True)
    decisions = models.JSONField("owner and body matches", default=dict, blank=True)
    plan = models.ForeignKey(
        Plan,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name="plan created",
    )
    committed_at = models.DateTimeField("imported at", null=True, blank=True)
    summary = models.JSONField("what was created", default=dict, blank=True)

    objects = PlanImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "plan import"
        indexes = [
            # Deleting expired uploads (plan_imports_purge) on every upload.
            models.Index(fields=["state", "expires_at"], name="actionplan_import_expiry"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()}, {self.created_at:%d %b %Y %H:%M})"

    def get_absolute_url(self):
        if self.state == self.State.COMMITTED:
            return reverse("actionplan:import-done", kwargs={"pk": self.pk})
        return reverse("actionplan:import-preview", kwargs={"pk": self.pk})


class ImportLayout(models.Model):
    """A column mapping remembered for the next file whose header has the same words."""

    signature = models.CharField("header signature", max_length=64, unique=True)
    header = models.JSONField("header as written", default=list)
    mapping = models.JSONField("column mapping", default=list)
    updated_at = models.DateTimeField("last used", default=timezone.now)

    class Meta:
        verbose_name = "import layout"

    def __str__(self):
        return " | ".join(self.header)[:100]

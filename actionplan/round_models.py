"""Reporting rounds: business support ask every owner for a quarter's update by a deadline.

A round holds one RoundAction per action in scope: the per-quarter snapshot of the design note
(docs/rounds.md), with the status update that answered it (the owner's "return"). Imported by
actionplan.models, so these are the actionplan app's models.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Action, OutboxEmail, Plan, StatusUpdate, end_of_day
from actionplan.quarters import Quarter
from actionplan.rag import Rag

ONE_OPEN_ROUND_MESSAGE = "There is already an open reporting round for this plan and quarter."


class ReportingRoundQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def latest_of_quarter(self, quarter: Quarter, *, plan):
        """The id of `plan`'s latest round of `quarter` (by when it opened), as a one-row
        queryset for a subquery: the round whose returns the quarter's views read
        (ActionQuerySet.with_status_for_quarter, through the rows rounds.refresh_quarter_rows
        marks), open or closed. `plan` may be an OuterRef."""
        rounds = self.filter(plan=plan, quarter=quarter.slug)
        return rounds.order_by("-opened_at", "-pk").values("pk")[:1]


class ReportingRound(models.Model):
    plan = models.ForeignKey(Plan, models.PROTECT, related_name="rounds", verbose_name="plan")
    quarter = models.CharField(
        "quarter", max_length=7, help_text="The financial-year quarter, e.g. 2015-Q3."
    )
    deadline = models.DateField("deadline for returns")
    sign_off_date = models.DateField("sign-off by")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="opened by"
    )
    opened_at = models.DateTimeField("opened at", default=timezone.now)
    closed_at = models.DateTimeField("closed at", null=True, blank=True)

    objects = ReportingRoundQuerySet.as_manager()

    class Meta:
        ordering = ["-quarter", "plan__title"]
        verbose_name = "reporting round"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "quarter"],
                condition=Q(closed_at__isnull=True),
                name="actionplan_round_one_open_per_plan_quarter",
            ),
        ]
        indexes = [
            # A plan's latest round of a quarter (ReportingRoundQuerySet.latest_of_quarter,
            # read by rounds.refresh_quarter_rows): a seek, no sort.
            models.Index(
                fields=["plan", "quarter", "-opened_at", "-id"], name="actionplan_round_latest"
            ),
        ]

    def __str__(self):
        return f"{self.quarter_name} round: {self.plan.title}"

    def get_absolute_url(self):
        return reverse("actionplan:round-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.deadline and self.sign_off_date and self.sign_off_date < self.deadline:
            raise ValidationError(
                {"sign_off_date": "The sign-off date must be on or after the deadline."}
            )
        if self.closed_at is None and self.plan_id and self.quarter:
            clash = ReportingRound.objects.open().filter(plan_id=self.plan_id, quarter=self.quarter)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError(ONE_OPEN_ROUND_MESSAGE)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def quarter_obj(self) -> Quarter:
        return Quarter.parse(self.quarter)

    @property
    def returns_from(self) -> datetime:
        """The first instant an update counts as this round's return: when the quarter is
        over, or when the round opened if that was sooner (a round opened early). An update
        from before then reports on an earlier quarter, however it reaches the round."""
        return min(self.opened_at, end_of_day(self.quarter_obj.end))

    @property
    def quarter_name(self) -> str:
        """e.g. "Q3 2015/16"."""
        quarter = self.quarter_obj
        return f"Q{quarter.number} {quarter.financial_year}"


class Review(models.TextChoices):
    """Where a return stands with the chair of the action's accountable body."""

    AWAITING = "awaiting", "Awaiting sign-off"
    APPROVED = "approved", "Signed off"
    RETURNED = "returned", "Returned to owner"


class RoundState(models.TextChoices):
    """Where an action stands in the reporting round of the quarter a view shows (annotated as
    round_state by ActionQuerySet.for_dashboard and with_status_for_quarter; NULL: the quarter
    has no round, or the action is not in its scope). Its words are what pages, exports and
    the Board pack say beside the status."""

    SIGNED_OFF = "signed off", "Signed off"
    NOT_SIGNED_OFF = "not signed off", "Not signed off"
    NO_RETURN = "no return", "No return"


class RoundActionQuerySet(models.QuerySet):
    def in_scope(self):
        return self.filter(removed_at__isnull=True)

    def outstanding(self):
        """In scope with no return yet."""
        return self.in_scope().filter(return_update__isnull=True)

    def counts(self) -> dict:
        """Returns received, outstanding, late, signed off, returned and the total, in one
        query (the round page's headline and each body's or agency's row)."""
        return self.aggregate(**ROUND_COUNTS)


# The round page's figures, each a filtered count over the in-scope rows (one row per action:
# join nothing that multiplies them).
ROUND_COUNTS = {
    "total": Count("pk"),
    "received": Count("pk", filter=Q(return_update__isnull=False)),
    "late": Count("pk", filter=Q(is_late=True)),
    "approved": Count("pk", filter=Q(review=Review.APPROVED)),
    "returned": Count("pk", filter=Q(review=Review.RETURNED)),
}


class RoundAction(models.Model):
    """One action in a round's scope, and its return. Removing an action from scope keeps
    the row (with when and why), so the round's record stays whole."""

    round = models.ForeignKey(
        ReportingRound, models.CASCADE, related_name="round_actions", verbose_name="round"
    )
    action = models.ForeignKey(
        Action, models.PROTECT, related_name="round_entries", verbose_name="action"
    )
    added_reason = models.TextField(
        "why it was added", blank=True, help_text="Blank when it was in the default scope."
    )
    removed_at = models.DateTimeField("removed from scope at", null=True, blank=True)
    removed_reason = models.TextField("why it was removed", blank=True)
    # The owner's latest update for this round: set by status_update_create, in its transaction.
    return_update = models.ForeignKey(
        StatusUpdate,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="return",
    )
    is_late = models.BooleanField("late", default=False)
    review = models.CharField(
        "sign-off", max_length=10, choices=Review.choices, default=Review.AWAITING
    )
    # Copies for the quarter views (ActionQuerySet.with_status_for_quarter), so that they read
    # one index entry per action and join nothing (bench/README.md, "Quarter views read the
    # rounds"). quarter: the round's quarter while this row is what that quarter's views read
    # (in scope, in the plan's latest round of the quarter), else empty; kept by
    # rounds.refresh_quarter_rows. return_rag and return_at: the return's RAG and time, set
    # with return_update.
    quarter = models.CharField("quarter shown", max_length=7, blank=True)
    return_rag = models.CharField(
        "return's RAG status", max_length=10, choices=Rag.choices, blank=True
    )
    return_at = models.DateTimeField("returned at", null=True, blank=True)

    objects = RoundActionQuerySet.as_manager()

    class Meta:
        ordering = ["round", "action__sort_key"]
        verbose_name = "action in a round"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "action"], name="actionplan_roundaction_unique_action_per_round"
            ),
        ]
        indexes = [
            # status_update_create: the latest round an action is in.
            models.Index(fields=["action", "round"], name="actionplan_roundaction_action"),
            # with_status_for_quarter: an action's row for a quarter, covering what it reads.
            # The quarter first: PostgreSQL joins a body's actions to the quarter's rows by a
            # hash of them, and read the whole table to find them (9 ms of a 10,000-action
            # dashboard's figures and again of its page); SQLite seeks each action's row by
            # both columns either way.
            models.Index(
                fields=["quarter", "action", "review", "return_rag", "return_at", "return_update"],
                name="actionplan_roundaction_quarter",
            ),
        ]

    def __str__(self):
        return f"{self.action.reference} in {self.round}"

    @property
    def in_scope(self) -> bool:
        return self.removed_at is None

    @property
    def is_received(self) -> bool:
        return self.return_update_id is not None


class Step(models.TextChoices):
    """The e-mails a round sends each person, in order; each at most once."""

    INVITE = "invite", "Request for updates"
    REMINDER = "reminder", "Reminder"
    CHASER = "chaser", "Chaser"
    SECOND_CHASER = "second-chaser", "Second chaser (chair copied)"


class RoundEmail(OutboxEmail):
    """One e-mail of a round to one person, at most once per step. Planned (row inserted under
    the unique constraint), claimed by a conditional UPDATE, sent, then marked sent: see
    actionplan.round_emails for why that sends each e-mail once."""

    round = models.ForeignKey(
        ReportingRound, models.CASCADE, related_name="emails", verbose_name="round"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="round_emails", verbose_name="person"
    )
    step = models.CharField("e-mail", max_length=20, choices=Step.choices)

    class Meta:
        ordering = ["round", "person", "step"]
        verbose_name = "round e-mail"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person", "step"], name="actionplan_roundemail_once_per_step"
            ),
        ]
        indexes = [
            # The sender's "unsent and due" scan of a round (round_emails.send_due).
            models.Index(fields=["round", "sent_at"], name="actionplan_roundemail_unsent"),
        ]

    def __str__(self):
        return f"{self.get_step_display()} to {self.person} ({self.round})"


class SignOff(models.Model):
    """A chair's decision on one return: approved, or returned to the owner with a comment.
    Append-only: a new decision is a new row; RoundAction.review holds the latest. The notice
    fields are delivery bookkeeping for the e-mail a return sends (round_emails): claimed,
    sent, or retried with back-off after a failure, as a RoundEmail is."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Signed off"
        RETURNED = "returned", "Returned to owner"

    entry = models.ForeignKey(
        RoundAction, models.CASCADE, related_name="sign_offs", verbose_name="action in round"
    )
    update = models.ForeignKey(
        StatusUpdate, models.PROTECT, related_name="+", verbose_name="return decided on"
    )
    decision = models.CharField("decision", max_length=10, choices=Decision.choices)
    comment = models.TextField("comment", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="decided by"
    )
    decided_at = models.DateTimeField("decided at", default=timezone.now)
    notice_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    notice_attempts = models.PositiveSmallIntegerField("notice attempts", default=0, editable=False)
    # NULL: due at once (as soon as the decision is made).
    notice_next_attempt_at = models.DateTimeField(
        "notice's next attempt at", null=True, blank=True, editable=False
    )
    notice_last_error = models.TextField("notice's last error", blank=True, editable=False)

    class Meta:
        ordering = ["entry", "-decided_at", "-pk"]
        verbose_name = "sign-off"
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="returned") | ~Q(comment=""),
                name="actionplan_signoff_returned_has_comment",
            ),
        ]
        indexes = [
            # The notices waiting to go (round page, sender): without it SQLite reads every row
            # of the round to find the few sign-offs, 2-7 ms at 10,000 actions (bench/rounds.py).
            models.Index(fields=["decision", "notice_sent_at"], name="actionplan_signoff_waiting"),
        ]

    def __str__(self):
        return f"{self.get_decision_display()}: {self.entry}"

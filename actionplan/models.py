"""The plan: Plan -> Priority -> Objective -> Action, with measures, milestones and owners.

Owners are roles within partner agencies (accounts.Agency), not people: people are attached
to roles here (OwnerRole.holders), so that a job-share or a change of post-holder needs no
change to the plan. Every model has a natural key so that a plan fixture can be loaded twice
without duplicating anything.
"""

import re
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history import register
from simple_history.models import HistoricalRecords

from accounts.models import Agency
from accounts.permissions import action_update_grounds
from actionplan.measures import (
    DEFAULT_TOLERANCE_PERCENT,
    Direction,
    Frequency,
    Target,
    Unit,
    band,
    format_value,
    parse_quarter_targets,
)
from actionplan.quarters import Quarter
from actionplan.rag import Rag, is_overdue, overdue_expression

REFERENCE_RE = re.compile(r"^\d+(\.\d+)*$")


def reference_sort_key(reference: str) -> str:
    """'1.2.10' -> '0001.0002.0010', so that text order is natural order (1.2.9 < 1.2.10)."""
    if not REFERENCE_RE.match(reference):
        raise ValueError(f"{reference!r} is not a reference like 1.2.3")
    return ".".join(f"{int(part):04d}" for part in reference.split("."))


class PlanManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Plan(models.Model):
    title = models.CharField("title", max_length=200)
    partnership = models.CharField("partnership", max_length=200)
    short_name = models.CharField("partnership short name", max_length=40, blank=True)
    period = models.CharField("period", max_length=40, help_text="As written, e.g. 2015-18.")
    slug = models.SlugField("short name in URLs", max_length=60, unique=True)
    source = models.CharField(
        "source document", max_length=300, blank=True, help_text="Where the plan's text came from."
    )
    # What the plan calls its two levels of headings ("Outcome", "Theme"...), kept on import.
    priority_label = models.CharField("first level's name", max_length=60, default="Priority")
    objective_label = models.CharField("second level's name", max_length=60, default="Objective")

    objects = PlanManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.partnership})"

    def get_absolute_url(self):
        return reverse("actionplan:plan-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)


class PriorityManager(models.Manager):
    def get_by_natural_key(self, plan_slug, number):
        return self.get(plan__slug=plan_slug, number=number)


class Priority(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField("number")
    title = models.CharField("title", max_length=200)
    statement = models.TextField("overarching priority", blank=True)

    objects = PriorityManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="actionplan_priority_unique_number_per_plan"
            ),
        ]

    def __str__(self):
        return f"Priority {self.number}: {self.display_title}"

    def natural_key(self):
        return (*self.plan.natural_key(), self.number)

    @property
    def display_title(self):
        """An imported plan's first-level heading may not be given (a plan with no headings)."""
        return self.title or NO_HEADING

    natural_key.dependencies = ["actionplan.plan"]


NO_HEADING = "(heading not given in the source plan)"


class ObjectiveManager(models.Manager):
    def get_by_natural_key(self, plan_slug, number):
        return self.get(priority__plan__slug=plan_slug, number=number)


class Objective(models.Model):
    priority = models.ForeignKey(Priority, models.CASCADE, related_name="objectives")
    number = models.CharField("number", max_length=20, help_text="As in the plan, e.g. 2.1.")
    title = models.TextField(
        "title", blank=True, help_text="Leave blank only where the source plan gives no heading."
    )
    sort_key = models.CharField(max_length=60, editable=False)

    objects = ObjectiveManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "number"],
                name="actionplan_objective_unique_number_per_priority",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.display_title}"

    def save(self, *args, **kwargs):
        self.sort_key = reference_sort_key(self.number)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.priority.plan.natural_key(), self.number)

    natural_key.dependencies = ["actionplan.priority"]

    @property
    def display_title(self):
        return self.title or NO_HEADING


class AccountableBodyManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class AccountableBody(models.Model):
    class Kind(models.TextChoices):
        BOARD = "board", "Board"
        SUB_GROUP = "sub-group", "Sub-group"
        GROUP = "group", "Group"
        PARTNER_BODY = "partner body", "Partner body"

    name = models.CharField("name", max_length=200, unique=True)
    short_name = models.CharField("short name", max_length=60, blank=True)
    kind = models.CharField("kind", max_length=20, choices=Kind.choices)
    chairs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="chaired_bodies",
        verbose_name="chairs",
        help_text="The people who chair this body; they may update its actions.",
    )

    objects = AccountableBodyManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "accountable body"
        verbose_name_plural = "accountable bodies"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class OwnerRoleManager(models.Manager):
    def get_by_natural_key(self, agency_name, title):
        return self.get(agency__name=agency_name, title=title)


class OwnerRole(models.Model):
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="roles")
    title = models.CharField("role", max_length=200)
    holders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="roles",
        verbose_name="holders",
        help_text="The people who hold this role; they may update its actions.",
    )

    objects = OwnerRoleManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "title"]
        verbose_name = "owner role"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "title"], name="actionplan_ownerrole_unique_title_per_agency"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.agency.name})"

    def natural_key(self):
        return (*self.agency.natural_key(), self.title)

    natural_key.dependencies = ["accounts.agency"]


# Where with_owners() puts each action's owner links (role and agency joined).
PREFETCHED_OWNER_LINKS = "prefetched_owner_links"


# Where with_owner_holders() puts each owner role's active holders, by name.
PREFETCHED_HOLDERS = "active_holders"
# People are listed by name: the order of every list of holders.
HOLDER_ORDER = ["first_name", "last_name", "username"]


def person_name(first_name: str, last_name: str, username: str) -> str:
    """A person as lists of people name them: their full name, else their username."""
    return f"{first_name} {last_name}".strip() or username


# Where with_due_date_revisions() puts each action's revisions, oldest first.
PREFETCHED_REVISIONS = "prefetched_due_date_revisions"


def _owner_links():
    # A plain list on each action (to_attr): prefetched into the related manager instead,
    # Django builds and filters a queryset for every action (some 50 µs a row on the
    # benchmark machine, a third of a 100-row page's fetch).
    # Ordered by "order" alone: ActionOwner's default ordering ("action", i.e. the action's
    # plan title and reference) joins the actions and plans back in only to sort.
    return models.Prefetch(
        "owner_links",
        queryset=ActionOwner.objects.select_related("role__agency").order_by("order"),
        to_attr=PREFETCHED_OWNER_LINKS,
    )


class ActionQuerySet(models.QuerySet):
    def for_list(self):
        """Everything a list row shows, in a fixed number of queries whatever the row count:
        objective, priority, body and latest update joined; owners (with agency) and due
        date revisions prefetched."""
        return self._for_rows().with_due_date_revisions()

    def _for_rows(self):
        return self.select_related(
            "objective__priority", "accountable_body", "latest_update__author"
        ).with_owners()

    def with_owners(self):
        """Owner links (role and agency joined) prefetched, for owner_link_list() and
        owner_roles()."""
        return self.prefetch_related(_owner_links())

    def with_owner_holders(self):
        """Each owner role's active holders, by name (one more query), for
        owner_roles_with_people(): the action page and the exports show who holds each role.
        Chain it after with_owners() (or for_list(), for_export()), whose links it reads. The
        dashboards' tables read theirs in a query of their own (tables.ActionTable)."""
        holders = apps.get_model(settings.AUTH_USER_MODEL).objects.filter(is_active=True)
        return self.prefetch_related(
            models.Prefetch(
                f"{PREFETCHED_OWNER_LINKS}__role__holders",
                queryset=holders.order_by(*HOLDER_ORDER),
                to_attr=PREFETCHED_HOLDERS,
            )
        )

    def with_due_date_revisions(self):
        """Due date revisions prefetched, oldest first, for due_date_on() and
        due_revision_on()."""
        return self.prefetch_related(
            models.Prefetch(
                "due_date_revisions",
                queryset=DueDateRevision.objects.order_by("revised_at", "pk"),
                to_attr=PREFETCHED_REVISIONS,
            )
        )

    def with_due_date_as_of(self, day: date):
        """Annotate due_as_of (the due date in force at the end of `day`: the latest revision
        made by then, else the plan's) and due_revision_reason_as_of (that revision's reason;
        NULL if none). Action.due_date_on() is the same rule in Python."""
        revision = DueDateRevision.objects.filter(
            action=OuterRef("pk"), revised_at__lt=end_of_day(day)
        ).order_by("-revised_at", "-pk")
        return self.annotate(
            due_as_of=Coalesce(Subquery(revision.values("due_date")[:1]), F("due_date")),
            due_revision_reason_as_of=Subquery(revision.values("reason")[:1]),
        )

    def for_export(self):
        """Rows for the plan export: list data (the plan's due dates, so no revisions) plus
        measures, in plan order."""
        return self._for_rows().prefetch_related("measures").order_by("plan", "sort_key")

    def with_needs_update(self, *, quarter: Quarter):
        """Annotate needs_update: not complete (Blue), and no update since `quarter` began.
        What an owner should update now (My actions' first list, the next action offered
        after saving), for the reporting quarter (dashboards.reporting_quarter decides it):
        the dashboards' "Not updated in Qn" figure, from the current status rather than as of
        a date (a test holds the two equal). Reads latest_update: join it (for_list,
        for_status_list) in lists."""
        quarter_start = start_of_day(quarter.start)
        return self.annotate(
            needs_update=Case(
                When(current_rag=Rag.BLUE, then=Value(False)),
                When(latest_update__created_at__gte=quarter_start, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            )
        )

    def needing_update(self, *, quarter: Quarter):
        """The actions that need an update for `quarter` (see with_needs_update)."""
        return self.with_needs_update(quarter=quarter).filter(needs_update=True)

    def updatable_by(self, user):
        """The actions can_update_action lets `user` update, as a filter: the same grounds
        (accounts.permissions.action_update_grounds), of the actions still in the plan
        (current()); a test checks that the two agree."""
        grounds = action_update_grounds(user)
        if grounds.every_action:
            return self.current()
        # A subquery, not a join on owner links: an action owned by two of the user's roles
        # must not come twice.
        owned = ActionOwner.objects.filter(role_id__in=grounds.role_ids).values("action_id")
        mine = Q(accountable_body_id__in=grounds.body_ids) | Q(pk__in=owned)
        return self.current().filter(mine)

    def owned_by(self, user):
        """Actions whose owner roles the user holds. A subquery, not a join: no duplicate
        rows, so no DISTINCT over every column of them."""
        held = ActionOwner.objects.filter(role__holders=user).values("action_id")
        return self.filter(pk__in=held)

    def for_status_list(self):
        """Rows of a list that shows each action's body, current status and last update but
        not its owners (My actions): body and latest update joined, due date revisions
        prefetched."""
        return self.select_related("accountable_body", "latest_update").with_due_date_revisions()

    def with_status_as_of(self, day: date):
        """Annotate rag_as_of, update_at_as_of and commentary_as_of: the latest status update
        made on or before the end of `day` (local time), computed in the database."""
        latest = StatusUpdate.objects.filter(
            action=OuterRef("pk"), created_at__lt=end_of_day(day)
        ).order_by("-created_at", "-pk")
        return self.annotate(
            rag_as_of=Subquery(latest.values("rag")[:1]),
            update_at_as_of=Subquery(latest.values("created_at")[:1]),
            commentary_as_of=Subquery(latest.values("commentary")[:1]),
        )

    def with_status_for_quarter(self, quarter: Quarter, *, as_of: date):
        """The quarter's view of each action: with_status_as_of(as_of)'s annotations (rag_as_of,
        update_at_as_of, commentary_as_of), read from the quarter's reporting round where the
        action is in its scope, and round_state (a RoundState, NULL out of any round).

        The one home of the rule the dashboards, the overview, their exports and the Board pack
        follow. The round is the action's plan's latest round of `quarter`
        (ReportingRound.latest_of_quarter), open or closed. In its scope, an action shows its
        return (the status update that answered the round, made once the quarter was over) and
        whether it is signed off; with no return, no status at all (rag_as_of NULL, counted
        with the unrated; round_state "no return"), never an earlier quarter's, though
        update_at_as_of still says when it was last updated. Out of scope (already Blue, or
        removed), or in a plan with no round: the latest update on or before `as_of` (its last
        day, or today while it runs).

        The round's rows carry what this reads (RoundAction.quarter, return_rag, return_at,
        copied when a round opens, its scope changes or a return is recorded), so each action
        joins one entry of the covering index actionplan_roundaction_quarter and nothing more;
        a return's commentary is one seek by primary key, made only for the rows selected. The
        "latest update" subqueries run only in the CASE's fallback. bench/README.md, "Quarter
        views read the rounds", gives the figures."""
        entry = FilteredRelation("round_entries", condition=Q(round_entries__quarter=quarter.slug))
        # The joined row's quarter, not its id: the covering index holds the one, not the other.
        in_round = Q(quarter_entry__quarter__isnull=False)
        returned = Q(quarter_entry__return_at__isnull=False)
        latest = StatusUpdate.objects.filter(
            action=OuterRef("pk"), created_at__lt=end_of_day(as_of)
        ).order_by("-created_at", "-pk")
        commentary = StatusUpdate.objects.filter(pk=OuterRef("quarter_entry__return_update_id"))

        def round_or_latest(name: str, condition: Q, value) -> Case:
            return Case(When(condition, then=value), default=Subquery(latest.values(name)[:1]))

        return self.annotate(quarter_entry=entry).annotate(
            rag_as_of=Case(
                When(returned, then=F("quarter_entry__return_rag")),
                When(in_round, then=Value(None)),
                default=Subquery(latest.values("rag")[:1]),
                output_field=CharField(),
            ),
            update_at_as_of=round_or_latest("created_at", returned, F("quarter_entry__return_at")),
            commentary_as_of=round_or_latest(
                "commentary", in_round, Subquery(commentary.values("commentary")[:1])
            ),
            round_state=Case(
                When(~in_round, then=Value(None)),
                When(~returned, then=Value(RoundState.NO_RETURN)),
                When(quarter_entry__review=Review.APPROVED, then=Value(RoundState.SIGNED_OFF)),
                default=Value(RoundState.NOT_SIGNED_OFF),
                output_field=CharField(),
            ),
        )

    def as_of(self, day: date):
        """The plan as it stood at the end of `day`: the actions added by then (added_on on or
        before it; none recorded: part of the plan from its start) and not retired by then
        (retired_on after it, or never). The one place that says which actions a view of a
        date shows: for_dashboard(), the Board pack and a round's default scope call it."""
        return self.filter(
            Q(added_on__isnull=True) | Q(added_on__lte=day),
            Q(retired_on__isnull=True) | Q(retired_on__gt=day),
        )

    def current(self):
        """Actions still in the plan (not retired): what owners are asked to update. The
        filter of accounts.permissions.is_open_for_update."""
        return self.filter(retired_on__isnull=True)

    def retired(self):
        return self.filter(retired_on__isnull=False)

    def for_dashboard(self, *, as_of: date, quarter: Quarter | None = None):
        """Rows for dashboards, the overview and their exports, as they stood at the end of
        `as_of`: the plan's actions then (as_of()), their statuses (with `quarter`, a view of
        that quarter, as_of being its last day or today: with_status_for_quarter(), which reads
        the quarter's reporting round; without, with_status_as_of() and a NULL round_state),
        with_due_date_as_of() and overdue_as_of (overdue on `as_of`, by the status and the due
        date in force then).
        Figures, filters and tables all read these annotations, never current_rag or due_date.
        Lists and exports join or prefetch what they show themselves: the action table reads
        its page's owners in one query of its own, and sorting a page of a body's actions with
        the objective and priority's long texts joined took half a dashboard's time at 10,000
        actions."""
        if quarter is None:
            rows = self.with_status_as_of(as_of).annotate(
                round_state=Value(None, output_field=CharField())
            )
        else:
            rows = self.with_status_for_quarter(quarter, as_of=as_of)
        return (
            rows.as_of(as_of)
            .with_due_date_as_of(as_of)
            .annotate(
                overdue_as_of=overdue_expression(
                    on=as_of, rag_field="rag_as_of", due_field="due_as_of"
                )
            )
        )


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in the app's time zone, for "on or before day" filters."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in the app's time zone, for "before day" filters."""
    return timezone.make_aware(datetime.combine(day, time.min))


class ActionManager(models.Manager.from_queryset(ActionQuerySet)):
    def get_by_natural_key(self, plan_slug, reference):
        return self.get(plan__slug=plan_slug, reference=reference)


class Action(models.Model):
    plan = models.ForeignKey(
        Plan,
        models.CASCADE,
        related_name="actions",
        help_text="Always the objective's plan; held here so references are unique per plan.",
    )
    objective = models.ForeignKey(Objective, models.CASCADE, related_name="actions")
    reference = models.CharField("ref", max_length=20, help_text="As in the plan, e.g. 2.1.4.")
    reference_as_written = models.CharField(
        "ref as written",
        max_length=40,
        blank=True,
        help_text="An imported plan's own reference where it is not numbers and dots (R3).",
    )
    sort_key = models.CharField(max_length=60, editable=False)
    description = models.TextField("action")
    owners_as_written = models.TextField(
        "owners as written", blank=True, help_text="The owner cell verbatim from the source plan."
    )
    accountable_body = models.ForeignKey(
        AccountableBody, models.PROTECT, related_name="actions", verbose_name="accountable body"
    )
    accountable_body_as_written = models.CharField(
        "accountable body as written", max_length=300, blank=True
    )
    timeframe = models.CharField(
        "timeframe", max_length=200, help_text="Verbatim from the plan, e.g. End November 2015."
    )
    start_date = models.DateField("start date", null=True, blank=True)
    added_on = models.DateField(
        "added on",
        null=True,
        blank=True,
        help_text=(
            "The day the action joined the plan: views of earlier dates leave it out. Empty: "
            "part of the plan from its start."
        ),
    )
    # Retired: left the plan on this day (a re-import without it, or business support). Kept
    # with its history; views of this day or later leave it out (as_of). Reinstating empties it.
    retired_on = models.DateField(
        "retired on",
        null=True,
        blank=True,
        help_text="The day the action left the plan: views of that day or later leave it out.",
    )
    retired_reason = models.TextField("why it was retired", blank=True)
    # The due date the plan gave (empty where its timeframe gives none). Revisions
    # (DueDateRevision) never change it: the date in force on a day is the latest revision's by
    # then (due_date_on), else this one.
    due_date = models.DateField(
        "due date", null=True, blank=True, help_text="Empty where the timeframe gives no date."
    )
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name="related actions"
    )
    # The current status, denormalised from the latest StatusUpdate by the one service that
    # writes updates (actionplan.services.status_update_create), in the same transaction.
    current_rag = models.CharField(
        "RAG status", max_length=10, choices=Rag.choices, blank=True, editable=False
    )
    latest_update = models.ForeignKey(
        "StatusUpdate",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="latest update",
    )
    # Bumped by every status update: the optimistic lock that stops a lost update.
    version = models.PositiveIntegerField("version", default=0, editable=False)

    objects = ActionManager()
    history = HistoricalRecords(
        excluded_fields=["current_rag", "sort_key", "latest_update", "version"]
    )

    class Meta:
        ordering = ["plan", "sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "reference"], name="actionplan_action_unique_ref_per_plan"
            ),
        ]
        indexes = [
            # Every list sorts a plan's actions by natural reference order.
            models.Index(fields=["plan", "sort_key"], name="actionplan_action_plan_sort"),
            # Overdue lists: due_date < today; and the quarter picker's range (plan_quarters).
            models.Index(fields=["due_date"], name="actionplan_action_due"),
            # The quarter picker's range: the earliest start date (plan_quarters).
            models.Index(fields=["start_date"], name="actionplan_action_start"),
        ]

    def __str__(self):
        return f"{self.reference} {self.short_description}"

    def save(self, *args, **kwargs):
        self.sort_key = reference_sort_key(self.reference)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("actionplan:action-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.objective_id and self.plan_id and self.objective.priority.plan_id != self.plan_id:
            raise ValidationError({"objective": "The objective belongs to another plan."})
        if self.reference and not REFERENCE_RE.match(self.reference):
            raise ValidationError(
                {"reference": "Write the reference as numbers and dots, e.g. 2.1.4."}
            )
        if self.start_date and self.due_date and self.start_date > self.due_date:
            raise ValidationError(
                {"start_date": "The start date must be on or before the due date."}
            )
        clash = Action.objects.filter(plan_id=self.plan_id, reference=self.reference)
        if self.plan_id and clash.exclude(pk=self.pk).exists():
            raise ValidationError({"reference": "Another action in this plan has this reference."})

    def natural_key(self):
        return (*self.plan.natural_key(), self.reference)

    natural_key.dependencies = ["actionplan.objective", "actionplan.accountablebody"]

    @property
    def short_description(self):
        text = self.description
        return text if len(text) <= 80 else text[:77].rstrip() + "…"

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    def is_overdue(self, *, today: date) -> bool:
        """Overdue on `today`, by its current status and the due date in force today."""
        return is_overdue(due_date=self.due_date_on(today), rag=self.current_rag, on=today)

    def revision_list(self) -> list["DueDateRevision"]:
        """The due date revisions, oldest first: those with_due_date_revisions() prefetched,
        else a query (prefetch them in lists)."""
        revisions = self.__dict__.get(PREFETCHED_REVISIONS)
        if revisions is None:
            return list(self.due_date_revisions.order_by("revised_at", "pk"))
        return revisions

    def due_revision_on(self, day: date) -> "DueDateRevision | None":
        """The revision in force at the end of `day`: the latest made by then, if any
        (with_due_date_as_of() is the same rule in SQL)."""
        by_then = [r for r in self.revision_list() if r.revised_at < end_of_day(day)]
        return by_then[-1] if by_then else None

    def due_date_on(self, day: date) -> date | None:
        """The due date in force at the end of `day`: revised, or the plan's."""
        revision = self.due_revision_on(day)
        return revision.due_date if revision else self.due_date

    def owner_link_list(self) -> list:
        """The owner links in source order: those with_owners() (or for_list()) prefetched,
        else a query (prefetch them in lists)."""
        links = self.__dict__.get(PREFETCHED_OWNER_LINKS)
        return list(self.owner_links.all()) if links is None else links

    def owner_roles(self):
        """The owner roles in source order (see owner_link_list)."""
        return [link.role for link in self.owner_link_list()]

    def owner_holder_ids(self) -> set[int]:
        """The active people holding any of the action's owner roles, from the database (one
        query): what services.owner_change_notices_create compares before and after."""
        holders = OwnerRole.holders.through.objects.filter(
            ownerrole__action_links__action=self, user__is_active=True
        )
        return set(holders.values_list("user_id", flat=True))

    def owner_roles_with_people(self) -> list[tuple["OwnerRole", list]]:
        """Each owner role, in source order, with its active holders by name (an empty list:
        nobody holds it). Prefetch them (with_owner_holders) in lists; else a query a role."""
        people = []
        for role in self.owner_roles():
            holders = role.__dict__.get(PREFETCHED_HOLDERS)
            if holders is None:
                holders = list(role.holders.filter(is_active=True).order_by(*HOLDER_ORDER))
            people.append((role, holders))
        return people


# The related actions' links keep their history like owners and measures do: plan_edits adds
# and removes them one row at a time (both directions of the symmetrical link) and records
# each (Django sends no signals for a many-to-many's table), so that the audit trail can say
# which were added and removed, by whom and why.
register(Action.related.through, app="actionplan")


class OrderedChildManager(models.Manager):
    def get_by_natural_key(self, plan_slug, reference, order):
        return self.get(action__plan__slug=plan_slug, action__reference=reference, order=order)


class ActionOwner(models.Model):
    """An owner role of an action, in the order the plan lists them."""

    action = models.ForeignKey(Action, models.CASCADE, related_name="owner_links")
    role = models.ForeignKey(
        OwnerRole, models.PROTECT, related_name="action_links", verbose_name="owner role"
    )
    order = models.PositiveSmallIntegerField("order", default=1)

    objects = OrderedChildManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "order"]
        verbose_name = "action owner"
        constraints = [
            models.UniqueConstraint(
                fields=["action", "role"], name="actionplan_actionowner_unique_role_per_action"
            ),
            models.UniqueConstraint(
                fields=["action", "order"], name="actionplan_actionowner_unique_order"
            ),
        ]

    def __str__(self):
        return str(self.role)

    def natural_key(self):
        return (*self.action.natural_key(), self.order)

    natural_key.dependencies = ["actionplan.action", "actionplan.ownerrole"]


# A measure's and a value's numbers: up to 10 digits before the point and 4 after.
_NUMBER = {"max_digits": 14, "decimal_places": 4}


class Measure(models.Model):
    """A measure of an action's success: a sentence, and, if it is quantified (a unit is set),
    its baseline, target, direction and tolerance. The rules of units, banding and parsing
    live in actionplan.measures."""

    action = models.ForeignKey(Action, models.CASCADE, related_name="measures")
    text = models.TextField("measure")
    order = models.PositiveSmallIntegerField("order", default=1)
    unit = models.CharField(
        "unit",
        max_length=12,
        choices=Unit.choices,
        blank=True,
        help_text="Leave empty for a measure that is a sentence only; set it to quantify it.",
    )
    baseline_value = models.DecimalField("baseline", null=True, blank=True, **_NUMBER)
    baseline_date = models.DateField("baseline date", null=True, blank=True)
    target_value = models.DecimalField(
        "target", null=True, blank=True, help_text="For a range, its low end.", **_NUMBER
    )
    target_upper = models.DecimalField("target range's high end", null=True, blank=True, **_NUMBER)
    target_date = models.DateField("target date", null=True, blank=True)
    quarter_targets = models.TextField(
        "targets per quarter",
        blank=True,
        help_text="Optional, where the target changes over time: e.g. 2015-Q3: 18; 2015-Q4: 20.",
    )
    direction = models.CharField(
        "better is", max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    frequency = models.CharField(
        "reported", max_length=10, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    data_source = models.CharField("data source", max_length=300, blank=True)
    tolerance_percent = models.DecimalField(
        "Amber tolerance (%)",
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_TOLERANCE_PERCENT,
        help_text="How far on the wrong side of the target, as a percentage of it, is Amber.",
    )

    # The band of the latest quarter's value against target, denormalised by the services that
    # write values or targets (actionplan.services.measure_values_record, measure_band_refresh),
    # shown in the admin (the dashboards read each value's band as of their date:
    # MeasureValue.against_target); "" with no value or no target.
    current_rag = models.CharField(
        "against target", max_length=10, choices=Rag.choices, blank=True, editable=False
    )
    current_quarter = models.CharField("latest quarter", max_length=7, blank=True, editable=False)

    objects = OrderedChildManager()
    history = HistoricalRecords(excluded_fields=["current_rag", "current_quarter"])

    class Meta:
        ordering = ["action", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "order"], name="actionplan_measure_unique_order"
            ),
            models.CheckConstraint(
                condition=Q(target_upper__isnull=True)
                | Q(target_value__isnull=False, target_upper__gte=F("target_value")),
                name="actionplan_measure_range_in_order",
            ),
        ]
        indexes = [
            # The dashboards' measure figures and filters (dashboards.measures_banded_as_of) and
            # the table's bands: an action's quantified measures. Without it PostgreSQL read
            # every measure for each of those conditions (2 ms each at 10,000 actions).
            models.Index(
                fields=["action"], condition=~Q(unit=""), name="actionplan_measure_quantified"
            ),
        ]

    def __str__(self):
        return self.text

    def clean(self):
        errors = {}
        if self.unit and self.target_value is None:
            errors["target_value"] = "Give a target for a quantified measure."
        if self.direction == Direction.RANGE and self.unit and self.target_upper is None:
            errors["target_upper"] = "Give the high end of the target range."
        upper, low = self.target_upper, self.target_value
        if upper is not None and low is not None and upper < low:
            errors["target_upper"] = "The high end must be at least the target (low end)."
        if self.baseline_date and self.target_date and self.baseline_date > self.target_date:
            errors["target_date"] = "The target date must be after the baseline date."
        if self.unit == Unit.PERCENTAGE:
            for name in ("baseline_value", "target_value", "target_upper"):
                value = getattr(self, name)
                if value is not None and not 0 <= value <= 100:
                    errors[name] = "A percentage is between 0 and 100."
        try:
            parse_quarter_targets(self.quarter_targets, self.unit or Unit.NUMBER)
        except ValueError as error:
            errors["quarter_targets"] = str(error)
        if errors:
            raise ValidationError(errors)

    def natural_key(self):
        return (*self.action.natural_key(), self.order)

    natural_key.dependencies = ["actionplan.action"]

    @property
    def is_quantified(self) -> bool:
        return bool(self.unit) and self.target_value is not None

    def target_for(self, quarter: Quarter | None = None) -> Target | None:
        """What a value is banded against (in `quarter`, if it has a target of its own)."""
        if not self.is_quantified:
            return None
        value = self.target_value
        if quarter is not None and self.quarter_targets:
            value = parse_quarter_targets(self.quarter_targets, self.unit).get(quarter.slug, value)
        return Target(
            value=value,
            direction=self.direction,
            upper=self.target_upper if self.direction == Direction.RANGE else None,
            tolerance_percent=self.tolerance_percent,
            unit=self.unit,
        )

    def is_due(self, quarter: Quarter) -> bool:
        """Whether a value is asked for in `quarter` (an annual measure: in Q4 only)."""
        return self.is_quantified and (self.frequency != Frequency.ANNUALLY or quarter.number == 4)


class MeasureValueQuerySet(models.QuerySet):
    def for_measures(self, measure_ids):
        """Every value of these measures, oldest first (the latest of a quarter wins: see
        latest_by_quarter), with its author joined."""
        return (
            self.filter(measure_id__in=measure_ids)
            .select_related("recorded_by")
            .order_by("measure_id", "quarter", "recorded_at", "pk")
        )


class MeasureValue(models.Model):
    """One quarter's value of a quantified measure, as reported. Append-only: a correction is a
    new value for the same quarter that supersedes the one before, with a note saying why."""

    measure = models.ForeignKey(Measure, models.PROTECT, related_name="values")
    quarter = models.CharField("quarter", max_length=7, help_text="e.g. 2015-Q3.")
    value = models.DecimalField("value", null=True, blank=True, **_NUMBER)
    note = models.TextField(
        "note",
        blank=True,
        max_length=1000,
        help_text="Why the value is missing, how it was estimated, or why it was corrected.",
    )
    is_estimate = models.BooleanField("estimated", default=False)
    supersedes = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="supersedes",
    )
    status_update = models.ForeignKey(
        "StatusUpdate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="measure_values",
        verbose_name="reported with",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="measure_values"
    )
    recorded_at = models.DateTimeField("recorded at", default=timezone.now)
    is_demo = models.BooleanField(
        "demo data", default=False, help_text="Made by seed_demo, not by a real person."
    )
    # The `rag` property's answer, kept for the dashboards' measure figures as of a quarter
    # (dashboards.measures_off_target_q): written with the value, and again when the measure's
    # target changes (services.measure_band_refresh); "" with no value or no target.
    against_target = models.CharField(
        "against target", max_length=10, choices=Rag.choices, blank=True, editable=False
    )

    objects = MeasureValueQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "quarter", "recorded_at", "pk"]
        verbose_name = "measure value"
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(note=""),
                name="actionplan_measurevalue_missing_has_note",
            ),
        ]
        indexes = [
            # A measure's values by quarter (MeasureValueQuerySet.for_measures).
            models.Index(fields=["measure", "quarter"], name="actionplan_measurevalue_q"),
        ]

    def __str__(self):
        return f"{self.measure}: {self.display} ({self.quarter})"

    @property
    def quarter_obj(self) -> Quarter:
        return Quarter.parse(self.quarter)

    @property
    def display(self) -> str:
        """The value as people write it. Reads self.measure: select_related it in lists."""
        return format_value(self.value, self.measure.unit)

    @property
    def rag(self) -> str | None:
        """Green, Amber or Red against the measure's target for the quarter (None with no
        value or target). Reads self.measure."""
        return band(self.value, self.measure.target_for(self.quarter_obj))

    @property
    def target_display(self) -> str:
        target = self.measure.target_for(self.quarter_obj)
        return format_value(target.value, self.measure.unit) if target else ""


class Milestone(models.Model):
    action = models.ForeignKey(Action, models.CASCADE, related_name="milestones")
    label = models.CharField("milestone", max_length=200)
    due_date = models.DateField("due date")
    order = models.PositiveSmallIntegerField("order", default=1)

    objects = OrderedChildManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "order"], name="actionplan_milestone_unique_order"
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.due_date:%B %Y}"

    def natural_key(self):
        return (*self.action.natural_key(), self.order)

    natural_key.dependencies = ["actionplan.action"]


class DueDateRevision(models.Model):
    """A chair's or business support's change of an action's due date, with the reason.

    Append-only, like status updates: the plan's date stays on the action, each revision
    keeps the date it replaced, and nothing edits or deletes a revision, so the rows are
    the audit trail (who, when, from, to, why).
    """

    action = models.ForeignKey(Action, models.PROTECT, related_name="due_date_revisions")
    previous_due_date = models.DateField("due date before", null=True, blank=True)
    due_date = models.DateField("revised due date")
    reason = models.TextField("reason")
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="due_date_revisions",
        verbose_name="revised by",
    )
    revised_at = models.DateTimeField("revised at", default=timezone.now)

    class Meta:
        ordering = ["action", "revised_at", "pk"]
        verbose_name = "due date revision"
        indexes = [
            # The "due as of" subqueries (ActionQuerySet.with_due_date_as_of): an action's
            # latest revision before a date.
            models.Index(fields=["action", "-revised_at", "-id"], name="actionplan_due_rev_as_of"),
        ]

    def __str__(self):
        before = f"{self.previous_due_date:%d %b %Y}" if self.previous_due_date else "no date"
        return f"{self.action.reference}: due {self.due_date:%d %b %Y} (was {before})"


# The longest commentary a status update (and its draft) may hold.
COMMENTARY_MAX_LENGTH = 5000


class StatusUpdateQuerySet(models.QuerySet):
    def for_history(self):
        """Newest first, with each author joined."""
        return self.select_related("author").order_by("-created_at", "-pk")


class StatusUpdate(models.Model):
    """One RAG status report on an action. Append-only: nothing edits or deletes history."""

    action = models.ForeignKey(Action, models.PROTECT, related_name="updates")
    rag = models.CharField("RAG status", max_length=10, choices=Rag.choices)
    commentary = models.TextField("commentary")
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="status_updates"
    )
    created_at = models.DateTimeField("updated at", default=timezone.now)
    # The action's version this update created: unique, so two people who read the same
    # version can never both save over it, whatever the database's locking.
    version = models.PositiveIntegerField("version")
    is_demo = models.BooleanField(
        "demo data", default=False, help_text="Made by seed_demo, not by a real person."
    )
    is_imported = models.BooleanField(
        "imported", default=False, help_text="Read from the status column of an imported plan."
    )

    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "version"], name="actionplan_statusupdate_unique_version"
            ),
        ]
        indexes = [
            # The "as of" subqueries (ActionQuerySet.with_status_as_of): an action's latest
            # update before a date, in their order (newest, then highest id), with the RAG in
            # the index so that rag_as_of is read from the index alone.
            models.Index(
                fields=["action", "-created_at", "-id", "rag"], name="actionplan_update_as_of"
            ),
            # The quarter pickers' range (dashboards.plan_quarters): a plan's first and last
            # update.
            models.Index(fields=["created_at"], name="actionplan_update_time"),
        ]

    def __str__(self):
        return f"{self.action.reference}: {self.get_rag_display()} ({self.created_at:%d %b %Y})"


class StatusUpdateDraft(models.Model):
    """What a person has typed into an action's update form and not saved yet: one per person
    and action, replaced as they type, deleted when they save their update or discard it.
    Nothing is checked but size and control characters: it is work in progress."""

    action = models.ForeignKey(Action, models.CASCADE, related_name="drafts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="status_update_drafts"
    )
    rag = models.CharField("RAG status", max_length=10, choices=Rag.choices, blank=True)
    commentary = models.TextField("commentary", max_length=COMMENTARY_MAX_LENGTH, blank=True)
    evidence_url = models.CharField("evidence link", max_length=500, blank=True)
    # The quantified measures' fields as typed, unchecked: {measure id: {"value": text,
    # "estimate": bool, "note": text}}, only for measures something was typed for.
    measure_values = models.JSONField("measure values typed", default=dict, blank=True)
    # Restoring the draft restores this too, so that saving it finds any update made since.
    version = models.PositiveIntegerField("action version written against")
    saved_at = models.DateTimeField("saved at", default=timezone.now)

    class Meta:
        verbose_name = "status update draft"
        constraints = [
            # Also the index of the one lookup: a person's draft on an action.
            models.UniqueConstraint(
                fields=["author", "action"], name="actionplan_draft_unique_per_author_action"
            ),
        ]

    def __str__(self):
        return f"Draft on {self.action.reference} by {self.author} ({self.saved_at:%d %b %Y %H:%M})"


class OwnerChange(models.TextChoices):
    GAINED = "gained", "Now yours to update"
    LOST = "lost", "No longer yours to update"


class OutboxEmail(models.Model):
    """The bookkeeping of an e-mail sent at most once (actionplan.outbox): when it was planned,
    who is sending it since when, when it was sent, and the failed attempts with the back-off."""

    created_at = models.DateTimeField("planned at", default=timezone.now)
    claimed_at = models.DateTimeField("being sent since", null=True, blank=True)
    sent_at = models.DateTimeField("sent at", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("attempts", default=0)
    next_attempt_at = models.DateTimeField("next attempt at", default=timezone.now)
    last_error = models.TextField("last error", blank=True)

    class Meta:
        abstract = True


class OwnerChangeEmail(OutboxEmail):
    """One e-mail to one person about one change (an action's owner roles, or the roles they
    hold), listing that change's notices to them. The outbox row: claimed by a conditional
    UPDATE, sent, then marked sent, as a round's e-mails are (actionplan.owner_emails)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="owner_change_emails",
        verbose_name="person",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "owner change e-mail"
        indexes = [
            # The sender's "unsent and due" scan (owner_emails.send_due).
            models.Index(
                fields=["sent_at", "next_attempt_at"], name="actionplan_owneremail_unsent"
            ),
        ]

    def __str__(self):
        return f"Owner change e-mail to {self.person} ({self.created_at:%d %b %Y %H:%M})"


class OwnerChangeNotice(models.Model):
    """Tells a person, in the app on their next visit, that an action became theirs to update
    or stopped being theirs, because its owner roles changed (services.action_owners_set, or
    the admin's owners inline) or the roles they hold did (the people pages). Written once;
    read_at set when shown. `email` is the e-mail that tells them too (none without an
    address)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="owner_change_notices",
        verbose_name="person",
    )
    action = models.ForeignKey(Action, models.CASCADE, related_name="+", verbose_name="action")
    change = models.CharField("change", max_length=10, choices=OwnerChange.choices)
    created_at = models.DateTimeField("changed at", default=timezone.now)
    read_at = models.DateTimeField("shown at", null=True, blank=True)
    email = models.ForeignKey(
        OwnerChangeEmail,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name="e-mail",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "owner change notice"
        indexes = [
            # A person's unread notices, asked on their next request (middleware).
            models.Index(fields=["person", "read_at"], name="actionplan_notice_unread"),
        ]

    def __str__(self):
        return f"{self.person}: {self.action.reference} {self.get_change_display().lower()}"

    def text(self) -> str:
        """What the person is told, in the app."""
        action = f"Action {self.action.reference} ({self.action.short_description})"
        if self.change == OwnerChange.GAINED:
            return f"{action} is now yours to update: you hold one of its owner roles."
        return f"{action} is no longer yours to update: you hold none of its owner roles now."


# Reporting rounds live in their own module; imported here so they are this app's models.
from actionplan.import_models import ImportLayout, PlanImport  # noqa: E402, F401
from actionplan.round_models import (  # noqa: E402, F401
    ReportingRound,
    Review,
    RoundAction,
    RoundEmail,
    RoundState,
    SignOff,
)

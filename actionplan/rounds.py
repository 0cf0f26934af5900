"""Reporting rounds: open, scope, close, and record each owner's return (docs/rounds.md).

Writes are the services (round_open, round_close, round_action_add, round_action_remove,
round_return_record); reads are the round page's progress and My actions' "what is due".
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from accounts.models import User
from actionplan.models import Action, OwnerRole, Plan, StatusUpdate, end_of_day
from actionplan.quarters import Quarter
from actionplan.rag import NOT_RATED, Rag, rag_as_of_q
from actionplan.round_models import (
    ONE_OPEN_ROUND_MESSAGE,
    ROUND_COUNTS,
    ReportingRound,
    Review,
    RoundAction,
    RoundEmail,
    SignOff,
)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; the library calls the pair "ENG".
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_after(day: date, count: int) -> date:
    """The `count`th working day after `day` (weekends and England and Wales bank holidays
    skipped)."""
    current = day
    for _ in range(count):
        current += timedelta(days=1)
        while not is_working_day(current):
            current += timedelta(days=1)
    return current


def default_deadline(quarter: Quarter) -> date:
    return working_days_after(quarter.end, settings.ROUND_DEADLINE_WORKING_DAYS)


def default_sign_off_date(deadline: date) -> date:
    return working_days_after(deadline, settings.ROUND_SIGN_OFF_WORKING_DAYS)


def default_scope(plan: Plan, quarter: Quarter):
    """Every action of the plan not already Blue before the quarter began."""
    before = quarter.start - timedelta(days=1)
    not_blue = [Rag.GREEN, Rag.AMBER, Rag.RED, NOT_RATED]
    return Action.objects.filter(plan=plan).with_status_as_of(before).filter(rag_as_of_q(not_blue))


@transaction.atomic
def round_open(
    *,
    plan: Plan,
    quarter: Quarter,
    opened_by: User,
    deadline: date | None = None,
    sign_off_date: date | None = None,
) -> ReportingRound:
    """Open a round for the plan's quarter with the default scope. Refuses a second open round
    for the same plan and quarter (the named constraint backs the check under a race)."""
    deadline = deadline or default_deadline(quarter)
    reporting_round = ReportingRound(
        plan=plan,
        quarter=quarter.slug,
        deadline=deadline,
        sign_off_date=sign_off_date or default_sign_off_date(deadline),
        opened_by=opened_by,
    )
    reporting_round.full_clean()
    try:
        with transaction.atomic():
            reporting_round.save()
    except IntegrityError:
        raise ValidationError(ONE_OPEN_ROUND_MESSAGE) from None
    scope = default_scope(plan, quarter).values_list("pk", flat=True)
    RoundAction.objects.bulk_create(
        [RoundAction(round=reporting_round, action_id=pk) for pk in scope], batch_size=500
    )
    _after_open(reporting_round)
    return reporting_round


def _after_open(reporting_round: ReportingRound) -> None:
    """The round's first e-mails go from the background worker once the round is committed:
    never in the web request."""
    _enqueue_emails(reporting_round)


@transaction.atomic
def round_close(*, reporting_round: ReportingRound) -> ReportingRound:
    if not reporting_round.is_open:
        raise ValidationError("This round is already closed.")
    reporting_round.closed_at = timezone.now()
    reporting_round.save(update_fields=["closed_at"])
    return reporting_round


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Enter the reason, for the round's record."]})
    return reason


@transaction.atomic
def round_action_add(
    *, reporting_round: ReportingRound, action: Action, reason: str
) -> RoundAction:
    """Bring an action into the round's scope (again, if it was removed), saying why."""
    reason = _required_reason(reason)
    if action.plan_id != reporting_round.plan_id:
        raise ValidationError({"action": ["That action belongs to another plan."]})
    entry, created = RoundAction.objects.select_for_update().get_or_create(
        round=reporting_round, action=action, defaults={"added_reason": reason}
    )
    if not created:
        if entry.in_scope:
            raise ValidationError({"action": ["That action is already in this round."]})
        entry.removed_at, entry.removed_reason, entry.added_reason = None, "", reason
        entry.save(update_fields=["removed_at", "removed_reason", "added_reason"])
    return entry


@transaction.atomic
def round_action_remove(
    *, reporting_round: ReportingRound, action: Action, reason: str
) -> RoundAction:
    """Take an action out of the round's scope, saying why; its row (and any return) stays."""
    reason = _required_reason(reason)
    entry = (
        RoundAction.objects.select_for_update()
        .filter(round=reporting_round, action=action, removed_at__isnull=True)
        .first()
    )
    if entry is None:
        raise ValidationError({"action": ["That action is not in this round."]})
    entry.removed_at, entry.removed_reason = timezone.now(), reason
    entry.save(update_fields=["removed_at", "removed_reason"])
    return entry


def round_return_record(*, update: StatusUpdate) -> RoundAction | None:
    """Make `update` its action's return to the latest round it is in, if that round is open
    or still awaits a return. A new return needs sign-off again. Called by
    status_update_create inside its transaction."""
    entry = (
        RoundAction.objects.in_scope()
        .select_related("round")
        .select_for_update(of=("self",))
        .filter(action_id=update.action_id)
        .order_by("-round__opened_at", "-round_id")
        .first()
    )
    if entry is None or not (entry.round.is_open or entry.return_update_id is None):
        return None
    day = timezone.localdate(update.created_at)
    entry.return_update = update
    entry.is_late = not entry.round.is_open or day > entry.round.deadline
    entry.review = Review.AWAITING
    entry.save(update_fields=["return_update", "is_late", "review"])
    return entry


def _enqueue_emails(reporting_round: ReportingRound) -> None:
    from actionplan.tasks import send_round_emails  # tasks import this module's models

    pk = reporting_round.pk
    transaction.on_commit(lambda: send_round_emails.enqueue(pk))


@transaction.atomic
def sign_off_create(
    *,
    entry: RoundAction,
    decided_by: User,
    decision: str,
    seen_update_id: int,
    comment: str = "",
) -> SignOff:
    """Record a chair's decision on the return they saw (`seen_update_id`): approve it, or
    return it to the owner with a comment (the owner is e-mailed, from the worker). Refused
    if the owner has updated since, so nothing is approved unseen. Append-only."""
    entry = RoundAction.objects.select_for_update().get(pk=entry.pk)
    entry.round = ReportingRound.objects.get(pk=entry.round_id)
    if not entry.round.is_open:
        raise ValidationError("This round is closed: its returns can no longer be signed off.")
    if entry.return_update_id is None or not entry.in_scope:
        raise ValidationError("There is no return to sign off for this action.")
    if entry.return_update_id != seen_update_id:
        raise ValidationError(
            "The owner has updated this action since you opened the page: read the new "
            "return first."
        )
    comment = comment.strip()
    if decision == SignOff.Decision.RETURNED and not comment:
        raise ValidationError(
            {"comment": ["Say what the owner should change: returning needs a comment."]}
        )
    if decision not in SignOff.Decision.values:
        raise ValidationError("Choose to sign off or to return the update.")
    sign_off = SignOff.objects.create(
        entry=entry,
        update_id=seen_update_id,
        decision=decision,
        comment=comment,
        decided_by=decided_by,
    )
    entry.review = Review(decision)
    entry.save(update_fields=["review"])
    if decision == SignOff.Decision.RETURNED:
        _enqueue_emails(entry.round)
    return sign_off


@transaction.atomic
def sign_off_approve_many(
    *, entries: list[RoundAction], decided_by: User, seen: dict[int, int]
) -> tuple[list[RoundAction], list[str]]:
    """Approve each entry whose return the chair saw (`seen`: entry id -> update id). Returns
    the approved entries and, for the others, why not (each in its own savepoint)."""
    approved, refused = [], []
    for entry in entries:
        try:
            with transaction.atomic():
                sign_off_create(
                    entry=entry,
                    decided_by=decided_by,
                    decision=SignOff.Decision.APPROVED,
                    seen_update_id=seen[entry.pk],
                )
        except ValidationError as error:
            refused.append(f"{entry.action.reference}: {' '.join(error.messages)}")
        else:
            approved.append(entry)
    return approved, refused


# Reads -------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass
class Tally:
    """One row of the round page's figures (the whole round, a body or an agency)."""

    name: str
    total: int = 0
    received: int = 0
    late: int = 0
    approved: int = 0
    returned: int = 0

    @property
    def outstanding(self) -> int:
        return self.total - self.received

    @property
    def received_percent(self) -> int:
        return percent(self.received, self.total)

    @property
    def approved_percent(self) -> int:
        return percent(self.approved, self.total)


@dataclass
class RoundProgress:
    overall: Tally
    by_body: list[Tally]
    by_agency: list[Tally]
    to_reply: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    roles_unheld: list = field(default_factory=list)
    people_without_email: list = field(default_factory=list)


def _tallies(entries, key: str, blank: str) -> list[Tally]:
    rows = entries.values(key).annotate(**ROUND_COUNTS).order_by(key)
    return [Tally(name=row.pop(key) or blank, **row) for row in rows]


def _outstanding_filter(reporting_round, prefix: str) -> Q:
    """Rows reached through `prefix` (a path to RoundAction) that are outstanding in the round:
    one filter() call, so one join."""
    return Q(
        **{
            f"{prefix}__round": reporting_round,
            f"{prefix}__removed_at__isnull": True,
            f"{prefix}__return_update__isnull": True,
        }
    )


def round_progress(reporting_round: ReportingRound) -> RoundProgress:
    """The round page's figures and lists in a fixed number of queries (seven, whatever the
    number of actions or people): overall, per body, per agency, people to reply, e-mails
    waiting to go, roles nobody holds, people without an e-mail address."""
    entries = RoundAction.objects.filter(round=reporting_round).in_scope()
    path = "roles__action_links__action__round_entries"
    return RoundProgress(
        overall=Tally(name="All actions", **entries.counts()),
        by_body=_tallies(entries, "action__accountable_body__name", "No body"),
        by_agency=_tallies(entries, "action__owner_links__role__agency__name", "No owner role"),
        to_reply=list(people_to_reply(reporting_round)),
        waiting=list(
            RoundEmail.objects.filter(round=reporting_round, sent_at__isnull=True)
            .select_related("person")
            .order_by("next_attempt_at", "pk")
        ),
        roles_unheld=list(
            OwnerRole.objects.filter(
                _outstanding_filter(reporting_round, "action_links__action__round_entries")
            )
            .exclude(holders__is_active=True)
            .select_related("agency")
            .distinct()
            .order_by("agency__name", "title")
        ),
        people_without_email=list(
            User.objects.filter(_outstanding_filter(reporting_round, path), is_active=True)
            .filter(email="")
            .distinct()
            .order_by("last_name", "first_name", "username")
        ),
    )


def people_to_reply(reporting_round: ReportingRound):
    """Active people holding an owner role of an outstanding action, each annotated with
    `outstanding` (how many) and `last_emailed` (when this round last e-mailed them)."""
    path = "roles__action_links__action__round_entries"
    return (
        User.objects.filter(_outstanding_filter(reporting_round, path), is_active=True)
        .annotate(
            outstanding=Count(f"{path}", distinct=True),
            last_emailed=Max(
                "round_emails__sent_at", filter=Q(round_emails__round=reporting_round)
            ),
        )
        .order_by("last_name", "first_name", "username")
    )


@dataclass
class RoundDue:
    """My actions' banner for one open round: what the person still owes, and what is late."""

    reporting_round: ReportingRound
    entries: list[RoundAction]
    today: date
    returned: list[RoundAction] = field(default_factory=list)

    @property
    def is_late(self) -> bool:
        return self.today > self.reporting_round.deadline


def round_dues_for(user: User, *, today: date) -> list[RoundDue]:
    """The person's outstanding returns in open rounds, and those their chair returned to
    them (with the chair's latest comment), by round. Two queries."""
    entries = (
        RoundAction.objects.in_scope()
        .filter(Q(return_update__isnull=True) | Q(review=Review.RETURNED))
        .filter(round__closed_at__isnull=True, action__in=Action.objects.owned_by(user))
        .select_related("round", "action")
        .prefetch_related(_latest_sign_off())
        .order_by("round__deadline", "round_id", "action__sort_key")
    )
    dues: dict[int, RoundDue] = {}
    for entry in entries:
        due = dues.setdefault(entry.round_id, RoundDue(entry.round, [], today))
        (due.entries if entry.return_update_id is None else due.returned).append(entry)
    return list(dues.values())


def _latest_sign_off():
    """Each entry's sign-offs, newest first, as `decisions` (the first is the latest)."""
    return Prefetch(
        "sign_offs",
        queryset=SignOff.objects.select_related("decided_by").order_by("-decided_at", "-pk"),
        to_attr="decisions",
    )


def returns_for_sign_off(reporting_round: ReportingRound, *, body_ids: set[int] | None):
    """The round's returns (in scope, received) for the given bodies (None: all), with what a
    chair reads before deciding: the return and its author, the action's body and measures,
    `previous_rag` (the status at the end of the quarter before) and the sign-offs so far
    (`decisions`, newest first). Four queries, whatever the number of returns."""
    before = end_of_day(reporting_round.quarter_obj.start - timedelta(days=1))
    previous = StatusUpdate.objects.filter(
        action=OuterRef("action_id"), created_at__lt=before
    ).order_by("-created_at", "-pk")
    entries = RoundAction.objects.filter(round=reporting_round, return_update__isnull=False)
    if body_ids is not None:
        entries = entries.filter(action__accountable_body_id__in=body_ids)
    return (
        entries.in_scope()
        .select_related("action__accountable_body", "return_update__author")
        .prefetch_related("action__measures", _latest_sign_off())
        .annotate(previous_rag=Subquery(previous.values("rag")[:1]))
        .order_by("action__accountable_body__name", "action__sort_key")
    )

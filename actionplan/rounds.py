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
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from accounts.models import Agency, User
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    MeasureValue,
    OwnerRole,
    Plan,
    StatusUpdate,
    end_of_day,
)
from actionplan.quarters import Quarter
from actionplan.rag import NOT_RATED, Rag, rag_as_of_q
from actionplan.round_emails import waiting_return_notices
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
    """Every action of the plan at the quarter's end (as_of), still in it (not retired since:
    a retired action is not updated), not already Blue before it began."""
    before = quarter.start - timedelta(days=1)
    not_blue = [Rag.GREEN, Rag.AMBER, Rag.RED, NOT_RATED]
    actions = Action.objects.filter(plan=plan).as_of(quarter.end).current()
    actions = actions.with_status_as_of(before)
    return actions.filter(rag_as_of_q(not_blue))


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
    entries = RoundAction.objects.bulk_create(
        [RoundAction(round=reporting_round, action_id=pk) for pk in scope], batch_size=500
    )
    _link_updates_made_before_opening(reporting_round, entries)
    refresh_quarter_rows(plan_id=plan.pk, quarter=quarter.slug)
    _after_open(reporting_round)
    return reporting_round


def _link_updates_made_before_opening(reporting_round, entries: list[RoundAction]) -> None:
    """An owner who updated once the quarter was over, before the round opened, has made
    their return: link it, so that they are not asked again. Two queries (one if none)."""
    latest = {
        pk: (update_id, rag, made)
        for pk, update_id, rag, made in Action.objects.filter(
            round_entries__round=reporting_round,
            latest_update__created_at__gte=reporting_round.returns_from,
            latest_update__created_at__lte=reporting_round.opened_at,
        ).values_list("pk", "latest_update_id", "latest_update__rag", "latest_update__created_at")
    }
    answered = [entry for entry in entries if entry.action_id in latest]
    for entry in answered:
        entry.return_update_id, entry.return_rag, entry.return_at = latest[entry.action_id]
        entry.is_late = timezone.localdate(entry.return_at) > reporting_round.deadline
    RoundAction.objects.bulk_update(
        answered, ["return_update", "return_rag", "return_at", "is_late"], batch_size=500
    )


def refresh_quarter_rows(*, plan_id: int, quarter: str) -> None:
    """Mark the rows the plan's views of `quarter` read (RoundAction.quarter): the in-scope
    rows of its latest round of the quarter, and no others. Called wherever a round opens or
    its scope changes, in that write's transaction. Two queries."""
    rows = RoundAction.objects.filter(round__plan_id=plan_id, round__quarter=quarter)
    latest = ReportingRound.objects.latest_of_quarter(Quarter.parse(quarter), plan=plan_id)
    shown = Q(round_id__in=Subquery(latest), removed_at__isnull=True)
    rows.filter(shown).exclude(quarter=quarter).update(quarter=quarter)
    rows.exclude(shown).exclude(quarter="").update(quarter="")


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
    if action.is_retired:
        raise ValidationError({"action": [f"Action {action.reference} is retired."]})
    entry, created = RoundAction.objects.select_for_update().get_or_create(
        round=reporting_round, action=action, defaults={"added_reason": reason}
    )
    if not created:
        if entry.in_scope:
            raise ValidationError({"action": ["That action is already in this round."]})
        entry.removed_at, entry.removed_reason, entry.added_reason = None, "", reason
        entry.save(update_fields=["removed_at", "removed_reason", "added_reason"])
    refresh_quarter_rows(plan_id=reporting_round.plan_id, quarter=reporting_round.quarter)
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
    refresh_quarter_rows(plan_id=reporting_round.plan_id, quarter=reporting_round.quarter)
    return entry


def _answered_entry(*, action_id: int, when, lock: bool = False) -> RoundAction | None:
    """The round entry an update of the action made at `when` is the return to: the latest
    round it is in, if that round is open or still awaits a return, and `when` is not before
    the round's quarter was over. None if it answers no round."""
    entries = RoundAction.objects.in_scope().select_related("round")
    if lock:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(action_id=action_id).order_by("-round__opened_at", "-round_id").first()
    if entry is None or not (entry.round.is_open or entry.return_update_id is None):
        return None
    if when < entry.round.returns_from:
        return None  # recorded now, dated before the round's quarter was over
    return entry


def reported_quarter(*, action_id: int, when) -> Quarter:
    """The quarter an update of the action made at `when` reports on, and so the quarter of
    the measure values given with it: the quarter of the round it is the return to, else the
    quarter `when` falls in."""
    entry = _answered_entry(action_id=action_id, when=when)
    return entry.round.quarter_obj if entry else Quarter.containing(timezone.localdate(when))


def round_return_record(*, update: StatusUpdate) -> RoundAction | None:
    """Make `update` its action's return to the latest round it is in, if that round is open
    or still awaits a return. A new return needs sign-off again. Called by
    status_update_create inside its transaction."""
    entry = _answered_entry(action_id=update.action_id, when=update.created_at, lock=True)
    if entry is None:
        return None
    day = timezone.localdate(update.created_at)
    entry.return_update = update
    entry.return_rag, entry.return_at = update.rag, update.created_at
    entry.is_late = not entry.round.is_open or day > entry.round.deadline
    entry.review = Review.AWAITING
    entry.save(update_fields=["return_update", "return_rag", "return_at", "is_late", "review"])
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


def quarter_returns(quarter: Quarter) -> "Tally | None":
    """The returns of every plan's reporting rounds for `quarter` (the Board overview's
    headline), in one query; None if no round asked for them."""
    rounds = RoundAction.objects.in_scope().filter(round__quarter=quarter.slug)
    counts = rounds.counts()
    if not counts["total"]:
        return None
    return Tally(f"Returns for {quarter.short_label}", **counts)


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
    waiting_notices: list = field(default_factory=list)  # "returned to owner" SignOffs
    roles_unheld: list = field(default_factory=list)
    people_without_email: list = field(default_factory=list)


def round_progress(reporting_round: ReportingRound) -> RoundProgress:
    """The round page's figures and lists in a fixed number of queries (six, whatever the
    number of actions or people): counts per body and per agency, the people to reply with
    their outstanding counts, when each was last e-mailed, the roles nobody holds, the e-mails
    waiting and the "returned to owner" notices waiting.

    Counted in the database: reading every in-scope row and owner link and counting them in
    Python took 178 ms at 10,000 actions on SQLite, and reading the outstanding actions' 8,500
    owner links to count per person about 30 ms on PostgreSQL (bench/rounds.py); grouping in
    SQL takes the figures in bench/README.md.
    """
    by_body, by_agency = _tallies(reporting_round)
    overall = Tally(name="All actions")
    for tally in by_body:
        for count in ROUND_COUNTS:
            setattr(overall, count, getattr(overall, count) + getattr(tally, count))
    to_reply, roles_unheld, without_email = _people_lists(reporting_round)
    return RoundProgress(
        overall=overall,
        by_body=by_body,
        by_agency=by_agency,
        to_reply=to_reply,
        waiting=list(
            RoundEmail.objects.filter(round=reporting_round, sent_at__isnull=True)
            .select_related("person")
            .order_by("next_attempt_at", "pk")
        ),
        waiting_notices=list(waiting_return_notices(reporting_round)),
        roles_unheld=roles_unheld,
        people_without_email=without_email,
    )


def _tallies(reporting_round: ReportingRound) -> tuple[list[Tally], list[Tally]]:
    """Counts per accountable body and per owning agency, in one query. Per agency each action
    counts once however many of its roles that agency holds, and actions with no owner role
    count under "No owner role".

    In SQL of our own: the ORM's COUNT(DISTINCT ...) per agency took 45-57 ms at 10,000 actions
    on SQLite, against 15-25 ms for counting the distinct (action, agency) pairs in a derived
    table, which the ORM cannot aggregate over; grouping by body id before reading the names
    halved the body counts on PostgreSQL (11 -> 5 ms). bench/rounds.py.
    """
    flags = """
        CASE WHEN entry.return_update_id IS NULL THEN 0 ELSE 1 END AS received,
        CASE WHEN entry.is_late THEN 1 ELSE 0 END AS late,
        CASE WHEN entry.review = %s THEN 1 ELSE 0 END AS approved,
        CASE WHEN entry.review = %s THEN 1 ELSE 0 END AS returned
    """
    sums = "COUNT(*) AS total, SUM(received) AS received, SUM(late) AS late, "
    sums += "SUM(approved) AS approved, SUM(returned) AS returned"
    in_scope = "entry.round_id = %s AND entry.removed_at IS NULL"
    sql = f"""
        SELECT 'body', body.name, counts.*
        FROM (
            SELECT act.accountable_body_id AS id, {sums}
            FROM (
                SELECT entry.action_id, {flags}
                FROM {RoundAction._meta.db_table} entry
                WHERE {in_scope}
            ) flagged
            JOIN {Action._meta.db_table} act ON act.id = flagged.action_id
            GROUP BY act.accountable_body_id
        ) counts
        JOIN {AccountableBody._meta.db_table} body ON body.id = counts.id
        UNION ALL
        SELECT 'agency', agency.name, counts.*
        FROM (
            SELECT pairs.agency_id AS id, {sums}
            FROM (
                SELECT DISTINCT entry.action_id, role.agency_id, {flags}
                FROM {RoundAction._meta.db_table} entry
                LEFT JOIN {ActionOwner._meta.db_table} link ON link.action_id = entry.action_id
                LEFT JOIN {OwnerRole._meta.db_table} role ON role.id = link.role_id
                WHERE {in_scope}
            ) pairs
            GROUP BY pairs.agency_id
        ) counts
        LEFT JOIN {Agency._meta.db_table} agency ON agency.id = counts.id
    """  # noqa: S608 - table names from the models; every value is a parameter
    values = [Review.APPROVED, Review.RETURNED, reporting_round.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, values * 2)
        rows = cursor.fetchall()
    tallies = {"body": [], "agency": []}
    for kind, name, _, *counts in rows:
        tallies[kind].append(Tally(name or "No owner role", *(int(n or 0) for n in counts)))
    return tuple(sorted(tallies[kind], key=lambda tally: tally.name) for kind in tallies)


def _people_lists(reporting_round: ReportingRound):
    """People to reply (active, with `outstanding` and `last_emailed`), the roles of
    outstanding actions that no active person holds, and active people without an e-mail
    address. Three queries, whatever the number of actions or people.

    The people are counted by id in SQL of our own and read with those counts: the ORM's
    COUNT(DISTINCT ...) grouped by every column of the user through five joins took 45-63 ms at
    10,000 actions on SQLite, against 12 ms for grouping by id (bench/rounds.py).
    """
    holders = OwnerRole.holders.through._meta.db_table
    sql = f"""
        SELECT person.*, owes.outstanding
        FROM {User._meta.db_table} person
        JOIN (
            SELECT holder.user_id, COUNT(DISTINCT entry.action_id) AS outstanding
            FROM {RoundAction._meta.db_table} entry
            JOIN {ActionOwner._meta.db_table} link ON link.action_id = entry.action_id
            JOIN {holders} holder ON holder.ownerrole_id = link.role_id
            WHERE entry.round_id = %s AND entry.removed_at IS NULL
                AND entry.return_update_id IS NULL
            GROUP BY holder.user_id
        ) owes ON owes.user_id = person.id
        WHERE person.is_active
        ORDER BY person.last_name, person.first_name, person.username
    """  # noqa: S608 - table names from the models; every value is a parameter
    people = list(User.objects.raw(sql, [reporting_round.pk]))
    # Rows closed unsent carry their reason in last_error (round_emails).
    last_emailed = dict(
        RoundEmail.objects.filter(round=reporting_round, sent_at__isnull=False, last_error="")
        .values("person")
        .annotate(last=Max("sent_at"))
        .values_list("person", "last")
        .order_by()
    )
    for person in people:
        person.last_emailed = last_emailed.get(person.pk)
    # The roles of outstanding actions, found once for all roles (as a list the database builds
    # first): a correlated EXISTS per role read the round's rows again for every role nobody
    # holds, 1 ms each at 10,000 actions on SQLite.
    outstanding_roles = ActionOwner.objects.filter(
        action__round_entries__round=reporting_round,
        action__round_entries__removed_at__isnull=True,
        action__round_entries__return_update__isnull=True,
    ).values("role")
    unheld = (
        OwnerRole.objects.filter(pk__in=outstanding_roles)
        .exclude(holders__is_active=True)
        .select_related("agency")
        .order_by("agency__name", "title")
    )
    return people, list(unheld), [person for person in people if not person.email]


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
        .filter(round__closed_at__isnull=True, action__in=Action.objects.current().owned_by(user))
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


def _return_values():
    """The measure values given with each return, in the measures' order: the chair signs
    them off with the status."""
    values = MeasureValue.objects.select_related("measure").order_by("measure__order", "pk")
    return Prefetch("return_update__measure_values", queryset=values, to_attr="values")


def returns_for_sign_off(reporting_round: ReportingRound, *, body_ids: set[int] | None):
    """The round's returns (in scope, received) for the given bodies (None: all), with what a
    chair reads before deciding: the return and its author, the action's body and measures,
    the measure values given with the return (`return_update.values`), `previous_rag` (the
    status at the end of the quarter before) and the sign-offs so far (`decisions`, newest
    first). Five queries, whatever the number of returns."""
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
        .prefetch_related("action__measures", _return_values(), _latest_sign_off())
        .annotate(previous_rag=Subquery(previous.values("rag")[:1]))
        .order_by("action__accountable_body__name", "action__sort_key")
    )

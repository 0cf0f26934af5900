"""Writes to the plan and its status. Views and commands call these; nothing else writes
statuses."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from actionplan.measures import band
from actionplan.models import (
    PREFETCHED_OWNER_LINKS,
    PREFETCHED_REVISIONS,
    Action,
    ActionOwner,
    DueDateRevision,
    Measure,
    MeasureValue,
    OwnerChange,
    OwnerChangeEmail,
    OwnerChangeNotice,
    StatusUpdate,
    StatusUpdateDraft,
)
from actionplan.quarters import Quarter
from actionplan.rag import Rag
from actionplan.rounds import reported_quarter, round_return_record

# Red and Amber must say what is being done about it; a word or two is not enough.
MIN_CONCERN_COMMENTARY = 50


class StatusConflictError(Exception):
    """Someone else updated the action after the author loaded it."""

    def __init__(self, action: Action):
        self.action = action
        self.latest = action.latest_update
        super().__init__(f"Action {action.reference} was updated by someone else.")


def commentary_errors(*, rag: str, commentary: str) -> list[str]:
    """The commentary rules, in words a person can act on (the form shows them up front)."""
    text = commentary.strip()
    if not text:
        return ["Enter a commentary: say what has happened since the last update."]
    if rag in {Rag.RED, Rag.AMBER} and len(text) < MIN_CONCERN_COMMENTARY:
        return [
            f"For {Rag(rag).label}, say what is being done about it in at least "
            f"{MIN_CONCERN_COMMENTARY} characters (you wrote {len(text)})."
        ]
    return []


@transaction.atomic
def status_update_create(
    *,
    action: Action,
    author,
    rag: str,
    commentary: str,
    evidence_url: str = "",
    expected_version: int,
    is_demo: bool = False,
    created_at=None,
    measure_values: "list[ReportedValue] | None" = None,
) -> StatusUpdate:
    """Append a status update and make it the action's current status, atomically; the
    author's draft on the action has served its purpose and goes in the same transaction.

    `expected_version` is the action version the author saw. If anyone saved in between, raise
    StatusConflictError and save nothing: a second editor never silently overwrites the first.

    `measure_values`, if given, are the values of the action's quantified measures for the
    quarter the update reports on (rounds.reported_quarter): one for each measure due then,
    recorded with the update in the same transaction (measure_values_record); the update
    and the values are saved together or not at all.
    """
    errors = commentary_errors(rag=rag, commentary=commentary)
    if errors:
        raise ValidationError({"commentary": errors})
    if rag not in Rag.values:
        raise ValidationError({"rag": ["Choose a RAG status."]})
    created_at = created_at or timezone.now()
    new_version = expected_version + 1
    # The conditional UPDATE is the lock: on PostgreSQL a concurrent writer waits for the row
    # and then finds the version moved; SQLite serialises writers. The unique (action, version)
    # constraint on StatusUpdate backs this up at the database.
    claimed = Action.objects.filter(pk=action.pk, version=expected_version).update(
        version=F("version") + 1, current_rag=rag
    )
    if not claimed:
        raise StatusConflictError(
            Action.objects.select_related("latest_update__author").get(pk=action.pk)
        )
    try:
        with transaction.atomic():
            update = StatusUpdate.objects.create(
                action=action,
                rag=rag,
                commentary=commentary.strip(),
                evidence_url=evidence_url,
                author=author,
                version=new_version,
                is_demo=is_demo,
                created_at=created_at,
            )
    except IntegrityError:
        raise StatusConflictError(
            Action.objects.select_related("latest_update__author").get(pk=action.pk)
        ) from None
    Action.objects.filter(pk=action.pk).update(latest_update=update)
    entry = round_return_record(update=update)
    if measure_values is not None:
        quarter = (
            entry.round.quarter_obj
            if entry
            else reported_quarter(action_id=action.pk, when=created_at)
        )
        measure_values_record(update=update, quarter=quarter, reported=measure_values)
    StatusUpdateDraft.objects.filter(action=action, author=author).delete()
    action.current_rag, action.version, action.latest_update = rag, new_version, update
    return update


@transaction.atomic
def due_date_revision_create(
    *, action: Action, author, due_date: date, reason: str, revised_at=None
) -> DueDateRevision:
    """Revise an action's due date, keeping the date it replaces and the reason: appends a
    revision; the plan's date on the action never changes. The caller checks that `author`
    may (accounts.permissions.can_revise_due_date)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Enter the reason for the new due date."]})
    revised_at = revised_at or timezone.now()
    # Locked, so that two revisions at once each record the date the other replaced.
    locked = Action.objects.select_for_update().get(pk=action.pk)
    previous = locked.due_date_on(timezone.localdate(revised_at))
    if due_date == previous:
        raise ValidationError(
            {"due_date": [f"The action is already due on {due_date:%-d %B %Y}: enter a new date."]}
        )
    revision = DueDateRevision.objects.create(
        action=action,
        previous_due_date=previous,
        due_date=due_date,
        reason=reason,
        revised_by=author,
        revised_at=revised_at,
    )
    action.__dict__.pop(PREFETCHED_REVISIONS, None)
    return revision


@dataclass(frozen=True)
class ReportedValue:
    """A quarter's value of one quantified measure as an owner gave it (None: missing)."""

    measure_id: int
    value: Decimal | None
    note: str = ""
    is_estimate: bool = False


def measure_value_errors(
    *, value: Decimal | None, note: str, is_estimate: bool, previous: MeasureValue | None
) -> list[str]:
    """The rules of a reported value, in words a person can act on (the form shows them by
    the value): a missing or estimated value needs a note, and so does a value that replaces
    a different one already reported for the quarter (the note is the correction's reason)."""
    note = note.strip()
    if value is None and not note:
        return ["Enter the value, or say in the note why there is none this quarter."]
    if is_estimate and not note:
        return ["Say in the note how the value was estimated."]
    if previous is not None and previous.value != value and not note:
        return [
            f"This corrects the {previous.display} already reported for the quarter: say why "
            "in the note."
        ]
    return []


def latest_values(measure_ids, quarter: Quarter) -> dict[int, MeasureValue]:
    """Each measure's value for `quarter` as it stands (the latest recorded), by measure id.
    One query."""
    values = MeasureValue.objects.filter(measure_id__in=measure_ids, quarter=quarter.slug)
    return {value.measure_id: value for value in values.select_related("measure")}


def measure_values_record(
    *, update: StatusUpdate, quarter: Quarter, reported: list[ReportedValue]
) -> list[MeasureValue]:
    """Record the values given with `update` for `quarter`, each superseding the value already
    there for the quarter, and refresh each measure's band against target. Called by
    status_update_create inside its transaction; raises ValidationError (keyed by measure id)
    and so saves nothing of the update if a value breaks a rule or a due measure has none."""
    measures = {m.pk: m for m in update.action.measures.all() if m.is_quantified}
    given = {item.measure_id: item for item in reported}
    unknown = set(given) - set(measures)
    if unknown:
        raise ValidationError("A value was given for a measure this action does not quantify.")
    previous = latest_values(measures, quarter)
    errors = {}
    for pk, measure in measures.items():
        item = given.get(pk)
        if item is None:
            if measure.is_due(quarter):
                errors[f"value_{pk}"] = [f"Enter this quarter's value of “{measure}”."]
            continue
        problems = measure_value_errors(
            value=item.value,
            note=item.note,
            is_estimate=item.is_estimate,
            previous=previous.get(pk),
        )
        if problems:
            errors[f"value_{pk}"] = problems
    if errors:
        raise ValidationError(errors)
    values = MeasureValue.objects.bulk_create(
        [
            MeasureValue(
                measure_id=pk,
                quarter=quarter.slug,
                value=item.value,
                note=item.note.strip(),
                is_estimate=item.is_estimate,
                supersedes=previous.get(pk),
                status_update=update,
                recorded_by=update.author,
                recorded_at=update.created_at,
                is_demo=update.is_demo,
                against_target=band(item.value, measures[pk].target_for(quarter)) or "",
            )
            for pk, item in given.items()
        ]
    )
    for value in values:
        _band_record(measures[value.measure_id], quarter=quarter, value=value.value)
    return values


def _band_record(measure: Measure, *, quarter: Quarter, value: Decimal | None) -> None:
    """Make `value` the measure's current band if `quarter` is its latest reported quarter."""
    if measure.current_quarter and quarter.slug < measure.current_quarter:
        return  # a correction of an earlier quarter: the latest quarter's band stands
    measure.current_rag = band(value, measure.target_for(quarter)) or ""
    measure.current_quarter = quarter.slug
    Measure.objects.filter(pk=measure.pk).update(
        current_rag=measure.current_rag, current_quarter=measure.current_quarter
    )


@transaction.atomic
def measure_quantify(*, measure: Measure, fields: dict) -> Measure:
    """Set a measure's numbers (unit, baseline, target...) from `fields`, checked by
    Measure.clean(), and band its latest value again against the new target."""
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    measure.save()
    return measure_band_refresh(measure=measure)


@transaction.atomic
def measure_band_refresh(*, measure: Measure) -> Measure:
    """Band the measure's values again, after its target or tolerance changed (the admin
    calls this when it saves a measure): each value's own band, and the latest quarter's as
    the measure's current one."""
    values = list(MeasureValue.objects.filter(measure=measure))
    for value in values:
        value.measure = measure  # its band reads the measure just changed
        value.against_target = value.rag or ""
    MeasureValue.objects.bulk_update(values, ["against_target"], batch_size=500)
    latest = max(
        values, key=lambda value: (value.quarter, value.recorded_at, value.pk), default=None
    )
    if latest is None or not measure.is_quantified:
        Measure.objects.filter(pk=measure.pk).update(current_rag="", current_quarter="")
        measure.current_rag = measure.current_quarter = ""
        return measure
    measure.current_quarter = ""
    _band_record(measure, quarter=latest.quarter_obj, value=latest.value)
    return measure


# An action's status, denormalised from its latest StatusUpdate (see status_update_create).
_STATUS_FIELDS = ["current_rag", "latest_update", "version"]


@transaction.atomic
def plan_load(*, path: Path) -> int:
    """Load a plan fixture (build_plan_fixture's output), keeping every action's status.

    A fixture describes the plan, never its status. loaddata saves every field of an action,
    so an action already here would come back not yet rated, with no latest update and its
    version at 0 (and its next update would collide with its history): the status of each
    action that has one is read first and written back after, in the same transaction.
    Objects are matched by natural key, so loading the same fixture twice changes nothing.
    Returns the number of actions whose status was kept.
    """
    rated = Action.objects.exclude(version=0, current_rag="", latest_update=None)
    kept = list(rated.only("pk", *_STATUS_FIELDS))
    call_command("loaddata", str(path), verbosity=0)
    Action.objects.bulk_update(kept, _STATUS_FIELDS, batch_size=500)
    return len(kept)


@transaction.atomic
def status_update_draft_save(
    *,
    action: Action,
    author,
    rag: str,
    commentary: str,
    evidence_url: str,
    version: int,
    measure_values: dict | None = None,
) -> StatusUpdateDraft:
    """Keep what `author` has typed into `action`'s update form, replacing their last draft.
    `measure_values`: the quantified measures' fields as typed (StatusUpdateDraft)."""
    draft, _ = StatusUpdateDraft.objects.update_or_create(
        action=action,
        author=author,
        defaults={
            "rag": rag,
            "commentary": commentary,
            "evidence_url": evidence_url,
            "measure_values": measure_values or {},
            "version": version,
            "saved_at": timezone.now(),
        },
    )
    return draft


def status_update_draft_discard(*, action: Action, author) -> bool:
    """Delete `author`'s draft on `action`; False if there was none."""
    deleted, _ = StatusUpdateDraft.objects.filter(action=action, author=author).delete()
    return bool(deleted)


@transaction.atomic
def owner_changes_tell(*, changes: list[tuple[int, int, str]]) -> list[OwnerChangeNotice]:
    """Tell people of (person id, action id, OwnerChange) rows: a notice per row, shown in the
    app on their next visit, and one e-mail per person listing all of theirs, sent by the
    background worker once this transaction commits (actionplan.owner_emails), never in the
    request. Only active people with an e-mail address are e-mailed. Five queries.

    A person's e-mail not yet taken by a sender gets the new notices too, so that a change
    made of many (a plan revision changing the owners of many actions, each through
    action_owners_set) sends them one e-mail. It is locked first: a sender's claim waits for
    this transaction, then reads every notice, the new ones included."""
    if not changes:
        return []
    people = {person_id for person_id, _, _ in changes}
    reachable = User.objects.filter(pk__in=people, is_active=True, email__gt="")
    pending = OwnerChangeEmail.objects.select_for_update().filter(
        person__in=reachable, sent_at=None, claimed_at=None
    )
    email_of = {email.person_id: email for email in pending.order_by("pk")}
    emails = OwnerChangeEmail.objects.bulk_create(
        [
            OwnerChangeEmail(person_id=pk)
            for pk in sorted(reachable.values_list("pk", flat=True))
            if pk not in email_of
        ]
    )
    email_of |= {email.person_id: email for email in emails}
    notices = OwnerChangeNotice.objects.bulk_create(
        [
            OwnerChangeNotice(
                person_id=person_id,
                action_id=action_id,
                change=change,
                email=email_of.get(person_id),
            )
            for person_id, action_id, change in changes
        ]
    )
    User.objects.filter(pk__in=people).update(has_unread_notices=True)
    if email_of:
        from actionplan.tasks import send_owner_change_emails  # tasks import this module

        transaction.on_commit(send_owner_change_emails.enqueue)
    return notices


def _changes(person_id: int, before: set[int], after: set[int]) -> list[tuple[int, int, str]]:
    return [(person_id, pk, OwnerChange.GAINED) for pk in sorted(after - before)] + [
        (person_id, pk, OwnerChange.LOST) for pk in sorted(before - after)
    ]


@transaction.atomic
def owner_change_notices_create(*, action: Action, people_before: set[int]) -> list:
    """Tell the people who gained or lost `action` when its owner roles changed
    (owner_changes_tell): compares the active holders of its owner roles before the change
    (`people_before`, Action.owner_holder_ids() read then) with those now. Someone who still
    holds another of its owner roles is told nothing."""
    after = action.owner_holder_ids()
    changes = [(pk, action.pk, OwnerChange.GAINED) for pk in sorted(after - people_before)]
    changes += [(pk, action.pk, OwnerChange.LOST) for pk in sorted(people_before - after)]
    return owner_changes_tell(changes=changes)


def owned_action_ids(person_ids) -> dict[int, set[int]]:
    """The actions still in the plan (not retired) each of these people owns through the
    roles they hold, if they are active (one query): what holder_changes_tell compares before
    and after a change of roles."""
    rows = ActionOwner.objects.filter(
        role__holders__in=person_ids, role__holders__is_active=True, action__retired_on=None
    ).values_list("role__holders", "action_id")
    owned: dict[int, set[int]] = {pk: set() for pk in person_ids}
    for person_id, action_id in rows:
        owned[person_id].add(action_id)
    return owned


@transaction.atomic
def holder_changes_tell(*, before: dict[int, set[int]]) -> list:
    """Tell people who gained or lost actions because the roles they hold changed (the people
    pages, the admin): `before` is owned_action_ids() of everyone whose roles may have
    changed, read before the change."""
    after = owned_action_ids(list(before))
    changes = []
    for person_id in sorted(before):
        changes += _changes(person_id, before[person_id], after[person_id])
    return owner_changes_tell(changes=changes)


@transaction.atomic
def action_owners_set(*, action: Action, roles: list, by=None, reason: str = "") -> list:
    """Make `roles` the action's owner roles, in that order, and tell the people who gained or
    lost the action (owner_change_notices_create). The one way code changes an action's
    owners; the admin's owners inline calls owner_change_notices_create around its own save.

    Only real changes are written, one row at a time so that each is in the owners' history
    (with `by` and `reason`, if given): a role kept stays (moved if its place changed), so
    the action's audit trail shows what was added, moved and removed, nothing else."""
    wanted = {role.pk: order for order, role in enumerate(roles, start=1)}
    if len(wanted) != len(roles):
        raise ValidationError({"owners": ["Choose each owner role once."]})
    before = action.owner_holder_ids()
    links = list(action.owner_links.all())
    kept = [link for link in links if link.role_id in wanted]
    moved = [link for link in kept if link.order != wanted[link.role_id]]
    for link in links:
        if link.role_id not in wanted:
            _owner_link_write(link, by=by, reason=reason, delete=True)
    # Out of the way first, unrecorded: two kept roles may swap places (one order each).
    for offset, link in enumerate(moved, start=1):
        link.order = 1000 + offset
        link.skip_history_when_saving = True
        link.save(update_fields=["order"])
        del link.skip_history_when_saving
    for link in moved:
        link.order = wanted[link.role_id]
        _owner_link_write(link, by=by, reason=reason)
    have = {link.role_id for link in kept}
    for role in roles:
        if role.pk not in have:
            link = ActionOwner(action=action, role=role, order=wanted[role.pk])
            _owner_link_write(link, by=by, reason=reason)
    action.__dict__.pop(PREFETCHED_OWNER_LINKS, None)
    return owner_change_notices_create(action=action, people_before=before)


def _owner_link_write(link: ActionOwner, *, by, reason: str, delete: bool = False) -> None:
    if by is not None:
        link._history_user = by
    if reason:
        link._change_reason = reason[:100]  # simple-history's reason column
    if delete:
        link.delete()
    else:
        link.save()


@transaction.atomic
def owner_change_notices_read(*, person) -> list:
    """The person's unread notices, oldest first, marked read as they are handed over to be
    shown. The flag is cleared first: a notice written meanwhile sets it again."""
    User.objects.filter(pk=person.pk).update(has_unread_notices=False)
    person.has_unread_notices = False
    unread = OwnerChangeNotice.objects.filter(person=person, read_at__isnull=True)
    notices = list(unread.select_related("action").select_for_update(of=("self",)))
    unread.filter(pk__in=[notice.pk for notice in notices]).update(read_at=timezone.now())
    return notices

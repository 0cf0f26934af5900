"""Writes to the plan and its status. Views and commands call these; nothing else writes
statuses."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from actionplan.models import (
    PREFETCHED_OWNER_LINKS,
    PREFETCHED_REVISIONS,
    Action,
    ActionOwner,
    DueDateRevision,
    OwnerChange,
    OwnerChangeNotice,
    StatusUpdate,
    StatusUpdateDraft,
)
from actionplan.rag import Rag
from actionplan.rounds import round_return_record

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
) -> StatusUpdate:
    """Append a status update and make it the action's current status, atomically; the
    author's draft on the action has served its purpose and goes in the same transaction.

    `expected_version` is the action version the author saw. If anyone saved in between, raise
    StatusConflictError and save nothing: a second editor never silently overwrites the first.
    """
    errors = commentary_errors(rag=rag, commentary=commentary)
    if errors:
        raise ValidationError({"commentary": errors})
    if rag not in Rag.values:
        raise ValidationError({"rag": ["Choose a RAG status."]})
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
                created_at=created_at or timezone.now(),
            )
    except IntegrityError:
        raise StatusConflictError(
            Action.objects.select_related("latest_update__author").get(pk=action.pk)
        ) from None
    Action.objects.filter(pk=action.pk).update(latest_update=update)
    round_return_record(update=update)
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
    *, action: Action, author, rag: str, commentary: str, evidence_url: str, version: int
) -> StatusUpdateDraft:
    """Keep what `author` has typed into `action`'s update form, replacing their last draft."""
    draft, _ = StatusUpdateDraft.objects.update_or_create(
        action=action,
        author=author,
        defaults={
            "rag": rag,
            "commentary": commentary,
            "evidence_url": evidence_url,
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
def owner_change_notices_create(*, action: Action, people_before: set[int]) -> list:
    """Tell the people who gained or lost `action` when its owner roles changed, in the app
    on their next visit: compares the active holders of its owner roles before the change
    (`people_before`, Action.owner_holder_ids() read then) with those now. Someone who still
    holds another of its owner roles is told nothing."""
    after = action.owner_holder_ids()
    changes = [(pk, OwnerChange.GAINED) for pk in sorted(after - people_before)]
    changes += [(pk, OwnerChange.LOST) for pk in sorted(people_before - after)]
    notices = OwnerChangeNotice.objects.bulk_create(
        [OwnerChangeNotice(person_id=pk, action=action, change=change) for pk, change in changes]
    )
    User.objects.filter(pk__in=[pk for pk, _ in changes]).update(has_unread_notices=True)
    return notices


@transaction.atomic
def action_owners_set(*, action: Action, roles: list) -> list:
    """Make `roles` the action's owner roles, in that order, and tell the people who gained or
    lost the action (owner_change_notices_create). The one way code changes an action's
    owners; the admin's owners inline calls owner_change_notices_create around its own save."""
    before = action.owner_holder_ids()
    for link in action.owner_links.all():
        link.delete()  # one by one, so that each is in the owners' history
    for order, role in enumerate(roles, start=1):
        ActionOwner.objects.create(action=action, role=role, order=order)
    action.__dict__.pop(PREFETCHED_OWNER_LINKS, None)
    return owner_change_notices_create(action=action, people_before=before)


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

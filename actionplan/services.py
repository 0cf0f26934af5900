"""Writes to the plan's status. Views and commands call these; nothing else writes statuses."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from actionplan.models import Action, Rag, StatusUpdate

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
    """Append a status update and make it the action's current status, atomically.

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
    action.current_rag, action.version, action.latest_update = rag, new_version, update
    return update

"""Changes to a plan's actions after it was made: by business support in the app, or by the
re-import of a revised plan. Add, change, retire and reinstate; nothing is deleted and status
history is never touched.

Every save goes through django-simple-history (Action, ActionOwner and Measure keep their
history), with who made it and why; action_changes() reads that history back as the action
page's audit trail: who, when, why, and each field before and after.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actionplan.models import Action, ActionOwner, Measure

# simple-history's change reason column.
REASON_LENGTH = 100
# What the audit trail never shows: kept by the services themselves, not edited.
UNAUDITED = {"id", "sort_key", "current_rag", "latest_update", "version", "plan"}


def _saved(instance, *, by, reason: str):
    """Save `instance` with who and why in its history."""
    if by is not None:
        instance._history_user = by
    instance._change_reason = reason[:REASON_LENGTH]
    instance.save()
    return instance


def _required(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(f"Say why the action is {what}.")
    return text


@transaction.atomic
def action_add(*, plan, objective, fields: dict, by, reason: str = "Added to the plan") -> Action:
    """A new action in `plan` under `objective`, part of the plan from today unless `fields`
    says otherwise (added_on). Validated as a whole (Action.full_clean); a ValidationError
    leaves nothing written."""
    action = Action(plan=plan, objective=objective, added_on=timezone.localdate(), **fields)
    action.full_clean()
    return _saved(action, by=by, reason=reason)


@transaction.atomic
def action_change(*, action: Action, fields: dict, by, reason: str = "") -> list[str]:
    """Set `fields` on the action and save it with who and why, if anything changed. Returns
    the names of the fields that changed (none: nothing saved). A ValidationError leaves the
    action as it was in the database."""
    changed = [name for name, value in fields.items() if getattr(action, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(action, name, fields[name])
    action.full_clean()
    _saved(action, by=by, reason=reason or "Changed")
    return changed


@transaction.atomic
def action_retire(*, action: Action, on: date, reason: str, by) -> Action:
    """Take the action out of the plan from `on`: kept with its history, left out of views of
    that day or later (ActionQuerySet.as_of) and of new rounds."""
    if action.is_retired:
        raise ValidationError(f"Action {action.reference} is already retired.")
    text = _required(reason, "retired")
    action.retired_on, action.retired_reason = on, text
    return _saved(action, by=by, reason=f"Retired: {text}")


@transaction.atomic
def action_reinstate(*, action: Action, reason: str, by) -> Action:
    """Bring a retired action back into the plan (views of the days it was retired still
    leave it out: as_of reads only the current retired_on, so say so in the reason)."""
    if not action.is_retired:
        raise ValidationError(f"Action {action.reference} is not retired.")
    text = _required(reason, "reinstated")
    action.retired_on, action.retired_reason = None, ""
    return _saved(action, by=by, reason=f"Reinstated: {text}")


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Change:
    """One entry of an action's audit trail."""

    at: datetime
    by: str
    what: str
    reason: str
    fields: list[FieldChange] = field(default_factory=list)


def _text(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, date):
        return value.strftime("%-d %b %Y")
    return str(value)


def _person(record) -> str:
    user = record.history_user
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def action_changes(action: Action) -> list[Change]:
    """The action's audit trail, newest first: its own changes field by field, owners added and
    removed, measures added, changed and removed. Three queries whatever its length."""
    found = []
    labels = {f.name: str(f.verbose_name) for f in Action._meta.get_fields() if f.concrete}
    records = list(action.history.select_related("history_user").order_by("history_date"))
    for before, after in zip([None, *records], records, strict=False):
        if before is None:
            found.append(Change(after.history_date, _person(after), "Added", _reason(after)))
            continue
        delta = after.diff_against(before, excluded_fields=UNAUDITED)
        rows = [
            FieldChange(labels.get(c.field, c.field), _text(c.old), _text(c.new))
            for c in delta.changes
        ]
        if rows:
            found.append(
                Change(after.history_date, _person(after), "Changed", _reason(after), rows)
            )
    owners = ActionOwner.history.filter(action_id=action.pk).select_related(
        "history_user", "role__agency"
    )
    for record in owners.exclude(history_type="~"):
        what = "Owner added" if record.history_type == "+" else "Owner removed"
        found.append(Change(record.history_date, _person(record), what, str(record.role)))
    measures = Measure.history.filter(action_id=action.pk).select_related("history_user")
    for record in measures:
        what = {"+": "Measure added", "~": "Measure changed", "-": "Measure removed"}
        found.append(
            Change(record.history_date, _person(record), what[record.history_type], record.text)
        )
    return sorted(found, key=lambda change: change.at, reverse=True)


def _reason(record) -> str:
    return record.history_change_reason or ""

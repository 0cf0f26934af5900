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

from actionplan.models import Action, ActionOwner, Measure, Objective, Priority

# simple-history's change reason column.
REASON_LENGTH = 100
# What the audit trail never shows: kept by the services themselves, not edited.
UNAUDITED = {"id", "sort_key", "current_rag", "latest_update", "version", "plan"}


def _saved(instance, *, by, reason: str):
    """Save `instance` with who and why in its history."""
    _who_and_why(instance, by=by, reason=reason)
    instance.save()
    return instance


def _who_and_why(instance, *, by, reason: str) -> None:
    """What simple-history records with the next save or delete of `instance` (no `by`: the
    person of the current request, if any)."""
    if by is not None:
        instance._history_user = by
    instance._change_reason = reason[:REASON_LENGTH]


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
    action = Action(plan=plan, objective=objective, **{"added_on": timezone.localdate(), **fields})
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


# The headings and measures a re-import of a revised plan changes (actionplan.importing.revision),
# each with who and why in history like the actions above.


@transaction.atomic
def priority_add(*, plan, number: int, title: str, statement: str = "", by, reason: str):
    """A new first-level heading in `plan`."""
    priority = Priority(plan=plan, number=number, title=title, statement=statement)
    priority.full_clean(exclude=["title"])  # a plan may give a heading no title (NO_HEADING)
    return _saved(priority, by=by, reason=reason)


@transaction.atomic
def objective_add(*, priority, number: str, title: str, by, reason: str):
    """A new second-level heading under `priority` (an empty title: not given in the plan)."""
    objective = Objective(priority=priority, number=number, title=title)
    objective.full_clean(exclude=["sort_key"])
    return _saved(objective, by=by, reason=reason)


@transaction.atomic
def heading_change(*, heading, fields: dict, by, reason: str) -> list[str]:
    """Set `fields` (title, statement) on a Priority or Objective; the names that changed."""
    changed = [name for name, value in fields.items() if getattr(heading, name) != value]
    for name in changed:
        setattr(heading, name, fields[name])
    if changed:
        _saved(heading, by=by, reason=reason)
    return changed


@transaction.atomic
def measures_set(*, action, texts: list[str], by, reason: str) -> list[Measure]:
    """Make `texts` the sentences of the action's measures, in order: the measure at each
    place keeps its numbers and values and takes the new sentence; new places get a new
    measure. A measure past the last sentence is removed if it has no values recorded, and
    kept otherwise (values are never deleted): those kept are returned."""
    measures = list(action.measures.order_by("order"))
    next_order = max((m.order for m in measures), default=0) + 1
    for index, text in enumerate(texts):
        if index < len(measures):
            if measures[index].text != text:
                measures[index].text = text
                _saved(measures[index], by=by, reason=reason)
            continue
        _saved(Measure(action=action, text=text, order=next_order), by=by, reason=reason)
        next_order += 1
    kept = []
    for measure in measures[len(texts) :]:
        if measure.values.exists():
            kept.append(measure)
            continue
        _who_and_why(measure, by=by, reason=reason)
        measure.delete()
    return kept

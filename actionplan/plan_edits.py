"""Changes to a plan after it was made: by business support in the app, or by the re-import
of a revised plan. Add, change, retire and reinstate actions; set their measures and related
actions; add priorities and objectives. Nothing is deleted (but a measure's sentence nobody
reported on) and status history is never touched.

Every save goes through django-simple-history (Action, ActionOwner, Measure, the related
actions' links, Priority and Objective keep their history), with who made it and why;
action_changes() reads that history back as the action page's audit trail: who, when, why,
and each field before and after.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from actionplan.models import (
    REFERENCE_RE,
    AccountableBody,
    Action,
    ActionOwner,
    Measure,
    Objective,
    Priority,
    reference_sort_key,
)
from actionplan.services import action_owners_set

# simple-history's change reason column.
REASON_LENGTH = 100
# What the audit trail never shows: kept by the services themselves, not edited.
UNAUDITED = {"id", "sort_key", "current_rag", "latest_update", "version", "plan"}
# The record of how an object stood before its first change with history (see _baseline).
BASELINE_REASON = "As it stood before its first recorded change"
# The related actions' links (a symmetrical many-to-many: a row each way).
RelatedLink = Action.related.through


def _saved(instance, *, by, reason: str):
    """Save `instance` with who and why in its history (an object that has none yet gets a
    record of how it stood first: _baseline)."""
    _baseline(instance)
    _attribute(instance, by=by, reason=reason)
    instance.save()
    return instance


def _deleted(instance, *, by, reason: str) -> None:
    """Delete `instance` with who and why in its history."""
    _attribute(instance, by=by, reason=reason)
    instance.delete()


def _attribute(instance, *, by, reason: str) -> None:
    if by is not None:
        instance._history_user = by
    instance._change_reason = reason[:REASON_LENGTH]


def _baseline(instance) -> None:
    """Record how an action (or measure) stood before its first change, if it has no history
    yet (the WSCB plan is loaded from a fixture, which writes none): its first change then
    shows what it changed from. The trail shows this record as no change of its own."""
    model = type(instance)
    if instance.pk is None or not hasattr(model, "history") or instance.history.exists():
        return
    stored = model.objects.get(pk=instance.pk)
    stored._history_user = None  # nobody changed it: not the request's user
    model.history.bulk_history_create([stored], update=True, default_change_reason=BASELINE_REASON)


def _link_recorded(link, kind: str, *, by, reason: str) -> None:
    """A related actions' link row into its history ("+" added, "-" removed). Written here:
    Django sends no save or delete signals for a many-to-many's own table, which is what
    django-simple-history listens to."""
    RelatedLink.history.model.objects.create(
        id=link.id,
        from_action_id=link.from_action_id,
        to_action_id=link.to_action_id,
        history_date=timezone.now(),
        history_type=kind,
        history_user=by,
        history_change_reason=reason[:REASON_LENGTH],
    )


def _required(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(f"Say why the action is {what}.")
    return text


@transaction.atomic
def action_add(
    *,
    plan,
    objective,
    fields: dict,
    by,
    reason: str = "Added to the plan",
    owners=(),
    measures=(),
    related=(),
) -> Action:
    """A new action in `plan` under `objective`, part of the plan from today unless `fields`
    says otherwise (added_on), with its owner roles in order, its measures' sentences and its
    related actions. Validated as a whole (Action.full_clean); a ValidationError leaves
    nothing written."""
    action = Action(plan=plan, objective=objective, **{"added_on": timezone.localdate(), **fields})
    action.full_clean()
    _saved(action, by=by, reason=reason)
    if owners:
        action_owners_set(action=action, roles=list(owners), by=by, reason=reason)
    if measures:
        measures_set(action=action, texts={}, added=measures, by=by, reason=reason)
    if related:
        related_set(action=action, related=related, by=by, reason=reason)
    return action


@transaction.atomic
def action_edit(
    *,
    action: Action,
    fields: dict,
    owners,
    measures: dict[int, str],
    added_measures=(),
    related,
    by,
    reason: str,
) -> list[str]:
    """One save of the edit form: the action's own fields, its owner roles (in order), its
    measures' sentences and its related actions, all with who and why, or nothing (a
    ValidationError from any part leaves all as it was). Returns what changed, in words
    ("timeframe", "owners"...); empty if nothing did."""
    text = _required(reason, "changed")
    changed = [
        str(Action._meta.get_field(name).verbose_name)
        for name in action_change(action=action, fields=fields, by=by, reason=text)
    ]
    if [link.role_id for link in action.owner_link_list()] != [role.pk for role in owners]:
        action_owners_set(action=action, roles=list(owners), by=by, reason=text)
        changed.append("owners")
    if measures_set(action=action, texts=measures, added=added_measures, by=by, reason=text):
        changed.append("measures")
    added, removed = related_set(action=action, related=related, by=by, reason=text)
    if added or removed:
        changed.append("related actions")
    return changed


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
    """Bring a retired action back into the plan. as_of reads only the current retired_on, so
    views of the days it was retired show it again; its history keeps when it was retired."""
    if not action.is_retired:
        raise ValidationError(f"Action {action.reference} is not retired.")
    text = _required(reason, "reinstated")
    action.retired_on, action.retired_reason = None, ""
    return _saved(action, by=by, reason=f"Reinstated: {text}")


@transaction.atomic
def priority_add(
    *, plan, number: int, title: str, statement: str = "", by, reason: str = "Added to the plan"
) -> Priority:
    """A new first-level heading of the plan. Its number must be free in the plan."""
    if Priority.objects.filter(plan=plan, number=number).exists():
        raise ValidationError(
            {"number": f"{plan.priority_label} {number} is already in this plan."}
        )
    priority = Priority(plan=plan, number=number, title=title, statement=statement)
    priority.full_clean(exclude=["title"])  # an imported heading may have none (NO_HEADING)
    return _saved(priority, by=by, reason=reason)


@transaction.atomic
def objective_add(
    *, priority, number: str, title: str, by, reason: str = "Added to the plan"
) -> Objective:
    """A new second-level heading under `priority`. Its number (numbers and dots, e.g. 2.3)
    must be free in the whole plan: references are looked up by plan and number."""
    if not REFERENCE_RE.match(number):
        raise ValidationError({"number": "Write the number as numbers and dots, e.g. 2.3."})
    plan = priority.plan
    if Objective.objects.filter(priority__plan=plan, number=number).exists():
        raise ValidationError(
            {"number": f"{plan.objective_label} {number} is already in this plan."}
        )
    objective = Objective(priority=priority, number=number, title=title)
    objective.sort_key = reference_sort_key(number)
    objective.full_clean()
    return _saved(objective, by=by, reason=reason)


@transaction.atomic
def measures_set(
    *, action: Action, texts: dict[int, str], added=(), by, reason: str = "Measures changed"
) -> int:
    """Change the sentences of the action's measures: `texts` maps a measure's id to its new
    sentence (empty: remove the measure); `added` are new measures' sentences, after the
    others. A measure's numbers stay as they are (they are set on its quantify page). A
    measure with reported values cannot be removed: its history would go with it. Returns
    how many measures changed."""
    measures = {measure.pk: measure for measure in action.measures.all()}
    if set(texts) - set(measures):
        raise ValidationError("A measure given is not one of this action's.")
    changed = 0
    for pk, text in texts.items():
        measure, text = measures[pk], text.strip()
        if not text:
            if measure.values.exists():
                raise ValidationError(
                    f"The measure “{measure.text}” has reported values, so it cannot be "
                    "removed: change its words instead."
                )
            _deleted(measure, by=by, reason=reason)
        elif text != measure.text:
            measure.text = text
            measure.full_clean()
            _saved(measure, by=by, reason=reason)
        else:
            continue
        changed += 1
    order = max((measure.order for measure in measures.values()), default=0)
    for text in (text.strip() for text in added):
        if text:
            order += 1
            _saved(Measure(action=action, text=text, order=order), by=by, reason=reason)
            changed += 1
    return changed


@transaction.atomic
def related_set(
    *, action: Action, related, by, reason: str = "Related actions changed"
) -> tuple[list[Action], list[Action]]:
    """Make `related` (actions of the same plan) the action's related actions. The link is
    symmetrical: both of its rows are written or deleted one at a time, so that each is in
    history and both actions' trails show it. Returns (added, removed)."""
    wanted = {other.pk: other for other in related}
    if action.pk in wanted:
        raise ValidationError("An action cannot be related to itself.")
    if any(other.plan_id != action.plan_id for other in wanted.values()):
        raise ValidationError("Related actions must be in the same plan.")
    links = RelatedLink.objects.filter(from_action=action).select_related("to_action")
    current = {link.to_action_id: link.to_action for link in links}
    added = [other for pk, other in wanted.items() if pk not in current]
    removed = [other for pk, other in current.items() if pk not in wanted]
    for other in removed:
        both = Q(from_action=action, to_action=other) | Q(from_action=other, to_action=action)
        for link in RelatedLink.objects.filter(both):
            _link_recorded(link, "-", by=by, reason=reason)
            link.delete()
    for other in added:
        for one, two in ((action, other), (other, action)):
            link = RelatedLink.objects.create(from_action=one, to_action=two)
            _link_recorded(link, "+", by=by, reason=reason)
    return added, removed


# What a re-import of a revised plan changes besides actions (actionplan.importing.revision).


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
def measures_replace(*, action, texts: list[str], by, reason: str) -> list[Measure]:
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
        _deleted(measure, by=by, reason=reason)
    return kept


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Change:
    """One entry of an action's audit trail: `fields` for a change of the action's own fields,
    `detail` for the owner, measure or related action that was added, moved or removed."""

    at: datetime
    by: str
    what: str
    reason: str
    fields: list[FieldChange] = field(default_factory=list)
    detail: str = ""


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


def _reason(record) -> str:
    reason = record.history_change_reason or ""
    return "" if reason == BASELINE_REASON else reason


def action_changes(action: Action) -> list[Change]:
    """The action's audit trail, newest first: its own changes field by field, owners added,
    moved and removed, measures added, changed and removed, related actions added and
    removed. Four queries whatever its length, and one more for each of the objective and
    the accountable body if a change names them."""
    found = [
        *_own_changes(action),
        *_owner_changes(action),
        *_measure_changes(action),
        *_related_changes(action),
    ]
    return sorted(found, key=lambda change: change.at, reverse=True)


def _names(model, ids) -> dict[int, str]:
    if not ids:
        return {}
    return {pk: str(obj) for pk, obj in model.objects.in_bulk(ids).items()}


def _own_changes(action: Action) -> list[Change]:
    """Diffs of consecutive history records. A first record that is not a creation is how
    the action stood before its first change (_baseline, or an older save): no entry."""
    labels = {f.name: str(f.verbose_name) for f in Action._meta.get_fields() if f.concrete}
    records = action.history.select_related("history_user").order_by("history_date", "pk")
    records = list(records)
    pairs = []
    for before, after in zip([None, *records], records, strict=False):
        if before is None:
            pairs.append((after, None))
        else:
            delta = after.diff_against(before, excluded_fields=UNAUDITED).changes
            if delta:
                pairs.append((after, delta))
    names = _foreign_names(delta for _, delta in pairs if delta)
    found = []
    for record, delta in pairs:
        if delta is None:
            if record.history_type == "+":
                found.append(Change(record.history_date, _person(record), "Added", _reason(record)))
            continue
        rows = [
            FieldChange(
                labels.get(c.field, c.field),
                _text(names.get((c.field, c.old), c.old)),
                _text(names.get((c.field, c.new), c.new)),
            )
            for c in delta
        ]
        found.append(Change(record.history_date, _person(record), "Changed", _reason(record), rows))
    return found


def _foreign_names(deltas) -> dict[tuple[str, int], str]:
    """The objective's and accountable body's names for the ids a change holds."""
    ids = {"objective": set(), "accountable_body": set()}
    for delta in deltas:
        for change in delta:
            if change.field in ids:
                ids[change.field].update(v for v in (change.old, change.new) if v is not None)
    names = {}
    for name, model in (("objective", Objective), ("accountable_body", AccountableBody)):
        names |= {(name, pk): text for pk, text in _names(model, ids[name]).items()}
    return names


_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]


def _owner_changes(action: Action) -> list[Change]:
    records = ActionOwner.history.filter(action_id=action.pk).select_related(
        "history_user", "role__agency"
    )
    found, orders = [], {}
    for record in records.order_by("history_date", "history_id"):
        role = str(record.role)
        if record.history_type == "+":
            what = "Owner added"
        elif record.history_type == "-":
            what = "Owner removed"
        elif orders.get(record.id) != record.order:
            what = "Owner moved"
            place = _ORDINALS[record.order - 1] if record.order <= len(_ORDINALS) else record.order
            role = f"{role}, now {place}"
        else:
            continue
        orders[record.id] = record.order
        found.append(
            Change(record.history_date, _person(record), what, _reason(record), detail=role)
        )
    return found


def _measure_changes(action: Action) -> list[Change]:
    records = Measure.history.filter(action_id=action.pk).select_related("history_user")
    found, texts = [], {}
    for record in records.order_by("history_date", "history_id"):
        before, texts[record.id] = texts.get(record.id), record.text
        if record.history_change_reason == BASELINE_REASON:
            continue
        change = Change(record.history_date, _person(record), "", _reason(record))
        if record.history_type == "+":
            change.what, change.detail = "Measure added", record.text
        elif record.history_type == "-":
            change.what, change.detail = "Measure removed", record.text
        elif before is not None and before != record.text:
            change.what = "Measure changed"
            change.fields = [FieldChange("measure", before, record.text)]
        else:
            change.what, change.detail = "Measure's numbers changed", record.text
        found.append(change)
    return found


def _related_changes(action: Action) -> list[Change]:
    records = RelatedLink.history.filter(from_action_id=action.pk).select_related(
        "history_user", "to_action"
    )
    found = []
    for record in records.order_by("history_date", "history_id"):
        other = record.to_action
        what = "Related action added" if record.history_type == "+" else "Related action removed"
        detail = f"{other.reference} {other.short_description}" if other else "(deleted)"
        found.append(
            Change(record.history_date, _person(record), what, _reason(record), detail=detail)
        )
    return found

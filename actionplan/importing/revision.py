"""A revised version of a plan already here: what it changes, and the changes made
(docs/importing.md#importing-a-revised-plan).

Actions are matched by reference, as the import makes references (numbers and dots; "R3" is
3). Each action of the file is new, changed (field by field), unchanged, or back (retired here,
in the file again: reinstated); each action of the plan that the file no longer has is retired
(nothing is deleted). A "Retired on" column (the plan's own export has one) says which of the
file's actions are retired: such a row is not back in the plan. An action retired here stays
retired (the file's date, if another, is a change of its retired date); one in the plan is
retired on the file's date. Headings new to the plan are added; those whose titles the file changes
are changed. Status history is never touched: the file's statuses are not applied to actions
already here; a new action may take its status as its first update, as a new plan's do.

Like a new plan's preview, the revision is never stored: it is computed again from the pending
upload (commit.preview) each time it is shown, and when it is applied, so what is applied is
what the preview showed for the same choices.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone

from actionplan.importing.commit import (
    ImportBlockedError,
    Preview,
    _create_statuses,
    _resolve_bodies,
    _resolve_roles,
    body_choice,
    preview,
    retired_reason,
    role_choice,
)
from actionplan.importing.structure import ActionDraft, PlanDraft, Problem
from actionplan.models import Action, Measure, Milestone, Objective, Plan, PlanImport
from actionplan.plan_edits import (
    FieldChange,
    action_add,
    action_change,
    action_reinstate,
    action_retire,
    heading_change,
    measures_replace,
    objective_add,
    priority_add,
)
from actionplan.services import action_owners_set

# What the preview lists, in this order, each with its heading.
GROUPS = {
    "new": "New actions",
    "changed": "Changed actions",
    "reinstate": "Retired actions back in the plan",
    "retire": "Actions no longer in the plan, to retire",
    "unchanged": "Unchanged actions",
}


@dataclass
class ActionRevision:
    """One action: its draft in the file (None: no longer in it), the action here (None: new),
    and each field that changes, in words, with the values to save."""

    reference: str
    draft: ActionDraft | None
    action: Action | None
    fields: list[FieldChange] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    owner_keys: list[str] | None = None
    measures: list[str] | None = None
    place: tuple[int, str] | None = None
    # An action the file marks retired (its "Retired on" column), and why: None, retired (if
    # at all) on the day of the revision with its reason.
    retire_on: date | None = None
    retire_reason: str = ""

    @property
    def description(self) -> str:
        return self.draft.description if self.draft else self.action.description


@dataclass
class HeadingRevision:
    """A heading the file adds (`before` is None) or retitles."""

    label: str
    number: str
    after: str
    before: str | None = None
    statement: str = ""


@dataclass
class Revision:
    plan: Plan
    day: date
    groups: dict[str, list[ActionRevision]]
    headings: list[HeadingRevision]
    problems: list[Problem]

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(found) for kind, found in self.groups.items()}

    @property
    def has_changes(self) -> bool:
        changes = [kind for kind in self.groups if kind != "unchanged"]
        return bool(self.headings) or any(self.groups[kind] for kind in changes)

    def references(self, kind: str) -> list[str]:
        return [entry.reference for entry in self.groups[kind]]


def revised_plan(plan_import: PlanImport) -> Plan | None:
    """The plan an upload revises (None: it makes a new plan)."""
    pk = plan_import.details.get("revises")
    return Plan.objects.filter(pk=pk).first() if pk else None


def revision_day(plan_import: PlanImport) -> date:
    """The day retired actions leave the plan and new ones join it: chosen, else today."""
    chosen = plan_import.decisions.get("revised_on", "")
    try:
        return date.fromisoformat(chosen) if chosen else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def revision_reason(plan_import: PlanImport) -> str:
    return plan_import.decisions.get("reason", "") or f"Re-imported from {plan_import.file_name}"


def revision_for(plan_import: PlanImport, plan: Plan, result: Preview) -> Revision:
    """The plan as the file revises it (five queries for the plan, whatever its size)."""
    compare = _Comparison(plan_import, plan, result)
    return compare.revision(revision_day(plan_import))


class _Comparison:
    def __init__(self, plan_import, plan, result):
        self.plan_import, self.plan, self.draft = plan_import, plan, result.draft
        self.directory = result.directory
        self.retired_reason = plan_import.decisions.get("reason", "") or retired_reason(plan_import)
        measures = Measure.objects.order_by("order").annotate(value_count=Count("values"))
        actions = (
            Action.objects.filter(plan=plan)
            .select_related("objective__priority", "accountable_body")
            .with_owners()
            .prefetch_related(Prefetch("measures", queryset=measures, to_attr="measure_list"))
        )
        self.actions = {a.reference: a for a in actions}
        self.priorities = {p.number: p for p in plan.priorities.all()}
        objectives = Objective.objects.filter(priority__plan=plan).select_related("priority")
        self.objectives = {(o.priority.number, o.number): o for o in objectives}

    def revision(self, day: date) -> Revision:
        groups = {kind: [] for kind in GROUPS}
        problems = []
        seen = set()
        for priority in self.draft.priorities:
            for objective in priority.objectives:
                for a in objective.actions:
                    seen.add(a.reference)
                    entry = self._action(a, (priority.number, objective.number))
                    groups[self._kind(entry)].append(entry)
                    if a.reference_made:
                        problems.append(_made_reference_problem(a, entry.action))
        for reference, action in self.actions.items():
            if reference not in seen and not action.is_retired:
                groups["retire"].append(ActionRevision(reference, None, action))
        return Revision(self.plan, day, groups, self._headings(), problems)

    @staticmethod
    def _kind(entry: ActionRevision) -> str:
        if entry.action is None:
            return "new"
        if entry.action.is_retired and not entry.draft.retired_on:
            return "reinstate"
        if entry.retire_on and not entry.action.is_retired:
            return "retire"
        return "changed" if entry.fields else "unchanged"

    def _action(self, a: ActionDraft, place: tuple[int, str]) -> ActionRevision:
        action = self.actions.get(a.reference)
        entry = ActionRevision(a.reference, a, action)
        if a.retired_on:
            entry.retire_on = a.retired_on
            entry.retire_reason = a.retired_reason or self.retired_reason
        if action is None:
            return entry
        if action.is_retired and a.retired_on:
            self._retired(entry, action, a)
        elif action.is_retired:
            entry.fields.append(
                FieldChange("In the plan", f"Retired on {action.retired_on:%-d %b %Y}", "Back")
            )
        self._text(entry, "description", "Action", action.description, a.description)
        self._owners(entry, action, a)
        self._body(entry, action, a)
        self._text(entry, "timeframe", "Timeframe", action.timeframe, a.timeframe[:200])
        self._text(entry, "start_date", "Start date", action.start_date, a.start)
        self._text(entry, "due_date", "Due date", action.due_date, a.due)
        self._measures(entry, action, a)
        here = (action.objective.priority.number, action.objective.number)
        if here != place:
            entry.place = place
            entry.fields.append(
                FieldChange("Under", self._place_text(here), self._place_text(place))
            )
        return entry

    def _retired(self, entry, action, a):
        """Retired here and in the file: the file's date (and its reason, if it gives one) if
        another; the plan's reason is kept where the file gives none."""
        self._text(entry, "retired_on", "Retired on", action.retired_on, a.retired_on)
        if a.retired_reason:
            self._text(
                entry, "retired_reason", "Why it was retired", action.retired_reason,
                a.retired_reason,
            )  # fmt: skip

    @staticmethod
    def _measures(entry, action, a):
        before = [m.text for m in action.measure_list]
        if before == a.measures:
            return
        entry.measures = a.measures
        kept = [m.text for m in action.measure_list[len(a.measures) :] if m.value_count]
        after = a.measures + [f"{text} (kept: it has values recorded)" for text in kept]
        entry.fields.append(FieldChange("Measures", _lines(before), _lines(after)))

    def _text(self, entry, name, label, before, after):
        if before != after:
            entry.values[name] = after
            entry.fields.append(FieldChange(label, _shown(before), _shown(after)))

    def _owners(self, entry, action, a):
        before = [link.role_id for link in action.owner_link_list()]
        parts = [self.draft.owners[key] for key in a.owner_keys]
        choices = [role_choice(self.plan_import, part) for part in parts]
        if list(dict.fromkeys(choices)) == [f"role:{pk}" for pk in before]:
            return
        entry.owner_keys = a.owner_keys
        entry.values["owners_as_written"] = a.owners_as_written
        names = dict.fromkeys(self._role_name(c, p) for c, p in zip(choices, parts, strict=True))
        was = [str(link.role) for link in action.owner_link_list()]
        entry.fields.append(FieldChange("Owners", _lines(was), _lines(list(names))))

    def _role_name(self, choice: str, part) -> str:
        if choice.startswith("role:") and int(choice[5:]) in self.directory.roles:
            return str(self.directory.roles[int(choice[5:])])
        return f"A new role: {part.title}"

    def _body(self, entry, action, a):
        match = self.draft.bodies.get(a.body_key)
        if match is None:  # too long to read: a problem that stops the import
            return
        choice = body_choice(self.plan_import, match)
        if choice == f"body:{action.accountable_body_id}":
            return
        entry.values["accountable_body_as_written"] = a.body_as_written[:300]
        entry.values["accountable_body"] = a.body_key  # resolved to a body when applied
        pk = int(choice[5:]) if choice.startswith("body:") else None
        after = self.directory.bodies[pk].name if pk else f"A new body: {match.text}"
        entry.fields.append(FieldChange("Accountable body", action.accountable_body.name, after))

    def _place_text(self, place: tuple[int, str]) -> str:
        priority, objective = place
        return f"{self.plan.priority_label} {priority}, {self.plan.objective_label} {objective}"

    def _headings(self) -> list[HeadingRevision]:
        found, plan = [], self.plan
        for p in self.draft.priorities:
            here = self.priorities.get(p.number)
            if here is None:
                found.append(HeadingRevision(plan.priority_label, str(p.number), p.title,
                                             statement=p.statement))  # fmt: skip
            elif p.title and p.given and p.title != here.title:
                found.append(HeadingRevision(plan.priority_label, str(p.number), p.title,
                                             here.title))  # fmt: skip
            for o in p.objectives:
                title = o.title if o.given else ""
                there = self.objectives.get((p.number, o.number))
                if there is None:
                    found.append(HeadingRevision(plan.objective_label, o.number, title))
                elif title and title != there.title:
                    found.append(HeadingRevision(plan.objective_label, o.number, title,
                                                 there.title))  # fmt: skip
        return found


def _made_reference_problem(a: ActionDraft, action: Action | None) -> Problem:
    matched = (
        f"it is matched to action {action.reference} of the plan: check it is the same action"
        if action
        else "it is added as a new action"
    )
    return Problem(a.row, "", f"The file gives this action no reference of its own: {matched}.")


def _shown(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    return str(value)


def _lines(items: list[str]) -> str:
    return "\n".join(items) if items else "(none)"


# Applying the revision


@transaction.atomic
def plan_import_revise(*, plan_import: PlanImport, user) -> Revision:
    """Make the changes the revision preview shows, all of them or none; record what was done
    (counts and references) and the plan revised. Every write has who and why in history."""
    locked = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    if locked.state != PlanImport.State.PENDING:
        raise ValidationError("This upload has already been imported.")
    plan = revised_plan(locked)
    if plan is None:
        raise ValidationError("The plan this file revises is no longer here.")
    result = preview(locked)
    if result.draft.blocking:
        raise ImportBlockedError(result.draft.blocking)
    revision = revision_for(locked, plan, result)
    _Apply(locked, result, revision, user).run()
    locked.state, locked.plan, locked.committed_at = (
        PlanImport.State.COMMITTED,
        plan,
        timezone.now(),
    )
    locked.summary = revision_summary(revision, result.draft)
    locked.grid = {}
    locked.save()
    plan_import.refresh_from_db()
    return revision


def revision_summary(revision: Revision, draft: PlanDraft) -> dict:
    return {
        "revised": True,
        "counts": revision.counts,
        "references": {kind: revision.references(kind) for kind in GROUPS if kind != "unchanged"},
        "headings": [f"{h.label} {h.number}" for h in revision.headings],
        "revised_on": revision.day.isoformat(),
        "statuses": sum(1 for entry in revision.groups["new"] if entry.draft.rag),
        "problems": len(draft.problems) + len(revision.problems),
    }


class _Apply:
    def __init__(self, plan_import, result, revision, user):
        self.plan, self.draft, self.revision = revision.plan, result.draft, revision
        self.user = user
        self.reason = revision_reason(plan_import)
        self.roles = _resolve_roles(plan_import, result)
        self.bodies = _resolve_bodies(plan_import, result)
        self.places = {
            id(a): (p.number, o.number)
            for p in self.draft.priorities
            for o in p.objectives
            for a in o.actions
        }

    def run(self) -> None:
        objectives = self._headings()
        groups = self.revision.groups
        added = [(self._add(entry, objectives), entry.draft) for entry in groups["new"]]
        for entry, (action, _) in zip(groups["new"], added, strict=True):
            if entry.retire_on:  # new to the plan, and retired in the file
                action_retire(action=action, on=entry.retire_on, reason=entry.retire_reason,
                              by=self.user)  # fmt: skip
        for entry in groups["reinstate"]:
            action_reinstate(action=entry.action, reason=self.reason, by=self.user)
            self._change(entry, objectives)
        for entry in groups["changed"]:
            self._change(entry, objectives)
        for entry in groups["retire"]:
            if entry.draft is not None:  # in the file, marked retired: its other changes too
                self._change(entry, objectives)
            action_retire(action=entry.action, on=entry.retire_on or self.revision.day,
                          reason=entry.retire_reason or self.reason, by=self.user)  # fmt: skip
        _create_statuses(added, self.user)

    def _headings(self) -> dict[tuple[int, str], Objective]:
        """Add and retitle headings; every objective of the plan, by (priority, number)."""
        priorities = {p.number: p for p in self.plan.priorities.all()}
        objectives = {
            (o.priority.number, o.number): o
            for o in Objective.objects.filter(priority__plan=self.plan).select_related("priority")
        }
        edit = {"by": self.user, "reason": self.reason}
        for p in self.draft.priorities:
            if p.number not in priorities:
                priorities[p.number] = priority_add(plan=self.plan, number=p.number,
                                                    title=p.title[:200], statement=p.statement,
                                                    **edit)  # fmt: skip
            elif p.title and p.given:
                heading_change(heading=priorities[p.number], fields={"title": p.title[:200]},
                               **edit)  # fmt: skip
            for o in p.objectives:
                title = o.title if o.given else ""
                found = objectives.get((p.number, o.number))
                if found is None:
                    objectives[(p.number, o.number)] = objective_add(
                        priority=priorities[p.number], number=o.number, title=title, **edit
                    )
                elif title:
                    heading_change(heading=found, fields={"title": title}, **edit)
        return objectives

    def _add(self, entry: ActionRevision, objectives) -> Action:
        a = entry.draft
        place = self.places[id(a)]
        fields = {
            "reference": a.reference,
            "reference_as_written": a.reference_as_written,
            "description": a.description,
            "owners_as_written": a.owners_as_written,
            "accountable_body": self.bodies[a.body_key],
            "accountable_body_as_written": a.body_as_written[:300],
            "timeframe": a.timeframe[:200],
            "start_date": a.start,
            "due_date": a.due,
            "added_on": self.revision.day,
        }
        action = action_add(plan=self.plan, objective=objectives[place], fields=fields,
                            by=self.user, reason=self.reason)  # fmt: skip
        self._owners(action, a.owner_keys)
        measures_replace(action=action, texts=a.measures, by=self.user, reason=self.reason)
        for order, (label, day) in enumerate(a.milestones, 1):
            Milestone.objects.create(action=action, label=label[:200], due_date=day, order=order)
        return action

    def _change(self, entry: ActionRevision, objectives) -> None:
        values = dict(entry.values)
        if "accountable_body" in values:
            values["accountable_body"] = self.bodies[values["accountable_body"]]
        if entry.place:
            values["objective"] = objectives[entry.place]
        action_change(action=entry.action, fields=values, by=self.user, reason=self.reason)
        if entry.owner_keys is not None:
            self._owners(entry.action, entry.owner_keys)
        if entry.measures is not None:
            measures_replace(action=entry.action, texts=entry.measures, by=self.user,
                         reason=self.reason)  # fmt: skip

    def _owners(self, action: Action, keys: list[str]) -> None:
        roles = list({self.roles[key].pk: self.roles[key] for key in keys}.values())
        action_owners_set(action=action, roles=roles, by=self.user, reason=self.reason)

"""The import's writes: keep an upload pending, record the person's choices, and make the
plan from the draft in one transaction (nothing half-made). Views and the import_plan command
call these.

The draft is never stored: it is built again from the pending upload's rows, mapping and
matches each time it is shown and when the plan is made, so what is made is what the
preview showed for the same choices.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Agency
from actionplan.importing.mapping import layout_signature, mapping_errors, suggest_mapping
from actionplan.importing.owners import Directory
from actionplan.importing.reading import FORMATS, Grid, read_file
from actionplan.importing.structure import PlanDraft, build_draft
from actionplan.importing.tables import NOTE, Table, find_header, find_table
from actionplan.measures import Direction, Unit
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    ImportLayout,
    Measure,
    Milestone,
    Objective,
    OwnerRole,
    Plan,
    PlanImport,
    Priority,
    StatusUpdate,
    reference_sort_key,
)

NEW = "new"
# What a plan made by an import is called where the person gives no value.
RESERVED_SLUGS = {"import"}


class ImportBlockedError(Exception):
    """The draft has problems that stop the import; nothing was written."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


@dataclass
class Preview:
    table: Table
    draft: PlanDraft
    directory: Directory


def plan_imports_purge(*, now=None) -> int:
    """Delete uploads whose confirmation never came (IMPORT_PENDING_HOURS)."""
    deleted, _ = PlanImport.objects.expired(now=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def plan_import_create(
    *, name: str, data: bytes, uploaded_by, revises: Plan | None = None
) -> PlanImport:
    """Read and check an upload (ImportFileError if it cannot be imported, nothing written),
    and keep its rows pending with a suggested (or remembered) mapping. With `revises`, the
    file is a revised version of that plan (importing.revision), not a new plan."""
    plan_import = plan_import_read(name=name, data=data, uploaded_by=uploaded_by, revises=revises)
    plan_imports_purge()
    plan_import.save()
    return plan_import


def plan_import_read(
    *, name: str, data: bytes, uploaded_by, revises: Plan | None = None
) -> PlanImport:
    """The upload read and checked, not saved (a dry run writes nothing)."""
    grid = read_file(name, data)
    header_index = find_header(grid)
    table = find_table(grid, header_index)
    return PlanImport(
        uploaded_by=uploaded_by,
        file_name=name[-255:],
        sha256=hashlib.sha256(data).hexdigest(),
        file_format=FORMATS[_suffix(name)],
        grid=grid.as_json(),
        header_row=header_index,
        mapping=remembered_mapping(table.header) or suggest_mapping(table.header),
        details=_revision_details(revises) if revises else _default_details(table),
    )


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower()


def _default_details(table: Table) -> dict:
    """The plan's title guessed from the title rows (the last that is not a note)."""
    titles = [line for line in table.title if not NOTE.match(line)]
    return {
        "title": titles[-1][:200] if titles else "",
        "status_from": "none",
        "status_date": timezone.localdate().isoformat(),
    }


def _revision_details(plan: Plan) -> dict:
    """A revision keeps the plan's own details; statuses are for its new actions only."""
    return {
        "revises": plan.pk,
        "slug": plan.slug,
        "title": plan.title,
        "partnership": plan.partnership,
        "short_name": plan.short_name,
        "period": plan.period,
        "status_from": "none",
        "status_date": timezone.localdate().isoformat(),
    }


def remembered_mapping(header: list[str]) -> list[str] | None:
    layout = ImportLayout.objects.filter(signature=layout_signature(header)).first()
    if layout and len(layout.mapping) == len(header):
        return layout.mapping
    return None


def table_for(plan_import: PlanImport) -> Table:
    return find_table(Grid.from_json(plan_import.grid), plan_import.header_row)


def preview(plan_import: PlanImport, *, directory: Directory | None = None) -> Preview:
    """The plan as it would be made now (three queries for the directory)."""
    table = table_for(plan_import)
    directory = directory or Directory()
    draft = build_draft(table, _padded(plan_import.mapping, table), plan_import.details, directory)
    return Preview(table=table, draft=draft, directory=directory)


def _padded(mapping: list[str], table: Table) -> list[str]:
    width = max([len(table.header), *(len(r.cells) for r in table.rows)], default=0)
    return (list(mapping) + [""] * width)[:width]


@transaction.atomic
def plan_import_map(*, plan_import: PlanImport, mapping: list[str], details: dict) -> PlanImport:
    """Keep the person's column mapping and plan details, and remember the mapping for the
    next file with this header."""
    errors = mapping_errors(mapping)
    if errors:
        raise ValidationError(errors)
    plan_import.mapping, plan_import.details = mapping, details
    plan_import.save(update_fields=["mapping", "details"])
    header = table_for(plan_import).header
    ImportLayout.objects.update_or_create(
        signature=layout_signature(header),
        defaults={"header": header, "mapping": mapping, "updated_at": timezone.now()},
    )
    return plan_import


def plan_import_decide(*, plan_import: PlanImport, decisions: dict) -> PlanImport:
    """Keep the person's owner, agency and body matches."""
    plan_import.decisions = decisions
    plan_import.save(update_fields=["decisions"])
    return plan_import


@transaction.atomic
def plan_import_commit(*, plan_import: PlanImport, user) -> Plan:
    """Make the plan the preview shows, all of it or nothing; record what was made."""
    locked = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    if locked.state != PlanImport.State.PENDING:
        raise ValidationError("This upload has already been imported.")
    if locked.details.get("revises"):
        raise ValidationError("This file is a revised version of a plan: it changes that plan.")
    result = preview(locked)
    if result.draft.blocking:
        raise ImportBlockedError(result.draft.blocking)
    plan = _create_plan(locked, result, user)
    locked.state, locked.plan, locked.committed_at = (
        PlanImport.State.COMMITTED,
        plan,
        timezone.now(),
    )
    locked.summary = _summary(result.draft, plan)
    locked.grid = {}
    locked.save()
    plan_import.refresh_from_db()
    return plan


def _create_plan(plan_import: PlanImport, result: Preview, user) -> Plan:
    details, draft = plan_import.details, result.draft
    slug = details.get("slug", "")
    if not slug or slug in RESERVED_SLUGS or Plan.objects.filter(slug=slug).exists():
        raise ValidationError(
            f"A plan with the short name '{slug}' exists already: choose another."
        )
    plan = Plan.objects.create(
        title=details.get("title", "")[:200],
        partnership=details.get("partnership", "")[:200],
        short_name=details.get("short_name", "")[:40],
        period=details.get("period", "")[:40],
        slug=slug,
        source=details.get("source", "")[:300] or f"Imported from {plan_import.file_name}",
        priority_label=draft.priority_label[:60],
        objective_label=draft.objective_label[:60],
    )
    roles = _resolve_roles(plan_import, result)
    bodies = _resolve_bodies(plan_import, result)
    actions = _create_structure(plan, draft, bodies, user, retired_reason(plan_import))
    _create_children(actions, roles, user)
    _create_statuses(actions, user)
    return plan


def role_choice(plan_import: PlanImport, part) -> str:
    """The person's choice for an owner part, else the suggestion: "role:<id>" or "new"."""
    chosen = plan_import.decisions.get("owners", {}).get(part.key)
    if chosen:
        return chosen
    return f"role:{part.role_id}" if part.role_id else NEW


def body_choice(plan_import: PlanImport, match) -> str:
    chosen = plan_import.decisions.get("bodies", {}).get(match.key)
    if chosen:
        return chosen
    return f"body:{match.body_id}" if match.body_id else NEW


def default_agency_choice(plan_import: PlanImport) -> str:
    return plan_import.decisions.get("agency", NEW)


def _resolve_roles(plan_import: PlanImport, result: Preview) -> dict[str, OwnerRole]:
    roles, fallback = {}, None
    for key, part in result.draft.owners.items():
        choice = role_choice(plan_import, part)
        role_id = _chosen_id(choice, "role:", result.directory.roles)
        if role_id:
            roles[key] = result.directory.roles[role_id]
            continue
        agency = result.directory.agencies.get(part.agency_id)
        if agency is None:
            fallback = fallback or _default_agency(plan_import, result)
            agency = fallback
        roles[key], _ = OwnerRole.objects.get_or_create(agency=agency, title=part.title[:200])
    return roles


def _chosen_id(choice: str, prefix: str, known: dict) -> int | None:
    if not choice.startswith(prefix):
        return None
    try:
        pk = int(choice[len(prefix) :])
    except ValueError:
        return None
    return pk if pk in known else None


def _default_agency(plan_import: PlanImport, result: Preview) -> Agency:
    """The agency of new roles whose cell names none: the one chosen, else the partnership."""
    pk = _chosen_id(default_agency_choice(plan_import), "agency:", result.directory.agencies)
    if pk:
        return result.directory.agencies[pk]
    name = plan_import.details.get("partnership", "")[:200] or "Partnership"
    agency, _ = Agency.objects.get_or_create(
        name=name, defaults={"short_name": plan_import.details.get("short_name", "")[:60]}
    )
    return agency


def _resolve_bodies(plan_import: PlanImport, result: Preview) -> dict[str, AccountableBody]:
    bodies = {}
    for key, match in result.draft.bodies.items():
        pk = _chosen_id(body_choice(plan_import, match), "body:", result.directory.bodies)
        if pk:
            bodies[key] = result.directory.bodies[pk]
        else:
            bodies[key], _ = AccountableBody.objects.get_or_create(
                name=match.text[:200], defaults={"kind": AccountableBody.Kind.GROUP}
            )
    return bodies


def retired_reason(plan_import: PlanImport) -> str:
    """Why an action the file marks retired was, where the file does not say."""
    return f"Retired in {plan_import.file_name}"


def _create_structure(
    plan, draft: PlanDraft, bodies, user, reason: str
) -> list[tuple[Action, object]]:
    priorities = [
        Priority(plan=plan, number=p.number, title=p.title[:200], statement=p.statement)
        for p in draft.priorities
    ]
    bulk_create_with_history(priorities, Priority, default_user=user)
    priorities = {p.number: p for p in Priority.objects.filter(plan=plan)}
    objectives = [
        Objective(
            priority=priorities[p.number],
            number=o.number,
            title=o.title if o.given else "",
            sort_key=reference_sort_key(o.number),
        )
        for p in draft.priorities
        for o in p.objectives
    ]
    bulk_create_with_history(objectives, Objective, default_user=user)
    by_number = {
        (o.priority_id, o.number): o for o in Objective.objects.filter(priority__plan=plan)
    }
    drafts, actions = [], []
    for p in draft.priorities:
        for o in p.objectives:
            objective = by_number[(priorities[p.number].pk, o.number)]
            for a in o.actions:
                drafts.append(a)
                actions.append(_action(plan, objective, a, bodies, reason))
    bulk_create_with_history(actions, Action, default_user=user, batch_size=500)
    saved = {a.reference: a for a in Action.objects.filter(plan=plan)}
    return [(saved[a.reference], a) for a in drafts]


def _action(plan, objective, a, bodies, reason: str) -> Action:
    """The action as the draft has it; retired (from the file's "Retired on") with the row's
    reason, else `reason`."""
    return Action(
        plan=plan,
        objective=objective,
        reference=a.reference,
        reference_as_written=a.reference_as_written,
        sort_key=reference_sort_key(a.reference),
        description=a.description,
        owners_as_written=a.owners_as_written,
        accountable_body=bodies[a.body_key],
        accountable_body_as_written=a.body_as_written[:300],
        timeframe=a.timeframe[:200],
        start_date=a.start,
        due_date=a.due,
        retired_on=a.retired_on,
        retired_reason=(a.retired_reason or reason) if a.retired_on else "",
    )


def _create_children(actions, roles, user) -> None:
    owners, measures, milestones, related = [], [], [], []
    by_reference = {action.reference: action for action, _ in actions}
    for action, a in actions:
        chosen = list(dict.fromkeys(roles[key].pk for key in a.owner_keys))
        owners += [
            ActionOwner(action=action, role_id=pk, order=i) for i, pk in enumerate(chosen, 1)
        ]
        measures += _measures(action, a)
        milestones += [
            Milestone(action=action, label=label[:200], due_date=day, order=i)
            for i, (label, day) in enumerate(a.milestones, 1)
        ]
        related += [(action.pk, by_reference[ref].pk) for ref in a.related]
    for model, objects in ((ActionOwner, owners), (Measure, measures), (Milestone, milestones)):
        bulk_create_with_history(objects, model, default_user=user, batch_size=500)
    _link_related(related)


def _measures(action, a) -> list[Measure]:
    """The action's measures; a target read from the sheet quantifies the first (one is made
    from the target if the row has none). A baseline above the target reads as "lower is
    better" (reduce from 40 to 20)."""
    measures = [Measure(action=action, text=t, order=i) for i, t in enumerate(a.measures, 1)]
    if a.target is None:
        return measures
    unit, target = a.target
    if not measures:
        measures.append(Measure(action=action, text="Target as imported", order=1))
    first = measures[0]
    first.unit, first.target_value, first.baseline_value = unit, target, a.baseline
    if a.baseline is not None and a.baseline > target and unit != Unit.YES_NO:
        first.direction = Direction.LOWER
    return measures


def _link_related(pairs) -> None:
    through = Action.related.through
    both_ways = {(a, b) for a, b in pairs} | {(b, a) for a, b in pairs}
    through.objects.bulk_create(
        [through(from_action_id=a, to_action_id=b) for a, b in sorted(both_ways)],
        ignore_conflicts=True,
    )


def _create_statuses(actions, user) -> None:
    """Each action's status as the sheet gave it: its first status update, marked imported,
    dated as the person chose (version 1, so the next update follows it)."""
    updates = []
    for action, a in actions:
        if not a.rag:
            continue
        at = timezone.make_aware(datetime.combine(a.status_date, time(12)))
        commentary = (
            a.commentary or f"Status as written in the imported plan: {a.status_as_written}"
        )
        updates.append(
            StatusUpdate(
                action=action,
                rag=a.rag,
                commentary=commentary,
                author=user,
                version=1,
                is_imported=True,
                created_at=at,
            )
        )
    StatusUpdate.objects.bulk_create(updates, batch_size=500)
    # One UPDATE for them all: each action's only update is its latest.
    only = StatusUpdate.objects.filter(action=OuterRef("pk")).order_by("pk")
    Action.objects.filter(pk__in=[u.action_id for u in updates]).update(
        latest_update=Subquery(only.values("pk")[:1]),
        current_rag=Subquery(only.values("rag")[:1]),
        version=1,
    )


def _summary(draft: PlanDraft, plan: Plan) -> dict:
    actions = draft.actions
    return {
        "priorities": len(draft.priorities),
        "objectives": sum(len(p.objectives) for p in draft.priorities),
        "actions": len(actions),
        "measures": sum(len(a.measures) for a in actions),
        "statuses": sum(1 for a in actions if a.rag),
        "retired": len(draft.retired),
        "owner_roles": ActionOwner.objects.filter(action__plan=plan)
        .values("role")
        .distinct()
        .count(),
        "problems": len(draft.problems),
    }


def settings_limits() -> dict:
    return {
        "bytes": settings.IMPORT_MAX_BYTES,
        "rows": settings.IMPORT_MAX_ROWS,
        "columns": settings.IMPORT_MAX_COLUMNS,
    }

"""Turn a plan source document (fixtures/source/*.json) into a Django fixture with natural keys.

The source document is what a person transcribed from the plan as published: text verbatim,
owners split into roles, measures one per row. This module adds what is derived: dates parsed
from each timeframe, natural sort keys, and related-action links. Loading the fixture it makes
twice changes nothing, because every object is addressed by its natural key.
"""

from actionplan.models import reference_sort_key
from actionplan.timeframes import parse_timeframe


def build_fixture(source: dict) -> list[dict]:
    plan = source["plan"]
    slug = plan["slug"]
    objects = [_obj("plan", {field: plan.get(field, "") for field in _PLAN_FIELDS})]
    objects += [_obj("agency", agency, app="accounts") for agency in source["agencies"]]
    objects += [_obj("accountablebody", body) for body in source["bodies"]]
    objects += [_obj("ownerrole", {"agency": [a], "title": t}) for a, t in _roles(source)]
    actions = [action for _, _, action in _walk(source)]
    objective_actions = _actions_by_objective(source)
    for priority in source["priorities"]:
        objects.append(_priority(slug, priority))
        for objective in priority["objectives"]:
            objects.append(_objective(slug, priority, objective))
    for action in actions:
        objects += _action_objects(slug, action, objective_actions)
    return objects


_PLAN_FIELDS = ["title", "partnership", "short_name", "period", "slug", "source"]


def _obj(model: str, fields: dict, *, app: str = "actionplan") -> dict:
    return {"model": f"{app}.{model}", "fields": fields}


def _walk(source):
    for priority in source["priorities"]:
        for objective in priority["objectives"]:
            for action in objective["actions"]:
                yield priority, objective, action


def _roles(source) -> list[tuple[str, str]]:
    """Distinct (agency, title) pairs in order of first appearance."""
    seen = {}
    for _, _, action in _walk(source):
        for owner in action["owners"]:
            seen.setdefault((owner["agency"], owner["title"]), None)
    return list(seen)


def _actions_by_objective(source) -> dict[str, list[str]]:
    return {
        objective["number"]: [action["ref"] for action in objective["actions"]]
        for priority in source["priorities"]
        for objective in priority["objectives"]
    }


def _priority(slug, priority) -> dict:
    fields = {
        "plan": [slug],
        "number": priority["number"],
        "title": priority["title"],
        "statement": priority["statement"],
    }
    return _obj("priority", fields)


def _objective(slug, priority, objective) -> dict:
    fields = {
        "priority": [slug, priority["number"]],
        "number": objective["number"],
        "title": objective["title"] if objective.get("title_given", True) else "",
        "sort_key": reference_sort_key(objective["number"]),
    }
    return _obj("objective", fields)


def _related(action, objective_actions) -> list[str]:
    refs = list(action.get("related", []))
    for number in action.get("related_objectives", []):
        refs += objective_actions[number]
    return refs


def _action_objects(slug, action, objective_actions) -> list[dict]:
    ref = action["ref"]
    timeframe = parse_timeframe(action["timeframe"])
    own_key = reference_sort_key(ref)
    # Links are symmetrical: each is written once, on the later action, so loading never
    # refers forward to an action not yet loaded.
    related = sorted(
        {r for r in _related(action, objective_actions) if reference_sort_key(r) < own_key},
        key=reference_sort_key,
    )
    fields = {
        "plan": [slug],
        "objective": [slug, ref.rsplit(".", 1)[0]],
        "reference": ref,
        "sort_key": own_key,
        "description": action["description"],
        "owners_as_written": action["owners_as_written"],
        "accountable_body": [action["accountable_body"]],
        "accountable_body_as_written": action["accountable_body_as_written"],
        "timeframe": action["timeframe"],
        "start_date": timeframe.start.isoformat() if timeframe.start else None,
        "due_date": timeframe.due.isoformat(),
        "related": [[slug, r] for r in related],
    }
    objects = [_obj("action", fields)]
    for order, owner in enumerate(action["owners"], start=1):
        role = [owner["agency"], owner["title"]]
        objects.append(_obj("actionowner", {"action": [slug, ref], "role": role, "order": order}))
    for order, text in enumerate(action["measures"], start=1):
        objects.append(_obj("measure", {"action": [slug, ref], "text": text, "order": order}))
    for order, (label, due) in enumerate(timeframe.milestones, start=1):
        milestone = {"action": [slug, ref], "label": label, "due_date": due.isoformat()}
        objects.append(_obj("milestone", milestone | {"order": order}))
    return objects

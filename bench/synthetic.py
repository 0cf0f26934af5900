"""A synthetic partnership for benchmarks, built deterministically from a seed.

`build(actions=N)` makes plans of up to 500 actions each, 20 accountable bodies, 200 owner roles
in 20 agencies, one to three owners and measures per action, and 8 quarters of status updates per
action (April 2015 to March 2017), with the denormalised current status set as the service would.
With `rounds=True` each plan has also run each of those quarters as a reporting round (closed,
every action not Blue at the quarter before in scope, 95 % returned, most returns signed off):
what the quarter views read (`add_rounds`). Rows go in with bulk_create: building 10,000
actions, 80,000 updates and 68,000 round entries takes seconds, not hours.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    Measure,
    Objective,
    OwnerRole,
    Plan,
    Priority,
    Rag,
    ReportingRound,
    Review,
    RoundAction,
    StatusUpdate,
    reference_sort_key,
)
from actionplan.quarters import Quarter

BODIES, AGENCIES, ROLES = 20, 20, 200
PLAN_SIZE, PRIORITIES, OBJECTIVES_PER_PRIORITY = 500, 4, 5
QUARTER_ENDS = [
    date(2015, 6, 20),
    date(2015, 9, 20),
    date(2015, 12, 15),
    date(2016, 3, 15),
    date(2016, 6, 20),
    date(2016, 9, 20),
    date(2016, 12, 15),
    date(2017, 3, 15),
]
RAGS = [Rag.BLUE, Rag.GREEN, Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.AMBER, Rag.RED]
WORDS = [
    "review",
    "embed",
    "develop",
    "partners",
    "training",
    "protocol",
    "assurance",
    "pathway",
    "flagging",
    "awareness",
    "campaign",
    "evaluate",
    "agencies",
    "children",
    "risk",
    "information",
    "sharing",
    "schools",
    "licensing",
    "perpetrators",
    "disruption",
    "intelligence",
]


def _sentence(rng, words=14):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


@transaction.atomic
def build(
    *, actions: int, seed: int = 2015, plan_size: int = PLAN_SIZE, rounds: bool = False
) -> dict:
    """Plans of `plan_size` actions (one plan of all of them for a Board pack at that size),
    with a reporting round per plan and quarter if `rounds`."""
    rng = random.Random(seed)
    bodies = AccountableBody.objects.bulk_create(
        AccountableBody(name=f"Sub-group {i + 1:02d}", short_name=f"SG{i + 1}", kind="sub-group")
        for i in range(BODIES)
    )
    agencies = Agency.objects.bulk_create(
        Agency(name=f"Agency {i + 1:02d}") for i in range(AGENCIES)
    )
    roles = OwnerRole.objects.bulk_create(
        OwnerRole(agency=agencies[i % AGENCIES], title=f"Lead officer {i + 1:03d}")
        for i in range(ROLES)
    )
    author = User.objects.create(username="bench-author")
    made = []
    for plan_index in range((actions + plan_size - 1) // plan_size):
        size = min(plan_size, actions - plan_index * plan_size)
        made += _plan(rng, plan_index, size, bodies)
    _owners_and_measures(rng, made, roles)
    updates = add_history(rng, made, author)
    if rounds:
        add_rounds(rng, updates, author)
    return {"bodies": bodies, "roles": roles, "actions": len(made), "author": author}


def _plan(rng, index, size, bodies) -> list[Action]:
    plan = Plan.objects.create(
        title=f"Synthetic plan {index + 1}", partnership="Benchmark Safeguarding Partnership",
        period="2015-18", slug=f"synthetic-{index + 1}",
    )  # fmt: skip
    objectives = []
    for p in range(1, PRIORITIES + 1):
        priority = Priority.objects.create(plan=plan, number=p, title=f"Priority {p}")
        for o in range(1, OBJECTIVES_PER_PRIORITY + 1):
            number = f"{p}.{o}"
            objectives.append(
                Objective(
                    priority=priority,
                    number=number,
                    title=_sentence(rng, 6),
                    sort_key=reference_sort_key(number),
                )  # fmt: skip
            )
    objectives = Objective.objects.bulk_create(objectives)
    rows = []
    for i in range(size):
        objective = objectives[i % len(objectives)]
        reference = f"{objective.number}.{i // len(objectives) + 1}"
        due = date(2015, 7, 31) + timedelta(days=rng.randrange(0, 540))
        rows.append(
            Action(
                plan=plan,
                objective=objective,
                reference=reference,
                sort_key=reference_sort_key(reference),
                description=_sentence(rng, 24),
                accountable_body=bodies[rng.randrange(len(bodies))],
                timeframe=f"{due:%B %Y}",
                due_date=due,
            )  # fmt: skip
        )
    return Action.objects.bulk_create(rows)


def _owners_and_measures(rng, actions, roles):
    owners, measures = [], []
    for action in actions:
        for order, role in enumerate(rng.sample(roles, rng.randint(1, 3)), start=1):
            owners.append(ActionOwner(action=action, role=role, order=order))
        for order in range(1, rng.randint(1, 3) + 1):
            measures.append(Measure(action=action, text=_sentence(rng, 10), order=order))
    ActionOwner.objects.bulk_create(owners, batch_size=5000)
    Measure.objects.bulk_create(measures, batch_size=5000)


def add_history(rng, actions, author):
    updates = []
    for action in actions:
        for version, day in enumerate(QUARTER_ENDS, start=1):
            when = timezone.make_aware(datetime.combine(day, time(10, rng.randrange(60))))
            updates.append(
                StatusUpdate(
                    action=action,
                    rag=rng.choice(RAGS),
                    commentary=_sentence(rng, 30),
                    author=author,
                    created_at=when,
                    version=version,
                )  # fmt: skip
            )
    updates = StatusUpdate.objects.bulk_create(updates, batch_size=5000)
    latest = {u.action_id: u for u in updates}  # the last of each action's eight
    for action in actions:
        update = latest[action.pk]
        action.current_rag, action.latest_update, action.version = update.rag, update, 8
    Action.objects.bulk_update(
        actions, ["current_rag", "latest_update", "version"], batch_size=2000
    )
    return updates


def add_rounds(rng, updates: list[StatusUpdate], opened_by) -> int:
    """A closed reporting round per plan and quarter of QUARTER_ENDS: in scope, the actions not
    Blue at the quarter before; 95 % of them returned (the quarter's update), 85 % of returns
    signed off. Returns how many round entries were made."""
    by_action: dict[int, list[StatusUpdate]] = {}
    for update in updates:
        by_action.setdefault(update.action_id, []).append(update)
    plan_of = dict(Action.objects.filter(pk__in=list(by_action)).values_list("pk", "plan_id"))
    rounds = {}
    for plan_id in sorted(set(plan_of.values())):
        for day in QUARTER_ENDS:
            quarter = Quarter.containing(day)
            opened = timezone.make_aware(datetime.combine(quarter.end + timedelta(1), time(9)))
            rounds[plan_id, quarter] = ReportingRound(
                plan_id=plan_id, quarter=quarter.slug, deadline=quarter.end + timedelta(21),
                sign_off_date=quarter.end + timedelta(35), opened_by=opened_by,
                opened_at=opened, closed_at=opened + timedelta(days=60),
            )  # fmt: skip
    ReportingRound.objects.bulk_create(rounds.values())
    entries = []
    for action_id, history in by_action.items():
        for index, update in enumerate(history):
            if index and history[index - 1].rag == Rag.BLUE:
                continue  # complete before the quarter: out of scope
            returned = rng.random() < 0.95
            quarter = Quarter.containing(QUARTER_ENDS[index])
            entries.append(
                RoundAction(
                    round=rounds[plan_of[action_id], quarter],
                    action_id=action_id,
                    quarter=quarter.slug,
                    return_update=update if returned else None,
                    return_rag=update.rag if returned else "",
                    return_at=update.created_at if returned else None,
                    review=Review.APPROVED if returned and rng.random() < 0.85 else Review.AWAITING,
                )  # fmt: skip
            )
    RoundAction.objects.bulk_create(entries, batch_size=5000)
    return len(entries)

"""A synthetic partnership for benchmarks, built deterministically from a seed.

`build(actions=N)` makes plans of up to 500 actions each, 20 accountable bodies, 200 owner roles
in 20 agencies, one to three owners and measures per action, and 8 quarters of status updates per
action (April 2015 to March 2017), with the denormalised current status set as the service would.
Rows go in with bulk_create: building 10,000 actions and 80,000 updates takes seconds, not hours.
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
    StatusUpdate,
    reference_sort_key,
)

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
def build(*, actions: int, seed: int = 2015, plan_size: int = PLAN_SIZE) -> dict:
    """Plans of `plan_size` actions (one plan of all of them for a Board pack at that size)."""
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
    add_history(rng, made, author)
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

"""A realistic, deterministic history of status updates for the WSCB plan, for demos only.

Every update is marked is_demo, so that nobody mistakes it for a real report. Each action
follows one of a few stories that real plans show (completed on time or early, slipping,
stuck, recovering late, started late), timed against its own due date and chosen by a seeded
random generator: the same every run.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from actionplan.demo_measures import quantify_demo_measures
from actionplan.models import Action, StatusUpdate
from actionplan.quarters import Quarter
from actionplan.rag import Rag
from actionplan.services import ReportedValue, status_update_create

# When business support asks for updates: a few weeks before each quarterly Board.
UPDATE_DAYS = ["2015-07-20", "2015-09-22", "2015-12-14", "2016-03-17", "2016-06-21"]

DECEMBER = "2015-12-14"

B, G, A, R = Rag.BLUE, Rag.GREEN, Rag.AMBER, Rag.RED
DAY = timedelta(days=1)


# Each story says an action's RAG on an update day, given its due date: the shape real plans
# show. Green only ever appears before the due date; past it, an action is done or in trouble.
def _on_time(day, due):
    return B if day >= due - 20 * DAY else G


def _early(day, due):
    return B if day >= due - 100 * DAY else G


def _slipping(day, due):
    if day < due - 80 * DAY:
        return G
    return A if day < due else R


def _recovering(day, due):
    if day < due - 60 * DAY:
        return A
    if day < due + 80 * DAY:
        return R if day >= due else A
    return B


def _late_start(day, due):
    if day < date(2015, 9, 1):
        return None
    return B if day >= due + 40 * DAY else (G if day < due else A)


def _stuck(day, due):
    return A if day < due else R


STORIES = [_on_time, _on_time, _early, _on_time, _slipping, _recovering, _late_start, _stuck]

_COMMENTARY = {
    B: [
        "Complete. {measure} – evidence reported to the {body}. No further action needed; "
        "the action can be closed at the next meeting.",
        "Completed and signed off by the {body}. {measure}. Learning shared with partners "
        "through the WSCB newsletter.",
    ],
    G: [
        "On track for {due}. Task-and-finish group has met twice; draft circulated to "
        "partners for comment. Measure: {measure_lc}.",
        "Progressing as planned. Partners have nominated leads and the first draft is with "
        "the {body} for review ahead of the {due} deadline.",
        "On track. Work is under way with all key agencies; a progress report goes to the "
        "{body} next month.",
    ],
    A: [
        "Some concern: two partner agencies have not yet provided data, so {measure_lc} is "
        "delayed. The chair has written to both agencies' leads and escalated at the last "
        "{body}; a revised date will be agreed by the end of the month.",
        "At risk of slipping past {due}: the lead officer post was vacant for six weeks. "
        "Cover has been arranged and a catch-up plan with weekly check-ins agreed with the "
        "{body}.",
    ],
    "late": [
        "Behind schedule: the {due} date has passed and the work is about two-thirds done. "
        "The remaining partner returns are chased weekly; the {body} has agreed a revised "
        "completion date next quarter.",
        "Overdue but recovering: the lead agency has now allocated an officer two days a week. "
        "Draft is with partners; sign-off expected at the next {body}.",
    ],
    R: [
        "Off track: {due} deadline missed. Capacity in the lead agency has been diverted to "
        "operational demand. Escalated to the WSCB Independent Chair; a recovery plan with "
        "named leads goes to the next {body} and the Board will be asked to agree a new date.",
        "Significant concern: no agreement yet between partners on the approach, so work "
        "has stalled. An extraordinary meeting of the {body} has been called and partners "
        "asked to commit resources; exception report to the Board.",
    ],
}


def _when(day: str) -> datetime:
    return timezone.make_aware(datetime.combine(datetime.fromisoformat(day).date(), time(10)))


def _commentary(rng: random.Random, rag: str, action: Action, day: date) -> str:
    measures = [m.text.rstrip(".") for m in action.measures.all()]
    measure = measures[0] if measures else "Work delivered as set out in the plan"
    key = "late" if rag == A and day > action.due_date else rag
    return rng.choice(_COMMENTARY[key]).format(
        measure=measure,
        measure_lc=measure[0].lower() + measure[1:],
        body=action.accountable_body.short_name or action.accountable_body.name,
        due=f"{action.due_date:%B %Y}",
    )


def _author(action: Action, people: list, fallback):
    """A demo person who may update the action: an owner, else a chair, else support."""
    role_ids = {link.role_id for link in action.owner_link_list()}
    for person in people:
        if role_ids & {role.pk for role in person.roles.all()}:
            return person
    for person in people:
        if action.accountable_body_id in {body.pk for body in person.chaired_bodies.all()}:
            return person
    return fallback


def _demo_values(action, day: str, demo_values) -> list[ReportedValue]:
    """The demo figures of the action's quantified measures for the quarter of `day` (no
    round is open while the history is written, so an update reports on its own quarter)."""
    quarter = Quarter.containing(date.fromisoformat(day))
    reported = []
    for measure in action.measures.all():
        if not measure.is_quantified:
            continue
        value = demo_values.get(measure.pk, {}).get(quarter.slug)
        note = "" if value is not None else "Demo: figures not yet available for this quarter."
        reported.append(ReportedValue(measure.pk, value, note=note))
    return reported


@transaction.atomic
def seed_demo_history(plan, *, people: list, fallback) -> int:
    """Add the demo history unless the plan already has status updates. Returns the count."""
    if StatusUpdate.objects.filter(action__plan=plan).exists():
        return 0
    people = list(people)
    created = 0
    demo_values = quantify_demo_measures(plan)  # before the actions and measures are read
    actions = plan.actions.for_list().prefetch_related("measures").order_by("sort_key")
    for action in actions:
        rng = random.Random(f"wscb-demo-{action.reference}")
        story = STORIES[rng.randrange(len(STORIES))]
        author = _author(action, people, fallback)
        previous = None
        # About one action in four has no December update: its owner has not yet answered the
        # demo's open Q3 round (actionplan.demo_rounds).
        silent_in_december = rng.random() < 0.25
        for day in UPDATE_DAYS:
            if day == DECEMBER and silent_in_december:
                continue
            rag = story(date.fromisoformat(day), action.due_date)
            if rag is None or previous == B == rag:
                continue  # not started yet, or already reported complete
            previous = rag
            status_update_create(
                action=action,
                author=author,
                rag=rag,
                commentary=_commentary(rng, rag, action, date.fromisoformat(day)),
                expected_version=action.version,
                is_demo=True,
                created_at=_when(day),
                measure_values=_demo_values(action, day, demo_values),
            )
            created += 1
    return created

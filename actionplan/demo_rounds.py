"""Demo reporting rounds on the WSCB plan (seed_demo, DEBUG only): a closed Q2 2015/16 round
with every return in (some signed off late) and an open Q3 round with some returns, one
returned by its chair and the rest outstanding.

A round's returns are each action's latest update the demo history made between the quarter's
start and the round's deadline (the history has one update day per quarter), linked as
status_update_create links an update made while a round is open. Timestamps are set in the
past to match the demo history.
"""

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from actionplan.models import ReportingRound, RoundAction, SignOff, StatusUpdate
from actionplan.quarters import Quarter
from actionplan.rounds import round_close, round_open, sign_off_create


def _at(day: str, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(datetime.fromisoformat(day).date(), time(hour)))


# quarter, opened, deadline, sign off by, closed (None: still open)
ROUNDS = [
    ("2015-Q2", "2015-09-14", "2015-10-14", "2015-10-28", "2015-11-02"),
    ("2015-Q3", "2015-12-08", "2016-01-15", "2016-01-29", None),
]


@transaction.atomic
def seed_demo_rounds(plan, *, support, chairs: list) -> int:
    """Add the demo rounds unless the plan has rounds already. Returns how many were added."""
    if ReportingRound.objects.filter(plan=plan).exists():
        return 0
    for slug, opened, deadline, sign_off_by, closed in ROUNDS:
        reporting_round = round_open(
            plan=plan,
            quarter=Quarter.parse(slug),
            opened_by=support,
            deadline=datetime.fromisoformat(deadline).date(),
            sign_off_date=datetime.fromisoformat(sign_off_by).date(),
        )
        ReportingRound.objects.filter(pk=reporting_round.pk).update(opened_at=_at(opened))
        quarter_start = Quarter.parse(slug).start.isoformat()
        _link_returns(reporting_round, since=_at(quarter_start, 0), until=_at(deadline, 23))
        if closed:
            _sign_off_all(reporting_round, chairs=chairs, support=support)
            round_close(reporting_round=reporting_round)
            ReportingRound.objects.filter(pk=reporting_round.pk).update(closed_at=_at(closed))
        else:
            _sign_off_some(reporting_round, chairs=chairs)
    return len(ROUNDS)


def _link_returns(reporting_round, *, since, until) -> None:
    entries = list(reporting_round.round_actions.all())
    updates = {
        update.action_id: update
        for update in StatusUpdate.objects.filter(
            action__in=[entry.action_id for entry in entries],
            created_at__gte=since,
            created_at__lte=until,
        ).order_by("created_at", "pk")
    }
    for entry in entries:
        entry.return_update = update = updates.get(entry.action_id)
        entry.return_rag = update.rag if update else ""
        entry.return_at = update.created_at if update else None
    RoundAction.objects.bulk_update(
        entries, ["return_update", "return_rag", "return_at"], batch_size=500
    )


def _chair_for(entry, chairs, fallback):
    for chair in chairs:
        if entry.action.accountable_body_id in {body.pk for body in chair.chaired_bodies.all()}:
            return chair
    return fallback


def _sign_off_all(reporting_round, *, chairs, support) -> None:
    """Every return signed off: most by the sign-off date, every fifth a week late."""
    entries = reporting_round.round_actions.filter(return_update__isnull=False).select_related(
        "action"
    )
    for n, entry in enumerate(entries.order_by("action__sort_key")):
        sign_off = sign_off_create(
            entry=entry,
            decided_by=_chair_for(entry, chairs, support),
            decision=SignOff.Decision.APPROVED,
            seen_update_id=entry.return_update_id,
        )
        day = "2015-11-04" if n % 5 == 0 else "2015-10-26"
        SignOff.objects.filter(pk=sign_off.pk).update(decided_at=_at(day, 15))


def _sign_off_some(reporting_round, *, chairs) -> None:
    """The CSE Strategic Group's chair has signed off two returns and sent one back."""
    chair = next((c for c in chairs if c.username == "chair"), None)
    if chair is None:
        return
    body_ids = {body.pk for body in chair.chaired_bodies.all()}
    entries = list(
        reporting_round.round_actions.filter(
            return_update__isnull=False, action__accountable_body_id__in=body_ids
        )
        .select_related("action")
        .order_by("action__sort_key")[:3]
    )
    for n, entry in enumerate(entries):
        returned = n == len(entries) - 1
        sign_off_create(
            entry=entry,
            decided_by=chair,
            decision=SignOff.Decision.RETURNED if returned else SignOff.Decision.APPROVED,
            seen_update_id=entry.return_update_id,
            comment="Please say which partner agencies are still to respond, and by when."
            if returned
            else "",
        )

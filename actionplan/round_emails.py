"""A round's e-mails: one request per owner when it opens, a reminder before the deadline, a
chaser after it and a second chaser (chairs copied) later; only to people with returns
outstanding, never to inactive people, never with commentary in them (docs/rounds.md).

Each e-mail goes at most once per person, round and step, however many senders run at once:

1. plan: insert a RoundEmail row per person due a step, ignoring conflicts with the unique
   (round, person, step) constraint, so a second sender plans nothing new;
2. claim: a conditional UPDATE (unsent, due, not claimed in the last ROUND_EMAIL_CLAIM_SECONDS)
   sets claimed_at. On PostgreSQL a second sender's UPDATE waits for the row lock, re-reads
   the row and matches nothing; SQLite serialises writers. Exactly one sender wins each row;
3. send through Django's e-mail backend (SMTP in production);
4. mark sent, or on failure release the claim with the error and a back-off.

The honest edge: if the process dies after the SMTP server accepted an e-mail and before step 4
commits, the claim expires and the e-mail is sent again (at-least-once). No protocol can close
that gap without the mail server taking part; the window is the time of one UPDATE.
"""

import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from actionplan import outbox
from actionplan.models import AccountableBody, ActionOwner
from actionplan.rag import DEFINITIONS as RAG_DEFINITIONS
from actionplan.rag import Rag
from actionplan.round_models import ReportingRound, RoundAction, RoundEmail, SignOff, Step

logger = logging.getLogger(__name__)

# Rows closed without sending (sent_at set, the reason in last_error; a sent row has none).
SUPERSEDED = "Not sent: a later e-mail of the round replaced it."
NOTHING_OWED = "Not sent: nothing was outstanding by then."


def steps_due(reporting_round: ReportingRound, *, today: date) -> list[str]:
    """The steps whose time has come on `today`, for an open round. A reminder whose window
    passed unsent is dropped: the chaser says the same thing, later."""
    if not reporting_round.is_open:
        return []
    deadline = reporting_round.deadline
    steps = [Step.INVITE]
    reminder_from = deadline - timedelta(days=settings.ROUND_REMINDER_DAYS_BEFORE)
    if reminder_from <= today <= deadline:
        steps.append(Step.REMINDER)
    if today > deadline:
        steps.append(Step.CHASER)
    if today >= deadline + timedelta(days=settings.ROUND_SECOND_CHASER_DAYS_AFTER):
        steps.append(Step.SECOND_CHASER)
    return steps


@dataclass
class Owed:
    """What one person owes a round: their outstanding actions."""

    person: User
    actions: list = field(default_factory=list)
    chair_emails: set[str] = field(default_factory=set)


def outstanding_by_person(reporting_round: ReportingRound) -> dict[int, Owed]:
    """Active people with an e-mail address holding an owner role of an outstanding action,
    with those actions and the e-mail addresses of their bodies' chairs. Three queries,
    whatever the number of people or actions."""
    entries = (
        RoundAction.objects.filter(round=reporting_round)
        .outstanding()
        .select_related("action")
        .order_by("action__sort_key")
    )
    actions = {entry.action_id: entry.action for entry in entries}
    holders = (
        # One filter() call: both conditions on the same holder (an exclude() would drop
        # an action whose role has any holder without an address).
        ActionOwner.objects.filter(
            action_id__in=actions, role__holders__is_active=True, role__holders__email__gt=""
        )
        .values_list("action_id", "role__holders")
        .distinct()
    )
    by_person: dict[int, set[int]] = defaultdict(set)
    for action_id, person_id in holders:
        by_person[person_id].add(action_id)
    people = User.objects.in_bulk(by_person)
    chairs = _chair_emails({action.accountable_body_id for action in actions.values()})
    owed = {}
    for person_id, action_ids in by_person.items():
        mine = sorted((actions[pk] for pk in action_ids), key=lambda action: action.sort_key)
        owed[person_id] = Owed(
            person=people[person_id],
            actions=mine,
            chair_emails={email for a in mine for email in chairs.get(a.accountable_body_id, ())},
        )
    return owed


def _chair_emails(body_ids: set[int]) -> dict[int, set[str]]:
    rows = AccountableBody.chairs.through.objects.filter(
        accountablebody_id__in=body_ids, user__is_active=True, user__email__gt=""
    )
    emails: dict[int, set[str]] = defaultdict(set)
    for body_id, email in rows.values_list("accountablebody_id", "user__email"):
        emails[body_id].add(email)
    return emails


def plan_emails(reporting_round: ReportingRound, owed: dict[int, Owed], *, now: datetime) -> int:
    """Insert the rows of the e-mails now due; rows already there (planned by an earlier or a
    concurrent run) are left alone. Returns how many rows were asked for.

    Only the latest step due: a round opened after its deadline, or a sender that did not run
    for a week, sends each person one chaser, not a request, a reminder and a chaser at once.
    Earlier steps not yet sent are superseded (one already claimed is left to its sender)."""
    due = steps_due(reporting_round, today=timezone.localdate(now))
    if not due:
        return 0
    step, earlier = due[-1], due[:-1]
    RoundEmail.objects.filter(
        round=reporting_round, step__in=earlier, sent_at__isnull=True, claimed_at__isnull=True
    ).update(sent_at=now, last_error=SUPERSEDED)
    # Due from `now` exactly: a default of "the moment the row is made" would fall after
    # the sender's `now`, and the row would wait for the next run.
    rows = [
        RoundEmail(
            round=reporting_round,
            person_id=person_id,
            step=step,
            created_at=now,
            next_attempt_at=now,
        )  # fmt: skip
        for person_id in owed
    ]
    RoundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def send_due(reporting_round: ReportingRound, *, now: datetime | None = None) -> int:
    """Plan, claim and send every e-mail of the round now due. Returns how many were sent.
    Safe to run in several processes at once (see the module docstring)."""
    now = now or timezone.now()
    owed = outstanding_by_person(reporting_round)
    plan_emails(reporting_round, owed, now=now)
    due = RoundEmail.objects.filter(
        round=reporting_round, sent_at__isnull=True, next_attempt_at__lte=now
    ).order_by("pk")
    sent = 0
    connection = get_connection(fail_silently=False)
    for email in due:
        if not outbox.claim(RoundEmail, email.pk, now=now):
            continue
        person_owes = owed.get(email.person_id)
        if person_owes is None:
            # They have replied since it was planned: nothing to ask; mark it done unsent.
            RoundEmail.objects.filter(pk=email.pk).update(sent_at=now, last_error=NOTHING_OWED)
            continue
        sent += _send_one(reporting_round, email, person_owes, connection=connection, now=now)
    sent += send_return_notices(reporting_round, now=now, connection=connection)
    connection.close()
    return sent


def _send_one(reporting_round, email: RoundEmail, owes: Owed, *, connection, now) -> int:
    return outbox.send(
        RoundEmail,
        email.pk,
        lambda: compose(reporting_round, email.step, owes),
        attempts_before=email.attempts,
        connection=connection,
        now=now,
    )


SUBJECTS = {
    Step.INVITE: "{quarter} update needed by {deadline}: {count} action{s}",
    Step.REMINDER: "Reminder: {quarter} update due by {deadline}: {count} action{s}",
    Step.CHASER: "Overdue: your {quarter} update was due by {deadline}: {count} action{s}",
    Step.SECOND_CHASER: (
        "Second reminder, chair copied: {quarter} update was due by {deadline}: {count} action{s}"
    ),
}


def compose(reporting_round: ReportingRound, step: str, owes: Owed) -> EmailMultiAlternatives:
    """The e-mail: plain text with an HTML alternative. Only titles, references, dates and
    links: never commentary, which may be sensitive and belongs behind the sign-in."""
    site = settings.SITE_URL.rstrip("/")
    items = [
        {
            "reference": action.reference,
            "description": action.short_description,
            "url": site + reverse("actionplan:action-update", kwargs={"pk": action.pk}),
        }
        for action in owes.actions
    ]
    context = {
        "step": step,
        "person": owes.person,
        "round": reporting_round,
        "items": items,
        "my_actions_url": site + reverse("actionplan:my-actions"),
        "rag_definitions": [(rag.label, RAG_DEFINITIONS[rag]) for rag in Rag],
        "chair_copied": step == Step.SECOND_CHASER
        and bool(owes.chair_emails - {owes.person.email}),
    }
    count = len(items)
    subject = SUBJECTS[step].format(
        quarter=reporting_round.quarter_name,
        deadline=f"{reporting_round.deadline.day} {reporting_round.deadline:%B %Y}",
        count=count,
        s="" if count == 1 else "s",
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("actionplan/email/round.txt", context),
        to=[owes.person.email],
        cc=sorted(owes.chair_emails - {owes.person.email}) if step == Step.SECOND_CHASER else [],
    )
    message.attach_alternative(
        render_to_string("actionplan/email/round.html", context), "text/html"
    )
    return message


def waiting_return_notices(reporting_round: ReportingRound):
    """The round's "returned to owner" notices not sent yet, with why (the round page)."""
    return (
        SignOff.objects.filter(
            entry__round=reporting_round,
            decision=SignOff.Decision.RETURNED,
            notice_sent_at__isnull=True,
        )
        .select_related("entry__action")
        .order_by("notice_next_attempt_at", "pk")
    )


def send_return_notices(reporting_round: ReportingRound, *, now: datetime, connection) -> int:
    """E-mail the owners of each return a chair sent back, once, by the path of the round's
    other e-mails: claimed by a conditional UPDATE, sent, marked sent; a failure releases the
    claim with the error and the same back-off (outbox.backoff_seconds), and the round page
    lists the notice as waiting until it goes. Says only that it was returned and where to
    read why: the chair's comment stays behind the sign-in."""
    stale = now - timedelta(seconds=settings.ROUND_EMAIL_CLAIM_SECONDS)
    claimable = (Q(notice_claimed_at__isnull=True) | Q(notice_claimed_at__lt=stale)) & (
        Q(notice_next_attempt_at__isnull=True) | Q(notice_next_attempt_at__lte=now)
    )
    pending = (
        waiting_return_notices(reporting_round)
        .filter(claimable)
        .select_related("entry__action__accountable_body")
        .order_by("pk")
    )
    sent = 0
    for sign_off in pending:
        mine = SignOff.objects.filter(claimable, pk=sign_off.pk, notice_sent_at__isnull=True)
        if not mine.update(notice_claimed_at=now, notice_attempts=F("notice_attempts") + 1):
            continue
        sent += _send_return_notice(reporting_round, sign_off, connection=connection, now=now)
    return sent


def _send_return_notice(reporting_round, sign_off: SignOff, *, connection, now) -> int:
    action = sign_off.entry.action
    owners = User.objects.filter(
        roles__action_links__action=action, is_active=True, email__gt=""
    ).distinct()
    emails = sorted({person.email for person in owners})
    if emails:
        try:
            compose_return_notice(reporting_round, sign_off, emails, connection).send()
        except Exception as error:  # noqa: BLE001 - any failure to hand over is retried
            delay = outbox.backoff_seconds(sign_off.notice_attempts)
            SignOff.objects.filter(pk=sign_off.pk).update(
                notice_claimed_at=None,
                notice_next_attempt_at=now + timedelta(seconds=delay),
                notice_last_error=outbox.failure(error),
            )
            logger.warning(
                "return notice %s not sent, retrying in %ss: %s", sign_off.pk, delay, error
            )
            with contextlib.suppress(Exception):  # a dead connection may fail to close too
                connection.close()
            return 0
    SignOff.objects.filter(pk=sign_off.pk).update(
        notice_sent_at=timezone.now(), notice_last_error=""
    )
    return 1 if emails else 0


def compose_return_notice(reporting_round, sign_off, emails, connection):
    action = sign_off.entry.action
    site = settings.SITE_URL.rstrip("/")
    context = {
        "round": reporting_round,
        "action": action,
        "body": action.accountable_body,
        "update_url": site + reverse("actionplan:action-update", kwargs={"pk": action.pk}),
        "my_actions_url": site + reverse("actionplan:my-actions"),
    }
    message = EmailMultiAlternatives(
        subject=(
            f"Returned by the chair: your {reporting_round.quarter_name} update on action "
            f"{action.reference}"
        ),
        body=render_to_string("actionplan/email/returned.txt", context),
        to=emails,
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("actionplan/email/returned.html", context), "text/html"
    )
    return message


def send_due_all(*, now: datetime | None = None) -> int:
    """Every open round's due e-mails (what `manage.py run_rounds` enqueues per round)."""
    return sum(send_due(r, now=now) for r in ReportingRound.objects.open())

"""A round's e-mails, sent through a real SMTP server started by the tests (aiosmtpd) and read
back from it: one per owner, reminders and chasers only for what is outstanding, never twice."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from actionplan.models import Rag, RoundEmail
from actionplan.quarters import Quarter
from actionplan.round_emails import send_due
from actionplan.rounds import round_open
from actionplan.services import status_update_create
from actionplan.tasks import send_round_emails
from tests.conftest import (
    make_action,
    make_body,
    make_role,
    make_user,
    run_in_threads,
    run_task_worker,
)

LONDON = ZoneInfo("Europe/London")
Q3 = Quarter.parse("2015-Q3")
OPENED = "2016-01-04 09:00 +0000"  # the deadline is then 15 January 2016
SECRET = "Confidential: names the child at risk"


def _at(text):
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _update(action, author, *, at, commentary="On track: the work is going to plan."):
    action.refresh_from_db()
    return status_update_create(
        action=action, author=author, rag=Rag.GREEN, commentary=commentary,
        expected_version=action.version, created_at=at,
    )  # fmt: skip


def _world(business_support):
    """Five actions: Ann holds two roles (three actions), Bob one (one action); Cy is inactive
    and Di has no e-mail address (they share Bob's role); one action's body has a chair."""
    chair = make_user(username="chair-x", email="chair@example.org")
    body = make_body()
    body.chairs.add(chair)
    ann_role, ann_role_2, bob_role = make_role(), make_role(), make_role()
    people = {}
    for name, roles, extra in [
        ("ann", [ann_role, ann_role_2], {}),
        ("bob", [bob_role], {}),
        ("cy", [bob_role], {"is_active": False}),
        ("di", [bob_role], {"email": ""}),
    ]:
        extra.setdefault("email", f"{name}@example.org")
        people[name] = make_user(username=name, first_name=name.title(), **extra)
        people[name].roles.set(roles)
    first = make_action(owners=[ann_role], accountable_body=body)
    actions = [first] + [
        make_action(objective=first.objective, owners=roles, accountable_body=make_body())
        for roles in [[ann_role], [ann_role_2], [bob_role]]
    ]
    # Commentary from before the round must never reach an e-mail.
    _update(actions[0], people["ann"], at=_at("2015-09-20T10:00"), commentary=SECRET)
    with time_machine.travel(OPENED, tick=False):
        reporting_round = round_open(plan=first.plan, quarter=Q3, opened_by=business_support)
    return reporting_round, actions, people


def _run(reporting_round, when):
    with time_machine.travel(when, tick=False):
        return send_round_emails.call(reporting_round.pk)


@pytest.mark.django_db
def test_opening_asks_each_owner_once_listing_all_their_actions(smtp_inbox, business_support):
    reporting_round, actions, _ = _world(business_support)
    assert _run(reporting_round, OPENED) == 2
    assert sorted(m["X-Envelope-To"] for m in smtp_inbox.messages) == [
        "ann@example.org", "bob@example.org",
    ]  # fmt: skip
    (ann,) = smtp_inbox.to("ann@example.org")
    assert ann["Subject"] == "Q3 2015/16 update needed by 15 January 2016: 3 actions"
    text = ann.get_body(("plain",)).get_content()
    html = ann.get_body(("html",)).get_content()
    for action in actions[:3]:
        path = reverse("actionplan:action-update", kwargs={"pk": action.pk})
        assert f"http://127.0.0.1:8000{path}" in text
        assert f'<a href="http://127.0.0.1:8000{path}">Update action {action.reference}' in html
    assert "15 January 2016" in text and "What a good update says" in text
    assert "<h1" in html and "<h2" in html
    assert SECRET not in ann.as_string()
    # Run again: nothing more goes.
    assert _run(reporting_round, OPENED) == 0
    assert len(smtp_inbox.messages) == 2


@pytest.mark.django_db
def test_reminder_and_chasers_go_only_for_what_is_outstanding(smtp_inbox, business_support):
    reporting_round, actions, people = _world(business_support)
    _run(reporting_round, OPENED)
    _update(actions[1], people["ann"], at=_at("2016-01-08T10:00"))
    _update(actions[3], people["bob"], at=_at("2016-01-08T10:00"))
    smtp_inbox.messages.clear()
    _run(reporting_round, "2016-01-13 09:00 +0000")  # three days before the deadline
    (reminder,) = smtp_inbox.messages
    assert reminder["Subject"].startswith("Reminder: Q3 2015/16 update due by 15 January 2016")
    assert "2 actions" in reminder["Subject"]  # Ann's two outstanding, not the answered one
    assert actions[1].reference + " " not in reminder.get_body(("plain",)).get_content()
    smtp_inbox.messages.clear()
    _run(reporting_round, "2016-01-18 09:00 +0000")
    (chaser,) = smtp_inbox.messages
    assert chaser["Subject"].startswith("Overdue:") and chaser["Cc"] is None
    smtp_inbox.messages.clear()
    _run(reporting_round, "2016-01-22 09:00 +0000")  # seven days after the deadline
    (second,) = smtp_inbox.messages
    assert second["Subject"].startswith("Second reminder, chair copied")
    assert second["Cc"] == "chair@example.org"
    assert "chair@example.org" in second["X-Envelope-To"]
    assert (
        "The chair of the accountable body is copied" in second.get_body(("plain",)).get_content()
    )


@pytest.mark.django_db
def test_smtp_down_mid_round_is_retried_and_delivers_each_once(
    smtp_inbox, business_support, client
):
    reporting_round, _, _ = _world(business_support)
    smtp_inbox.refuse_after = 1  # the server takes one e-mail, then fails
    assert _run(reporting_round, OPENED) == 1
    waiting = RoundEmail.objects.get(sent_at__isnull=True)
    assert "451" in waiting.last_error and waiting.attempts == 1
    smtp_inbox.stop()  # and then goes down altogether
    assert _run(reporting_round, "2016-01-04 09:05 +0000") == 0
    waiting.refresh_from_db()
    assert "Connection refused" in waiting.last_error or "Errno" in waiting.last_error
    assert waiting.attempts == 2
    client.force_login(business_support)
    with time_machine.travel("2016-01-04 09:06 +0000", tick=False):
        html = client.get(reporting_round.get_absolute_url()).content.decode()
    assert "E-mails waiting to go" in html and "Connection refused" in html
    # Back up: the next run after the back-off delivers the rest, and nothing twice.
    smtp_inbox.refuse_after = None
    smtp_inbox.start()
    assert _run(reporting_round, "2016-01-04 09:06 +0000") == 0  # still backing off
    assert _run(reporting_round, "2016-01-04 10:00 +0000") == 1
    assert _run(reporting_round, "2016-01-04 11:00 +0000") == 0
    recipients = sorted(m["X-Envelope-To"] for m in smtp_inbox.messages)
    assert recipients == ["ann@example.org", "bob@example.org"]


@pytest.mark.django_db
def test_a_crash_between_send_and_record_is_retried_only_after_the_claim_expires(
    smtp_inbox, business_support, settings
):
    """What a sender that died after handing over the e-mail leaves behind: a claimed, unsent
    row. It is not sent again while the claim could still be live, and is after it expires:
    the at-least-once edge the design accepts (docs/rounds.md)."""
    settings.ROUND_EMAIL_CLAIM_SECONDS = 600
    reporting_round, _, _ = _world(business_support)
    _run(reporting_round, OPENED)
    crashed = RoundEmail.objects.get(person__username="ann")
    RoundEmail.objects.filter(pk=crashed.pk).update(
        sent_at=None, claimed_at=_at("2016-01-04T09:00")
    )
    smtp_inbox.messages.clear()
    assert _run(reporting_round, "2016-01-04 09:05 +0000") == 0
    assert _run(reporting_round, "2016-01-04 09:11 +0000") == 1
    assert [m["X-Envelope-To"] for m in smtp_inbox.messages] == ["ann@example.org"]


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(smtp_inbox):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers: run on PostgreSQL (SQLite serialises them anyway)")
    support = make_user(username="support-c")
    reporting_round, _, _ = _world(support)
    results = []

    def sender(_):
        with time_machine.travel(OPENED, tick=False):
            results.append(send_due(reporting_round))

    assert run_in_threads(sender, 2) == []
    assert sorted(results) in ([0, 2], [1, 1])
    recipients = sorted(m["X-Envelope-To"] for m in smtp_inbox.messages)
    assert recipients == ["ann@example.org", "bob@example.org"]


@pytest.mark.django_db
def test_run_rounds_now_sends_in_the_command(smtp_inbox, business_support):
    reporting_round, _, _ = _world(business_support)
    with time_machine.travel(OPENED, tick=False):
        call_command("run_rounds", "--now")
    assert len(smtp_inbox.messages) == 2
    assert reporting_round.emails.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_run_rounds_queues_and_the_configured_worker_sends(smtp_inbox, business_support):
    # What cron runs queues one task per open round; the worker sends. The queue is a setting:
    # the database (this suite) or RQ on the real Redis (.ci/run runs this module with
    # TASK_BACKEND=rq too).
    reporting_round, _, _ = _world(business_support)
    with time_machine.travel(OPENED):
        call_command("run_rounds")
        assert smtp_inbox.messages == []
        run_task_worker()
    assert sorted(m["X-Envelope-To"] for m in smtp_inbox.messages) == [
        "ann@example.org", "bob@example.org",
    ]  # fmt: skip
    assert reporting_round.emails.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_no_email_is_sent_for_a_closed_round(smtp_inbox, business_support):
    from actionplan.rounds import round_close

    reporting_round, _, _ = _world(business_support)
    round_close(reporting_round=reporting_round)
    assert _run(reporting_round, OPENED) == 0
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_sending_costs_the_same_queries_per_email(smtp_inbox, business_support):
    """Per e-mail: claim, mark sent. Plus a fixed number for the round (people, actions,
    chairs, the plan insert, the due list), whatever the number of people."""
    from django.test.utils import CaptureQueriesContext

    def queries_for(people: int) -> int:
        body = make_body()
        first = None
        for _ in range(people):
            role = make_role()
            person = make_user(email="x@example.org")
            person.roles.add(role)
            action = make_action(
                objective=first.objective if first else None, owners=[role], accountable_body=body
            )
            first = first or action
        with time_machine.travel(OPENED, tick=False):
            reporting_round = round_open(plan=first.plan, quarter=Q3, opened_by=business_support)
            with CaptureQueriesContext(connection) as captured:
                assert send_due(reporting_round) == people
        return len(captured)

    small, large = queries_for(3), queries_for(12)
    assert (large - small) == 2 * (12 - 3)


def test_deadline_helpers_skip_a_passed_reminder():
    from datetime import date
    from types import SimpleNamespace

    from actionplan.round_emails import steps_due

    reporting_round = SimpleNamespace(is_open=True, deadline=date(2016, 1, 15))
    assert steps_due(reporting_round, today=date(2016, 1, 4)) == ["invite"]
    assert steps_due(reporting_round, today=date(2016, 1, 12)) == ["invite", "reminder"]
    assert steps_due(reporting_round, today=date(2016, 1, 16)) == ["invite", "chaser"]
    assert steps_due(reporting_round, today=date(2016, 1, 22))[-1] == "second-chaser"


@pytest.mark.django_db
def test_a_round_opened_after_its_deadline_sends_each_person_one_email(
    smtp_inbox, business_support
):
    reporting_round, _, _ = _world(business_support)
    assert _run(reporting_round, "2016-02-01 09:00 +0000") == 2  # past the second chaser's day
    assert [m["Subject"].split(":")[0] for m in smtp_inbox.messages] == [
        "Second reminder, chair copied", "Second reminder, chair copied",
    ]  # fmt: skip

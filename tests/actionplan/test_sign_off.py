"""Chairs sign off their bodies' returns: read, approve (one or many), or return to the owner
with a comment; append-only; a later update needs sign-off again."""

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan.models import Measure, Rag, Review, SignOff
from actionplan.quarters import Quarter
from actionplan.round_emails import send_due
from actionplan.rounds import round_open
from actionplan.services import ReportedValue, status_update_create
from tests.conftest import make_action, make_body, make_measure, make_role, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
OPENED = "2016-01-04 09:00 +0000"


def _update(
    action, author, *, at, rag=Rag.GREEN, commentary="On track: the work goes to plan.", values=None
):
    action.refresh_from_db()
    return status_update_create(
        action=action, author=author, rag=rag, commentary=commentary,
        expected_version=action.version, measure_values=values,
        created_at=datetime.fromisoformat(at).replace(tzinfo=LONDON),
    )  # fmt: skip


@pytest.fixture
def world(business_support):
    """Two bodies, each with a chair; three actions of the first body (one with a measure and
    an Amber status last quarter), one of the second; owner Olly owns them all."""
    chairs = [make_user(username=f"chair{n}", email=f"chair{n}@example.org") for n in (1, 2)]
    bodies = [make_body(), make_body()]
    for chair, body in zip(chairs, bodies, strict=True):
        body.chairs.add(chair)
    role = make_role()
    owner = make_user(username="olly", first_name="Olly", email="olly@example.org")
    owner.roles.add(role)
    first = make_action(owners=[role], accountable_body=bodies[0])
    actions = [first] + [
        make_action(objective=first.objective, owners=[role], accountable_body=body)
        for body in [bodies[0], bodies[0], bodies[1]]
    ]
    Measure.objects.create(action=first, text="Every school has a named lead")
    slipping = "Slipping: two schools still to name a lead; chased in September."
    _update(first, owner, at="2015-09-20T10:00", rag=Rag.AMBER, commentary=slipping)
    with time_machine.travel(OPENED, tick=False):
        reporting_round = round_open(plan=first.plan, quarter=Quarter.parse("2015-Q3"),
                                     opened_by=business_support)  # fmt: skip
    for action in actions:
        _update(action, owner, at="2016-01-06T10:00", commentary=f"Return for {action.reference}.")
    return reporting_round, actions, owner, chairs


def _entry(reporting_round, action):
    return reporting_round.round_actions.get(action=action)


def _url(reporting_round):
    return reverse("actionplan:round-sign-off", kwargs={"pk": reporting_round.pk})


def test_chair_reads_their_bodies_returns_with_last_quarter_and_measures(client, world):
    reporting_round, actions, _, chairs = world
    client.force_login(chairs[0])
    html = client.get(_url(reporting_round)).content.decode()
    for action in actions[:3]:
        assert f"Return for {action.reference}." in html
    assert f"Return for {actions[3].reference}." not in html  # another body's
    assert "Every school has a named lead" in html
    # Amber at the end of last quarter, Green now: the direction in words and both statuses.
    change = re.search(r"Change from last quarter</dt><dd>(.*?)</dd>", html).group(1)
    assert change.startswith("Improved: ")
    assert re.search(r'tag--amber"[^>]*>Amber<.* at the end of last quarter, <strong class="tag '
                     r'tag--green"[^>]*>Green<.*now$', change)  # fmt: skip
    assert "Not yet rated at the end of last quarter, " in html  # the others: no direction
    assert html.count('name="approve"') == 3


def test_chair_approves_ticked_returns_and_nothing_unticked(client, world):
    reporting_round, actions, _, chairs = world
    client.force_login(chairs[0])
    ticks = [
        f"{_entry(reporting_round, a).pk}:{_entry(reporting_round, a).return_update_id}"
        for a in actions[:2]
    ]
    response = client.post(_url(reporting_round), {"approve": ticks}, follow=True)
    assert "Signed off:" in response.content.decode()
    reviews = [_entry(reporting_round, a).review for a in actions]
    assert reviews == [Review.APPROVED, Review.APPROVED, Review.AWAITING, Review.AWAITING]
    sign_off = SignOff.objects.get(entry=_entry(reporting_round, actions[0]))
    assert sign_off.decided_by == chairs[0] and sign_off.decision == SignOff.Decision.APPROVED


def test_a_return_updated_since_the_chair_read_it_is_not_approved(client, world):
    reporting_round, actions, owner, chairs = world
    entry = _entry(reporting_round, actions[0])
    seen = entry.return_update_id
    _update(actions[0], owner, at="2016-01-07T10:00", commentary="A newer return.")
    client.force_login(chairs[0])
    response = client.post(_url(reporting_round), {"approve": f"{entry.pk}:{seen}"}, follow=True)
    assert "has updated this action since you opened the page" in response.content.decode()
    assert not SignOff.objects.exists()
    assert _entry(reporting_round, actions[0]).review == Review.AWAITING


def test_another_bodys_chair_cannot_approve_or_return_it(client, world):
    reporting_round, actions, _, chairs = world
    entry = _entry(reporting_round, actions[0])
    client.force_login(chairs[1])
    client.post(_url(reporting_round), {"approve": f"{entry.pk}:{entry.return_update_id}"})
    url = reverse("actionplan:round-sign-off-return", args=[reporting_round.pk, entry.pk])
    response = client.post(url, {"comment": "No.", "update": entry.return_update_id})
    assert response.status_code == 403
    assert not SignOff.objects.exists()


def test_returning_needs_a_comment(client, world):
    reporting_round, actions, _, chairs = world
    entry = _entry(reporting_round, actions[0])
    url = reverse("actionplan:round-sign-off-return", args=[reporting_round.pk, entry.pk])
    client.force_login(chairs[0])
    response = client.post(url, {"comment": "  ", "update": entry.return_update_id})
    assert response.status_code == 400
    assert "returning needs a comment" in response.content.decode()
    assert not SignOff.objects.exists()


def test_returned_update_emails_the_owner_who_updates_again_for_sign_off(client, world, smtp_inbox):
    reporting_round, actions, owner, chairs = world
    entry = _entry(reporting_round, actions[0])
    url = reverse("actionplan:round-sign-off-return", args=[reporting_round.pk, entry.pk])
    client.force_login(chairs[0])
    comment = "Please say which two schools are left"
    client.post(url, {"comment": comment, "update": entry.return_update_id})
    assert _entry(reporting_round, actions[0]).review == Review.RETURNED
    with time_machine.travel("2016-01-07 09:00 +0000", tick=False):
        send_due(reporting_round)
        send_due(reporting_round)  # a second run sends no second notice
    notices = [m for m in smtp_inbox.to("olly@example.org") if "Returned" in m["Subject"]]
    assert len(notices) == 1
    assert comment not in notices[0].as_string()  # the comment stays behind the sign-in
    client.force_login(owner)
    with time_machine.travel("2016-01-07 09:00 +0000", tick=False):
        html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "update returned by the chair" in html and comment in html
    _update(actions[0], owner, at="2016-01-08T10:00", commentary="Schools A and B are left.")
    entry = _entry(reporting_round, actions[0])
    assert entry.review == Review.AWAITING
    client.force_login(chairs[0])
    client.post(_url(reporting_round), {"approve": f"{entry.pk}:{entry.return_update_id}"})
    assert _entry(reporting_round, actions[0]).review == Review.APPROVED
    assert list(SignOff.objects.values_list("decision", flat=True).order_by("pk")) == [
        "returned", "approved",
    ]  # fmt: skip


def test_smtp_down_a_returned_update_notice_is_retried_with_backoff_and_sent_once(
    client, world, smtp_inbox, business_support
):
    reporting_round, actions, _, chairs = world
    client.force_login(chairs[0])
    for action, comment in [(actions[0], "Say which schools are left."), (actions[1], "Date?")]:
        entry = _entry(reporting_round, action)
        url = reverse("actionplan:round-sign-off-return", args=[reporting_round.pk, entry.pk])
        client.post(url, {"comment": comment, "update": entry.return_update_id})
        if action == actions[0]:
            with time_machine.travel("2016-01-07 09:00 +0000", tick=False):
                assert send_due(reporting_round) == 1  # the first notice goes
            smtp_inbox.stop()  # then the server goes down
    with time_machine.travel("2016-01-07 10:00 +0000", tick=False):
        assert send_due(reporting_round) == 0
    notice = SignOff.objects.get(entry__action=actions[1])
    assert notice.notice_sent_at is None and notice.notice_claimed_at is None
    assert notice.notice_attempts == 1 and notice.notice_last_error
    assert notice.notice_next_attempt_at == datetime(2016, 1, 7, 10, 1, tzinfo=UTC)
    with time_machine.travel("2016-01-07 10:01 +0000", tick=False):
        assert send_due(reporting_round) == 0  # still down: backs off longer
    notice.refresh_from_db()
    assert notice.notice_attempts == 2
    assert notice.notice_next_attempt_at == datetime(2016, 1, 7, 10, 3, tzinfo=UTC)
    client.force_login(business_support)
    with time_machine.travel("2016-01-07 10:02 +0000", tick=False):
        html = client.get(reporting_round.get_absolute_url()).content.decode()
    assert "E-mails waiting to go" in html
    assert f"The owners of action {actions[1].reference}" in html
    assert f"The owners of action {actions[0].reference}" not in html  # sent already
    assert notice.notice_last_error.split(":")[0] in html
    smtp_inbox.start()
    with time_machine.travel("2016-01-07 10:02 +0000", tick=False):
        assert send_due(reporting_round) == 0  # up again, but not due yet
    with time_machine.travel("2016-01-07 10:03 +0000", tick=False):
        assert send_due(reporting_round) == 1
    with time_machine.travel("2016-01-07 11:00 +0000", tick=False):
        assert send_due(reporting_round) == 0
        html = client.get(reporting_round.get_absolute_url()).content.decode()
    assert f"The owners of action {actions[1].reference}" not in html
    notices = [
        m["Subject"] for m in smtp_inbox.to("olly@example.org") if "Returned" in m["Subject"]
    ]
    # Each notice once: the first before the server went down, the second after it came back.
    assert len(notices) == 2
    assert [
        s.endswith(f"action {a.reference}") for s, a in zip(notices, actions, strict=False)
    ] == [True, True]
    notice.refresh_from_db()
    assert notice.notice_sent_at is not None and notice.notice_last_error == ""


def test_support_reads_every_return_but_cannot_decide(client, world, business_support):
    reporting_round, actions, _, _ = world
    client.force_login(business_support)
    html = client.get(_url(reporting_round)).content.decode()
    assert all(f"Return for {a.reference}." in html for a in actions)
    assert 'name="approve"' not in html
    entry = _entry(reporting_round, actions[0])
    response = client.post(
        _url(reporting_round), {"approve": f"{entry.pk}:{entry.return_update_id}"}
    )
    assert response.status_code == 403 and not SignOff.objects.exists()


def test_sign_off_page_queries_do_not_grow_with_returns(client, world, django_assert_num_queries):
    reporting_round, actions, owner, chairs = world
    client.force_login(chairs[0])

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(_url(reporting_round))
        return len(queries)

    client.get(_url(reporting_round))  # the first request after sign-in saves the session
    before = count()
    for _ in range(15):
        action = make_action(
            objective=actions[0].objective,
            accountable_body=actions[0].accountable_body,
            owners=list(actions[0].owner_roles()),
        )
        reporting_round.round_actions.create(action=action)
        measures = [make_measure(action), make_measure(action, unit="percentage")]
        _update(action, owner, at="2016-01-06T11:00", values=[
            ReportedValue(measures[0].pk, Decimal(18)), ReportedValue(measures[1].pk, Decimal(50))
        ])  # fmt: skip
    # session, user, the second factor (accounts.middleware), groups, chaired bodies, the round
    # (+plan, opener), returns (+action, body, return, author; previous quarter's status), their
    # measures, their measure values (+the measure), their sign-offs
    with django_assert_num_queries(10):
        html = client.get(_url(reporting_round)).content.decode()
    assert html.count('name="approve"') == 18
    assert html.count("<strong>18</strong> against a target of 20") == 15
    assert count() == before


def test_the_chair_signs_off_the_values_with_the_status(client, world):
    reporting_round, actions, owner, chairs = world
    measure = make_measure(actions[1], text="Schools with a lead", unit="percentage")
    _update(actions[1], owner, at="2016-01-07T10:00", values=[
        ReportedValue(measure.pk, Decimal(19), note="Two schools unconfirmed.", is_estimate=True)
    ])  # fmt: skip
    client.force_login(chairs[0])
    html = client.get(_url(reporting_round)).content.decode()
    section = html.split(f"Action {actions[1].reference}:")[1].split("</section>")[0]
    assert "<dt>Measure values</dt>" in section
    assert "Schools with a lead: <strong>19%</strong> against a target of 20%" in section
    assert 'class="tag tag--amber"' in section.split("Schools with a lead")[1]
    assert "(estimate)" in section and "Note: Two schools unconfirmed." in section

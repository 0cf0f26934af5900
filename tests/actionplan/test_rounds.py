"""Reporting rounds: default deadline and scope, one open round, returns, scope changes, and
the pages business support run a round from."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Agency
from actionplan.models import Rag, ReportingRound, Review, RoundAction, RoundEmail
from actionplan.quarters import Quarter
from actionplan.round_models import Step
from actionplan.rounds import (
    round_action_add,
    round_action_remove,
    round_close,
    round_open,
    round_progress,
    working_days_after,
)
from actionplan.services import status_update_create
from tests.conftest import make_action, make_body, make_role, make_user

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")
LONDON = ZoneInfo("Europe/London")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _update(action, author, *, rag=Rag.GREEN, at=None):
    return status_update_create(
        action=action,
        author=author,
        rag=rag,
        commentary="On track: the work is going as planned this quarter.",
        expected_version=action.version,
        created_at=at,
    )


@pytest.mark.parametrize(
    ("after", "days", "expected"),
    [
        # New Year's Day 2016 was a Friday bank holiday.
        (date(2015, 12, 31), 10, date(2016, 1, 15)),
        # Good Friday 25 March and Easter Monday 28 March 2016.
        (date(2016, 3, 24), 1, date(2016, 3, 29)),
        # New Year's Day 2017 fell on a Sunday: Monday 2 January was the substitute holiday.
        (date(2016, 12, 30), 1, date(2017, 1, 3)),
        # A weekend only.
        (date(2016, 7, 1), 1, date(2016, 7, 4)),
    ],
)
def test_working_days_skip_weekends_and_england_and_wales_bank_holidays(after, days, expected):
    assert working_days_after(after, days) == expected


def test_round_defaults_deadline_and_sign_off_from_settings(business_support, settings):
    settings.ROUND_DEADLINE_WORKING_DAYS = 10
    settings.ROUND_SIGN_OFF_WORKING_DAYS = 5
    plan = make_action().plan
    reporting_round = round_open(plan=plan, quarter=Q3, opened_by=business_support)
    assert reporting_round.deadline == date(2016, 1, 15)
    assert reporting_round.sign_off_date == date(2016, 1, 22)
    assert reporting_round.quarter_name == "Q3 2015/16"


def test_default_scope_is_every_action_not_blue_before_the_quarter(business_support):
    author = make_user()
    blue_before = make_action(description="Blue in September")
    plan = blue_before.plan
    blue_during = make_action(plan=plan, description="Blue in November")
    green = make_action(plan=plan, description="Green")
    unrated = make_action(plan=plan, description="Not yet rated")
    make_action(description="Another plan's action")
    _update(blue_before, author, rag=Rag.BLUE, at=_at("2015-09-15T10:00"))
    _update(blue_during, author, rag=Rag.BLUE, at=_at("2015-11-15T10:00"))
    _update(green, author, at=_at("2015-09-15T10:00"))
    reporting_round = round_open(plan=plan, quarter=Q3, opened_by=business_support)
    in_scope = set(reporting_round.round_actions.values_list("action_id", flat=True))
    assert in_scope == {blue_during.pk, green.pk, unrated.pk}


def test_a_second_open_round_for_the_same_quarter_is_refused(business_support):
    plan = make_action().plan
    first = round_open(plan=plan, quarter=Q3, opened_by=business_support)
    with pytest.raises(ValidationError, match="already an open reporting round"):
        round_open(plan=plan, quarter=Q3, opened_by=business_support)
    assert ReportingRound.objects.count() == 1
    # Another quarter, or the same one once the first round is closed, is fine.
    round_open(plan=plan, quarter=Q3.next(), opened_by=business_support)
    round_close(reporting_round=first)
    round_open(plan=plan, quarter=Q3, opened_by=business_support)
    assert ReportingRound.objects.count() == 3


def test_the_database_refuses_a_second_open_round(business_support):
    from django.db import IntegrityError, transaction

    plan = make_action().plan
    round_open(plan=plan, quarter=Q3, opened_by=business_support)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingRound.objects.create(
            plan=plan,
            quarter=Q3.slug,
            deadline=date(2016, 1, 15),
            sign_off_date=date(2016, 1, 29),
            opened_by=business_support,
        )


def _round_with(action, business_support, **kwargs):
    return round_open(plan=action.plan, quarter=Q3, opened_by=business_support, **kwargs)


def test_an_update_is_the_return_and_a_late_one_is_flagged(business_support):
    owner = make_user()
    on_time, late = make_action(), None
    late = make_action(plan=on_time.plan)
    reporting_round = _round_with(on_time, business_support)
    _update(on_time, owner, at=_at("2016-01-15T17:00"))
    _update(late, owner, at=_at("2016-01-16T09:00"))
    entries = {e.action_id: e for e in reporting_round.round_actions.all()}
    assert entries[on_time.pk].return_update == on_time.latest_update
    assert entries[on_time.pk].is_late is False
    assert entries[late.pk].is_late is True
    assert entries[late.pk].review == Review.AWAITING


def test_a_return_after_closing_is_recorded_and_late(business_support):
    owner = make_user()
    action = make_action()
    reporting_round = _round_with(action, business_support)
    round_close(reporting_round=reporting_round)
    update = _update(action, owner, at=_at("2016-01-10T09:00"))
    entry = reporting_round.round_actions.get()
    assert entry.return_update == update and entry.is_late is True
    # A closed round keeps the return it has: a later update is an ordinary update.
    _update(action, owner, at=_at("2016-02-10T09:00"))
    entry.refresh_from_db()
    assert entry.return_update == update


def test_a_new_update_after_sign_off_needs_sign_off_again(business_support):
    owner = make_user()
    action = make_action()
    reporting_round = _round_with(action, business_support)
    _update(action, owner, at=_at("2016-01-05T09:00"))
    RoundAction.objects.filter(round=reporting_round).update(review=Review.APPROVED)
    second = _update(action, owner, at=_at("2016-01-06T09:00"))
    entry = reporting_round.round_actions.get()
    assert entry.return_update == second and entry.review == Review.AWAITING


def test_an_update_made_after_the_quarter_before_the_round_opened_is_the_return(
    business_support,
):
    owner = make_user()
    answered, during, unanswered = make_action(), None, None
    during = make_action(plan=answered.plan)
    unanswered = make_action(plan=answered.plan)
    _update(answered, owner, at=_at("2016-01-02T10:00"))  # Q3 over; the round opens later
    _update(during, owner, at=_at("2015-12-20T10:00"))  # reports on the quarter in it
    with time_machine.travel(_at("2016-01-04T09:00"), tick=False):
        reporting_round = _round_with(answered, business_support)
    entries = {e.action_id: e for e in reporting_round.round_actions.all()}
    assert entries[answered.pk].return_update == answered.latest_update
    assert entries[answered.pk].is_late is False
    assert entries[answered.pk].review == Review.AWAITING
    assert entries[during.pk].return_update is None
    assert entries[unanswered.pk].return_update is None


def test_an_update_dated_before_the_quarter_was_over_is_not_the_return(business_support):
    action = make_action()
    with time_machine.travel(_at("2016-01-04T09:00"), tick=False):
        reporting_round = _round_with(action, business_support)
    # Recorded while the round is open, but dated in the quarter (say, from old notes).
    _update(action, make_user(), at=_at("2015-12-01T10:00"))
    assert reporting_round.round_actions.get().return_update is None
    _update(action, make_user(), at=_at("2016-01-05T10:00"))
    assert reporting_round.round_actions.get().return_update == action.latest_update


def test_a_round_opened_before_its_quarter_ended_takes_updates_from_its_opening(
    business_support,
):
    action = make_action()
    _update(action, make_user(), at=_at("2015-11-20T10:00"))
    with time_machine.travel(_at("2015-12-01T09:00"), tick=False):
        reporting_round = _round_with(action, business_support)
    assert reporting_round.round_actions.get().return_update is None
    _update(action, make_user(), at=_at("2015-12-10T10:00"))
    assert reporting_round.round_actions.get().return_update == action.latest_update


def test_an_action_out_of_scope_has_no_return(business_support):
    action = make_action()
    reporting_round = _round_with(action, business_support)
    round_action_remove(reporting_round=reporting_round, action=action, reason="Merged into 1.2")
    _update(action, make_user(), at=_at("2016-01-05T09:00"))
    entry = reporting_round.round_actions.get()
    assert entry.return_update is None and entry.removed_reason == "Merged into 1.2"


def test_scope_changes_need_a_reason_and_change_nothing_without_one(business_support):
    action = make_action()
    reporting_round = _round_with(action, business_support)
    with pytest.raises(ValidationError, match="Enter the reason"):
        round_action_remove(reporting_round=reporting_round, action=action, reason="  ")
    assert reporting_round.round_actions.in_scope().count() == 1
    round_action_remove(reporting_round=reporting_round, action=action, reason="Paused")
    with pytest.raises(ValidationError, match="not in this round"):
        round_action_remove(reporting_round=reporting_round, action=action, reason="Again")
    entry = round_action_add(reporting_round=reporting_round, action=action, reason="Resumed")
    assert entry.in_scope and entry.added_reason == "Resumed"
    with pytest.raises(ValidationError, match="already in this round"):
        round_action_add(reporting_round=reporting_round, action=action, reason="Twice")
    with pytest.raises(ValidationError, match="another plan"):
        round_action_add(reporting_round=reporting_round, action=make_action(), reason="Other")


# Pages --------------------------------------------------------------------------------------


def test_support_opens_a_round_from_the_form_with_defaults(client, business_support, wscb_plan):
    client.force_login(business_support)
    url = reverse("actionplan:round-open")
    with time_machine.travel("2016-01-04 12:00 +0000", tick=False):
        html = client.get(url).content.decode()
        assert 'value="2016-01-15"' in html  # the default deadline, filled in
        response = client.post(url, {"plan": wscb_plan.slug, "quarter": "2015-Q3"})
    reporting_round = ReportingRound.objects.get()
    assert response["Location"] == reporting_round.get_absolute_url()
    assert reporting_round.deadline == date(2016, 1, 15)
    assert reporting_round.round_actions.count() == wscb_plan.actions.count()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quarter": "2015-Q3", "plan": "no-such-plan"}, "Choose one of the plans."),
        ({"quarter": "nonsense"}, "is not a quarter"),
        ({"quarter": "2030-Q1"}, "has not started yet"),
        ({"quarter": "2015-Q3", "deadline": "2015-13-45"}, "must be a real date"),
        ({"quarter": "2015-Q3", "deadline": "2016-01-20", "sign_off_date": "2016-01-10"},
         "on or after the deadline"),
    ],
)  # fmt: skip
def test_bad_round_input_is_explained_and_changes_nothing(
    client, business_support, wscb_plan, data, message
):
    client.force_login(business_support)
    response = client.post(reverse("actionplan:round-open"), {"plan": wscb_plan.slug, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportingRound.objects.exists()


def test_a_second_open_round_is_refused_on_the_page(client, business_support, wscb_plan):
    round_open(plan=wscb_plan, quarter=Q3, opened_by=business_support)
    client.force_login(business_support)
    response = client.post(
        reverse("actionplan:round-open"), {"plan": wscb_plan.slug, "quarter": "2015-Q3"}
    )
    assert "already an open reporting round" in response.content.decode()
    assert ReportingRound.objects.count() == 1


def _people_world(business_support, *, actions: int, people: int):
    """A plan of `actions` actions over two bodies and two agencies, each action owned by one
    of `people` roles held by one person each; one role held by nobody, one holder without an
    e-mail address; every third action answered."""
    from accounts.models import Agency

    agencies = [Agency.objects.get_or_create(name=f"Agency {n}")[0] for n in (1, 2)]
    bodies = [make_body(), make_body()]
    holders = []
    roles = []
    for n in range(people):
        role = make_role(agency=agencies[n % 2])
        person = make_user(email=f"p{n}@example.org" if n else "")
        person.roles.add(role)
        holders.append(person)
        roles.append(role)
    orphan = make_role(agency=agencies[0], title=f"Vacant post {Agency.objects.count()}{people}")
    first = make_action(owners=[orphan], accountable_body=bodies[0])
    made = [first]
    for n in range(actions - 1):
        made.append(
            make_action(
                objective=first.objective,
                owners=[roles[n % people]],
                accountable_body=bodies[n % 2],
            )
        )
    reporting_round = round_open(plan=first.plan, quarter=Q3, opened_by=business_support)
    for action in made[2::3]:
        _update(action, holders[0], at=_at("2016-01-05T09:00"))
    return reporting_round


def test_round_page_shows_progress_people_to_reply_and_who_cannot_be_reached(
    client, business_support
):
    reporting_round = _people_world(business_support, actions=9, people=3)
    client.force_login(business_support)
    html = client.get(reporting_round.get_absolute_url()).content.decode()
    assert "3 of 9 returns received (33%), 6 outstanding, 0 late" in html
    assert re.search(r"Nobody holds the role Vacant post \d+ \(Agency 1\)", html)
    assert "has no e-mail address" in html
    assert "Download every action in this round as CSV" in html


def test_round_page_queries_do_not_grow_with_actions_or_people(
    client, business_support, django_assert_num_queries
):
    small = _people_world(business_support, actions=6, people=2)
    large = _people_world(business_support, actions=40, people=12)
    client.force_login(business_support)
    client.get(small.get_absolute_url())

    def count(reporting_round):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reporting_round.get_absolute_url()).status_code == 200
        return len(queries)

    # session, user, the second factor (accounts.middleware), the round (+plan, opener), the
    # user's groups; progress: counts per body and per agency, the people to reply (with their
    # counts), when each was last e-mailed, roles nobody holds, e-mails waiting, "returned to
    # owner" notices waiting (+action); the nav's "chairs a body?" check
    with django_assert_num_queries(12):
        client.get(large.get_absolute_url())
    assert count(small) == count(large)


def test_progress_counts_each_action_once_per_body_and_per_agency(business_support):
    police, council = Agency.objects.create(name="Police"), Agency.objects.create(name="Council")
    lead, detective = make_role(agency=police), make_role(agency=police)
    officer = make_role(agency=council)
    body = make_body(name="Exploitation Sub-group")
    # Two police roles (once for Police), police and council (once for each), no owner role;
    # one for another body, and one taken out of scope (counted nowhere).
    both_police = make_action(owners=[lead, detective], accountable_body=body)
    plan = both_police.plan
    shared = make_action(plan=plan, owners=[lead, officer], accountable_body=body)
    unowned = make_action(plan=plan, accountable_body=body)
    other = make_action(plan=plan, owners=[officer], accountable_body=make_body(name="Board"))
    removed = make_action(plan=plan, owners=[officer], accountable_body=body)
    reporting_round = _round_with(both_police, business_support)
    entries = {e.action_id: e for e in reporting_round.round_actions.all()}
    entries[both_police.pk].return_update = _update(both_police, make_user())
    entries[both_police.pk].review = Review.APPROVED
    entries[shared.pk].return_update = _update(shared, make_user())
    entries[shared.pk].is_late, entries[shared.pk].review = True, Review.RETURNED
    RoundAction.objects.bulk_update(entries.values(), ["return_update", "is_late", "review"])
    round_action_remove(reporting_round=reporting_round, action=removed, reason="Not this quarter")

    progress = round_progress(reporting_round)

    def figures(tallies):
        return {
            t.name: (t.total, t.received, t.late, t.approved, t.returned, t.outstanding)
            for t in tallies
        }

    assert figures([progress.overall]) == {"All actions": (4, 2, 1, 1, 1, 2)}
    assert figures(progress.by_body) == {
        "Board": (1, 0, 0, 0, 0, 1),
        "Exploitation Sub-group": (3, 2, 1, 1, 1, 1),
    }
    assert figures(progress.by_agency) == {
        "Council": (2, 1, 1, 0, 1, 1),
        "No owner role": (1, 0, 0, 0, 0, 1),
        "Police": (2, 2, 1, 1, 1, 0),
    }
    assert [t.name for t in progress.by_agency] == ["Council", "No owner role", "Police"]
    assert unowned.pk in entries and other.pk in entries


def test_people_to_reply_count_each_outstanding_action_once(business_support):
    lead, officer, inactive_only, vacant = make_role(), make_role(), make_role(), make_role()
    pat = make_user(username="pat", email="pat@example.org")
    pat.roles.add(lead, officer)
    make_user(username="cy", is_active=False).roles.add(inactive_only, officer)
    twice = make_action(owners=[lead, officer])  # Pat holds both: one action for Pat
    plan = twice.plan
    make_action(plan=plan, owners=[officer])
    answered = make_action(plan=plan, owners=[lead])
    make_action(plan=plan, owners=[inactive_only])
    make_action(plan=plan, owners=[vacant])
    reporting_round = _round_with(twice, business_support)
    _update(answered, pat, at=_at("2016-01-05T09:00"))

    progress = round_progress(reporting_round)

    assert [(p.username, p.outstanding, p.last_emailed) for p in progress.to_reply] == [
        ("pat", 2, None)
    ]
    assert progress.roles_unheld == [inactive_only, vacant]
    assert progress.people_without_email == []


def test_people_to_reply_show_when_each_was_last_emailed(business_support):
    pat = make_user(username="pat", email="pat@example.org")
    sam = make_user(username="sam", email="sam@example.org")
    lead, officer = make_role(), make_role()
    pat.roles.add(lead)
    sam.roles.add(officer)
    action = make_action(owners=[lead])
    make_action(plan=action.plan, owners=[officer])
    reporting_round = _round_with(action, business_support)
    asked, reminded = _at("2016-01-04T09:00"), _at("2016-01-18T09:00")
    RoundEmail.objects.create(round=reporting_round, person=pat, step=Step.INVITE, sent_at=asked)
    RoundEmail.objects.create(
        round=reporting_round, person=pat, step=Step.REMINDER, sent_at=reminded
    )
    # Closed unsent (sent_at set with the reason) and not yet sent: not an e-mail received.
    RoundEmail.objects.create(
        round=reporting_round, person=sam, step=Step.INVITE, sent_at=asked, last_error="Gone"
    )
    RoundEmail.objects.create(round=reporting_round, person=sam, step=Step.REMINDER)

    progress = round_progress(reporting_round)

    assert [(p.username, p.last_emailed) for p in progress.to_reply] == [
        ("pat", reminded),
        ("sam", None),
    ]


def test_round_export_lists_every_action_with_its_return(client, business_support):
    reporting_round = _people_world(business_support, actions=6, people=2)
    client.force_login(business_support)
    response = client.get(reverse("actionplan:round-export", kwargs={"pk": reporting_round.pk}))
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("ref,action,accountable_body")
    assert len(rows) == 7
    assert sum(",received," in row for row in rows) == 2


def test_close_shows_what_is_missing_then_closes(client, business_support):
    reporting_round = _people_world(business_support, actions=6, people=2)
    url = reverse("actionplan:round-close", kwargs={"pk": reporting_round.pk})
    client.force_login(business_support)
    html = client.get(url).content.decode()
    assert "4 returns still missing" in html
    client.post(url)
    reporting_round.refresh_from_db()
    assert not reporting_round.is_open
    response = client.post(url, follow=True)
    assert "already closed" in response.content.decode()


def test_scope_form_removes_with_a_reason_and_refuses_without(client, business_support):
    action = make_action()
    reporting_round = _round_with(action, business_support)
    url = reverse("actionplan:round-scope", kwargs={"pk": reporting_round.pk})
    client.force_login(business_support)
    response = client.post(url, {"reference": action.reference, "change": "remove"})
    assert response.status_code == 400 and "Enter the reason" in response.content.decode()
    response = client.post(url, {"reference": "9.9.9", "change": "remove", "reason": "x"})
    assert "This plan has no action 9.9.9" in response.content.decode()
    assert reporting_round.round_actions.in_scope().count() == 1
    client.post(url, {"reference": action.reference, "change": "remove", "reason": "Merged"})
    assert reporting_round.round_actions.in_scope().count() == 0


def test_my_actions_says_what_is_due_and_what_is_late(client, business_support):
    role = make_role()
    person = make_user()
    person.roles.add(role)
    actions = [make_action(owners=[role]) for _ in range(3)]
    plan_two = actions[1].plan
    reporting_round = _round_with(actions[0], business_support)
    other = round_open(
        plan=plan_two, quarter=Q3, opened_by=business_support, deadline=date(2016, 1, 8)
    )
    client.force_login(person)
    with time_machine.travel("2016-01-12 12:00 +0000", tick=False):
        html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "1 action needs your Q3 2015/16 update by 15 January 2016" in html
    assert "1 action is late: your Q3 2015/16 update was due by 8 January 2016" in html
    link = reverse("actionplan:action-update", kwargs={"pk": actions[0].pk})
    assert f'href="{link}"' in html
    _update(actions[0], person, at=_at("2016-01-12T09:00"))
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "needs your" not in html
    assert reporting_round and other


def test_my_actions_banner_queries_do_not_grow(client, business_support, django_assert_num_queries):
    role = make_role()
    person = make_user()
    person.roles.add(role)
    first = make_action(owners=[role])
    for _ in range(25):
        make_action(objective=first.objective, owners=[role])
    _round_with(first, business_support)
    client.force_login(person)
    client.get(reverse("actionplan:my-actions"))
    # session, user, the second factor (accounts.middleware), the reporting quarter (the plans' date
    # range, open rounds), the user's roles (for co-owners), actions, their due date revisions,
    # their owner links (+role, agency), outstanding or returned returns (+round, action), their
    # sign-offs (+chair), nav chair check, groups
    with django_assert_num_queries(13), time_machine.travel("2016-01-04 12:00 +0000"):
        html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "26 actions need your Q3 2015/16 update" in html

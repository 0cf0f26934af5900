"""Revised due dates: who may revise, the reason, the plan's date kept, append-only rows, and
overdue judged against the date in force on the as-of date everywhere (one rule)."""

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actionplan.models import Action, DueDateRevision, Rag
from actionplan.quarters import Quarter
from actionplan.services import due_date_revision_create, status_update_create
from reports.packs import build_pack_data
from reports.services import board_pack_html
from tests.conftest import make_action, make_body, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
PLAN_DUE = date(2015, 11, 30)
REVISED_DUE = date(2016, 3, 31)
REASON = "Board agreed 14 January 2016: the provider changed"
REVISED_AT = datetime(2016, 1, 14, 15, 0, tzinfo=LONDON)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture
def revised(time_machine):
    """An action due 30/11/2015 in the plan, Green since October, revised on 14/1/2016 to
    31/3/2016."""
    time_machine.move_to(local(2016, 2, 1, 12), tick=False)
    body = make_body(name="Test Sub-group")
    action = make_action(reference="1.1.1", due_date=PLAN_DUE, accountable_body=body)
    status_update_create(
        action=action,
        author=make_user(),
        rag=Rag.GREEN,
        commentary="On track.",
        expected_version=0,
        created_at=local(2015, 10, 1, 10),
    )
    due_date_revision_create(
        action=action,
        author=make_user(username="chairperson"),
        due_date=REVISED_DUE,
        reason=REASON,
        revised_at=REVISED_AT,
    )
    return action


@pytest.fixture
def chair_of():
    def chair(action):
        user = make_user()
        user.chaired_bodies.add(action.accountable_body)
        return user

    return chair


def _overdue_on(action, day):
    row = Action.objects.filter(pk=action.pk).for_dashboard(as_of=day).get()
    fresh = Action.objects.for_list().get(pk=action.pk)
    python = fresh.is_overdue(today=day) if day == date(2016, 2, 1) else None
    return row.overdue_as_of, row.due_as_of, python


def test_overdue_is_judged_against_the_due_date_in_force_on_the_day(revised):
    # Before the revision, the plan's date was in force: overdue from 1 December 2015.
    assert _overdue_on(revised, date(2015, 12, 31))[:2] == (True, PLAN_DUE)
    # The revision counts from the end of the day it was made.
    assert _overdue_on(revised, date(2016, 1, 13))[:2] == (True, PLAN_DUE)
    assert _overdue_on(revised, date(2016, 1, 14))[:2] == (False, REVISED_DUE)
    # Today, by the current status and the revised date: not overdue, in SQL and Python alike.
    assert _overdue_on(revised, date(2016, 2, 1)) == (False, REVISED_DUE, False)
    # After the revised date passes, overdue again.
    assert _overdue_on(revised, date(2016, 4, 1))[:2] == (True, REVISED_DUE)


def test_python_and_sql_agree_on_the_date_in_force(revised):
    days = [date(2016, 1, 13), date(2016, 1, 14), date(2016, 1, 15)]
    fresh = Action.objects.for_list().get(pk=revised.pk)
    for day in days:
        row = Action.objects.filter(pk=revised.pk).for_dashboard(as_of=day).get()
        assert fresh.due_date_on(day) == row.due_as_of
    assert [fresh.due_date_on(day) for day in days] == [PLAN_DUE, REVISED_DUE, REVISED_DUE]


def test_the_plans_date_is_kept_and_each_revision_records_the_date_it_replaced(revised):
    later = date(2016, 6, 30)
    due_date_revision_create(
        action=revised, author=make_user(), due_date=later, reason="Slipped again"
    )
    revised.refresh_from_db()
    assert revised.due_date == PLAN_DUE
    rows = list(revised.due_date_revisions.order_by("revised_at"))
    assert [(r.previous_due_date, r.due_date) for r in rows] == [
        (PLAN_DUE, REVISED_DUE),
        (REVISED_DUE, later),
    ]
    assert rows[0].revised_by.username == "chairperson"
    assert rows[0].reason == REASON


@pytest.mark.parametrize(
    ("due_date", "reason", "field"),
    [(REVISED_DUE, "   ", "reason"), (REVISED_DUE, "Same date again", "due_date")],
)
def test_a_revision_needs_a_reason_and_a_new_date(revised, due_date, reason, field):
    with pytest.raises(ValidationError) as error:
        due_date_revision_create(
            action=revised, author=make_user(), due_date=due_date, reason=reason
        )
    assert field in error.value.message_dict
    assert DueDateRevision.objects.count() == 1


def test_revisions_are_read_only_in_the_admin(admin_client, revised):
    revision = revised.due_date_revisions.get()
    url = reverse("admin:actionplan_duedaterevision_change", args=[revision.pk])
    response = admin_client.post(url, {"reason": "Rewritten", "due_date": "2017-01-01"})
    assert response.status_code in {200, 403}
    revision.refresh_from_db()
    assert revision.reason == REASON
    delete = reverse("admin:actionplan_duedaterevision_delete", args=[revision.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert DueDateRevision.objects.count() == 1


def test_chair_revises_through_the_form_and_the_page_shows_it(client, revised, chair_of):
    client.force_login(chair_of(revised))
    url = reverse("actionplan:action-due-date", args=[revised.pk])
    response = client.post(url, {"due_date": "2016-09-30", "reason": "Waiting for <b>funding</b>"})
    assert response.status_code == 302
    html = client.get(revised.get_absolute_url()).content.decode()
    assert "30 September 2016, revised from 30 November 2015" in html
    assert "(Waiting for &lt;b&gt;funding&lt;/b&gt;)" in html
    assert "Every revision (2)" in html


def test_a_revision_is_in_the_security_log(client, revised, chair_of, caplog):
    caplog.set_level(logging.INFO, logger="actionplan.security")
    chair = chair_of(revised)
    client.force_login(chair)
    url = reverse("actionplan:action-due-date", args=[revised.pk])
    client.post(url, {"due_date": "2016-09-30", "reason": ""})  # refused: nothing logged
    assert client.post(url, {"due_date": "2016-09-30", "reason": "Funding"}).status_code == 302
    lines = [r.getMessage() for r in caplog.records if "due_date_revised" in r.getMessage()]
    assert lines == [
        f"event=due_date_revised user={chair.username} ip=127.0.0.1 action={revised.pk} "
        "due_date=2016-09-30 previous=2016-03-31 reference=1.1.1"
    ]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_revising_takes_only_get_and_post(client, revised, chair_of, method):
    client.force_login(chair_of(revised))
    url = reverse("actionplan:action-due-date", args=[revised.pk])
    assert getattr(client, method)(url).status_code == 405
    assert DueDateRevision.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_date": "", "reason": "Why"}, "Enter the new due date."),
        ({"due_date": "2016-02-30", "reason": "Why"}, "must be a real date"),
        ({"due_date": "2016-09-30", "reason": ""}, "Enter the reason for the new due date."),
        ({"due_date": "2016-03-31", "reason": "Same"}, "already due on 31 March 2016"),
    ],
)
def test_bad_input_shows_an_error_and_changes_nothing(client, revised, chair_of, data, message):
    client.force_login(chair_of(revised))
    response = client.post(reverse("actionplan:action-due-date", args=[revised.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert DueDateRevision.objects.count() == 1


def test_dashboard_shows_the_revised_date_and_judges_overdue_by_it(client, revised):
    client.force_login(make_user())
    url = reverse("actionplan:body-dashboard", args=[revised.accountable_body_id])
    now = client.get(url).content.decode()
    assert "31 Mar 2016, revised from 30 Nov 2015 (" + REASON.replace("'", "&#x27;") in now
    assert client.get(url, {"overdue": "yes"}).context["table"].paginator.count == 0
    before = client.get(url, {"as_of": "2015-12-31"})
    assert before.context["table"].paginator.count == 1
    assert "revised from" not in before.content.decode()
    assert (
        client.get(url, {"as_of": "2015-12-31", "overdue": "yes"}).context["table"].paginator.count
        == 1
    )


def test_pack_judges_overdue_by_the_date_in_force_at_the_quarter_end(revised):
    q3 = build_pack_data(plan=revised.plan, quarter=Quarter(2015, 3), today=date(2016, 2, 1))
    q4 = build_pack_data(plan=revised.plan, quarter=Quarter(2015, 4), today=date(2016, 2, 1))
    assert [item.due_date for item in q3.actions] == [PLAN_DUE]
    assert [item.overdue for item in q3.actions] == [True]
    assert [item.due_date for item in q4.actions] == [REVISED_DUE]
    assert [item.overdue for item in q4.actions] == [False]


def test_pack_shows_the_revision_in_force_at_the_quarter_end(revised, time_machine):
    time_machine.move_to(local(2016, 4, 10, 12), tick=False)  # Q4 over, revised date passed
    html = board_pack_html(
        plan=revised.plan,
        quarter=Quarter(2015, 4),
        produced_by=make_user(),
        produced_at=local(2016, 4, 10, 12),
    )
    assert "31 March 2016, revised from 30 November 2015" in html


def test_green_past_its_date_shows_both_and_says_how_to_settle_it(client, time_machine, chair_of):
    time_machine.move_to(local(2016, 2, 1, 12), tick=False)
    action = make_action(due_date=PLAN_DUE)
    status_update_create(
        action=action, author=make_user(), rag=Rag.GREEN, commentary="On track.", expected_version=0
    )
    client.force_login(make_user())
    html = client.get(action.get_absolute_url()).content.decode()
    # The status line's tag, and the legend's.
    assert "tag--green" in html and html.count("tag--overdue") == 2
    assert "If the Board has agreed a new date, a chair of" in html
    client.force_login(chair_of(action))
    due_date_revision_create(action=action, author=make_user(), due_date=REVISED_DUE, reason=REASON)
    html = client.get(action.get_absolute_url()).content.decode()
    assert "tag--green" in html
    assert html.count("tag--overdue") == 1  # the legend's alone
    assert 'id="overdue-note"' not in html

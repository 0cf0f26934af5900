"""The update form shows what was said last time; after saving, the action page offers the
next action still needing the person's update; a reader is told who can update an action."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.permissions import can_update_action
from actionplan import dashboards
from actionplan.models import Action, Rag
from actionplan.quarters import Quarter
from actionplan.services import status_update_create
from tests.conftest import PERSONAS, make_action, make_body, make_role, make_user
from tests.reports.conftest import make_update

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CONCERN = "Sign-off slipped: the police lead is on leave; the chair is chasing a new date."


def _update_url(action):
    return reverse("actionplan:action-update", kwargs={"pk": action.pk})


def _rate(action, author, rag, commentary="On track."):
    action.refresh_from_db()
    status_update_create(
        action=action, author=author, rag=rag, commentary=commentary,
        expected_version=action.version,
    )  # fmt: skip


def test_the_form_shows_the_last_update_beside_it(client, owner, chair, target_action):
    chair.first_name, chair.last_name = "Sam", "Chair"
    chair.save()
    make_update(
        target_action, "amber", datetime(2015, 11, 20, 14, 5, tzinfo=LONDON), author=chair,
        commentary=CONCERN, evidence_url="https://intranet.example/minutes",
    )  # fmt: skip
    client.force_login(owner)
    html = client.get(_update_url(target_action)).content.decode()
    aside = html.split('<aside class="latest-update"')[1].split("</aside>")[0]
    assert '<h2 id="latest-update-title" class="latest-update__title">The last update</h2>' in aside
    amber = '<strong class="tag tag--amber" title="At risk of slipping, or some concern">Amber'
    assert amber in aside
    assert CONCERN in aside and "https://intranet.example/minutes" in aside
    assert (
        'By Sam Chair, <time datetime="2015-11-20T14:05:00+00:00">20 November 2015, 14:05</time>, '
        "in Q3 2015/16." in aside
    )


def test_the_form_says_when_there_is_no_update_yet(client, owner, target_action):
    client.force_login(owner)
    html = client.get(_update_url(target_action)).content.decode()
    aside = html.split('<aside class="latest-update"')[1].split("</aside>")[0]
    assert "No status updates yet: this action is not yet rated." in aside


@pytest.fixture
def my_four(db):
    """A person's role owning four actions, due in order: one to update now, a later one to
    update, a complete one and one updated this quarter; and an action of another role."""
    role, body = make_role(), make_body()
    person = make_user(username="lead")
    person.roles.add(role)
    first = make_action(owners=[role], accountable_body=body, due_date=date(2026, 5, 31))
    made = {"first": first}
    for name, due in [("later", date(2026, 9, 30)), ("blue", date(2026, 4, 30)),
                      ("updated", date(2026, 4, 15)), ("others", date(2026, 4, 1))]:  # fmt: skip
        owners = [make_role()] if name == "others" else [role]
        made[name] = make_action(
            objective=first.objective, owners=owners, accountable_body=body, due_date=due
        )
    return person, made


def test_after_saving_the_next_action_needing_an_update_is_offered(client, my_four, time_machine):
    person, made = my_four
    time_machine.move_to(datetime(2026, 1, 10, 12, tzinfo=LONDON), tick=False)  # 2025-Q4
    _rate(made["blue"], person, Rag.BLUE, "Complete.")
    _rate(made["later"], person, Rag.GREEN)  # last quarter: needs an update again
    time_machine.move_to(datetime(2026, 4, 20, 12, tzinfo=LONDON), tick=False)  # 2026-Q1
    _rate(made["updated"], person, Rag.GREEN)
    client.force_login(person)
    data = {"rag": "green", "commentary": "On track.", "evidence_url": "", "version": 0}
    response = client.post(_update_url(made["first"]), data, follow=True)

    assert response.redirect_chain[-1][0] == made["first"].get_absolute_url()
    html = response.content.decode()
    later = made["later"]
    assert "Your next action to update" in html
    assert f"Action {later.reference} still needs an update for Q1 2026/27" in html
    assert f'href="{_update_url(later)}">Update action {later.reference}</a>' in html

    # Once that one is done too, the person is told they are up to date.
    response = client.post(_update_url(later), {**data, "version": 1}, follow=True)
    html = response.content.decode()
    assert "You are up to date" in html
    assert "Every action you can update has an update for Q1 2026/27, or is complete." in html


def test_an_action_needing_an_update_offers_no_next_step(client, owner, target_action):
    client.force_login(owner)
    html = client.get(target_action.get_absolute_url()).content.decode()
    assert "Your next action to update" not in html and "You are up to date" not in html
    assert '<a class="button" href="' + _update_url(target_action) in html


@pytest.mark.parametrize(
    ("updated_at", "today", "needs_update"),
    [
        # 23:30 on 31 March (British Summer Time; 22:30 UTC) is still Q4 of 2015/16...
        (datetime(2016, 3, 31, 23, 30, tzinfo=LONDON), date(2016, 3, 31), False),
        # ...so from 1 April (Q1 of 2016/17) the action needs an update again.
        (datetime(2016, 3, 31, 23, 30, tzinfo=LONDON), date(2016, 4, 1), True),
        (datetime(2016, 4, 1, 0, 0, tzinfo=LONDON), date(2016, 6, 30), False),
        (datetime(2016, 1, 1, 0, 0, tzinfo=LONDON), date(2016, 3, 31), False),
        (datetime(2015, 12, 31, 23, 59, tzinfo=LONDON), date(2016, 1, 1), True),
    ],
)
def test_needs_update_turns_at_the_quarter_boundary(db, updated_at, today, needs_update):
    action = make_action(owners=[make_role()])
    make_update(action, "green", updated_at)
    quarter = Quarter.containing(today)
    annotated = Action.objects.with_needs_update(quarter=quarter).get(pk=action.pk)
    assert annotated.needs_update is needs_update
    assert Action.objects.needing_update(quarter=quarter).filter(pk=action.pk).exists() is (
        needs_update
    )


def test_blue_and_never_rated_actions(db):
    blue, unrated = make_action(), make_action()
    make_update(blue, "blue", datetime(2015, 6, 1, tzinfo=LONDON))
    needing = set(Action.objects.needing_update(quarter=Quarter(2025, 4)))
    assert unrated in needing and blue not in needing


@pytest.mark.parametrize("who", ["board_member", "outsider", "other_owner", "other_chair"])
def test_a_reader_is_told_who_can_update_the_action(client, persona, target_action, who):
    client.force_login(persona(who))
    html = client.get(target_action.get_absolute_url()).content.decode()
    assert _update_url(target_action) not in html
    assert (
        '<p class="who-can-update">Only the holders of its owner roles (Chair of Missing '
        "Children, CSE and Trafficking Group, Worcestershire Safeguarding Children Board), the "
        "chairs of CSE Strategic Group and Board business support can update this action.</p>"
    ) in html


def test_who_can_update_an_action_without_owner_roles(client, outsider, db):
    action = make_action(accountable_body=make_body(name="Audit Group"))
    client.force_login(outsider)
    html = client.get(action.get_absolute_url()).content.decode()
    assert (
        "Only the chairs of Audit Group and Board business support can update this action." in html
    )


@pytest.mark.parametrize("who", [p for p in PERSONAS if p != "anonymous"])
def test_updatable_by_agrees_with_can_update_action(persona, wscb_plan, who):
    user = persona(who)
    actions = list(Action.objects.for_list())
    in_scope = set(Action.objects.updatable_by(user).values_list("pk", flat=True))
    allowed = {action.pk for action in actions if can_update_action(user, action)}
    assert in_scope == allowed
    assert len(actions) == 42  # the WSCB plan
    assert (0 < len(allowed) < len(actions)) is (who in {"owner", "other_owner", "chair",
                                                          "other_chair"})  # fmt: skip


def test_needs_update_counts_what_a_dashboards_not_updated_figure_counts_today(db, time_machine):
    """The same rule from two sides: the actions needing an update now (current status), and
    a dashboard's "Not updated in Qn" figure as of today (statuses as of today)."""
    time_machine.move_to(datetime(2016, 2, 10, 12, tzinfo=LONDON), tick=False)  # 2015-Q4
    body, today = make_body(), date(2016, 2, 10)
    histories = [[], [("green", 2015, 12)], [("green", 2015, 12), ("amber", 2016, 1)],
                 [("blue", 2015, 11)], [("red", 2015, 9), ("blue", 2016, 2)],
                 [("amber", 2016, 1), ("red", 2016, 2)]]  # fmt: skip
    for history in histories:
        action = make_action(accountable_body=body)
        for rag, year, month in history:
            make_update(action, rag, datetime(year, month, 1, 9, tzinfo=LONDON))
    actions = Action.objects.filter(accountable_body=body)
    _, _, attention, _ = dashboards.headline_figures(
        actions.for_dashboard(as_of=today), as_of=today
    )
    not_updated = next(figure for figure in attention if figure.key == "not_updated")
    quarter = dashboards.current_reporting_quarter(today=today)
    assert quarter == Quarter(2015, 4)
    assert not_updated.count == actions.needing_update(quarter=quarter).count() == 2

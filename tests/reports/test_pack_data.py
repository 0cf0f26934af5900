from datetime import date

import pytest
import time_machine

from actionplan.dashboards import plan_quarters
from actionplan.models import DueDateRevision, Measure, Objective, Priority, Rag
from actionplan.quarters import Quarter
from actionplan.rounds import round_open
from reports.packs import build_pack_data, default_quarter
from reports.services import board_pack_html
from tests.conftest import make_action, make_plan, make_role, make_user
from tests.reports.conftest import at, make_update

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")  # 1 October - 31 December 2015
AFTER = date(2026, 1, 1)  # "today", long after the quarter


def _pack(plan, today=AFTER):
    data = build_pack_data(plan=plan, quarter=Q3, today=today)
    return data, {item.action.reference: item for item in data.actions}


def _action(plan, **kwargs):
    return make_action(plan=plan, **kwargs)


def test_direction_of_travel_compares_the_two_quarter_ends():
    plan = make_plan()
    stories = {
        "1.1.1": [("amber", date(2015, 9, 1)), ("green", date(2015, 12, 1))],
        "1.1.2": [("green", date(2015, 9, 1)), ("red", date(2015, 12, 1))],
        "1.1.3": [("green", date(2015, 9, 1)), ("green", date(2015, 12, 1))],
        "1.1.4": [("amber", date(2015, 11, 1))],
        "1.1.5": [],
        # Blue after the quarter ended does not count.
        "1.1.6": [("green", date(2015, 9, 1)), ("blue", date(2016, 1, 5))],
    }
    for reference, updates in stories.items():
        action = _action(plan, reference=reference)
        for rag, day in updates:
            make_update(action, rag, at(day))

    data, items = _pack(plan)

    assert [i.action.reference for i in data.improved] == ["1.1.1"]
    assert [i.action.reference for i in data.deteriorated] == ["1.1.2"]
    assert data.unchanged_count == 2
    assert [
        (c.label, [i.action.reference for i in group]) for c, group in data.unchanged_by_rag
    ] == [("Green", ["1.1.3", "1.1.6"])]
    assert [i.action.reference for i in data.first_rated] == ["1.1.4"]
    assert [i.action.reference for i in data.not_rated] == ["1.1.5"]
    assert items["1.1.2"].previous_rag.value == Rag.GREEN
    assert items["1.1.2"].rag.value == Rag.RED


def test_completed_this_quarter_means_blue_now_and_not_before():
    plan = make_plan()
    done_now = _action(plan)
    make_update(done_now, "green", at(date(2015, 9, 1)))
    make_update(done_now, "blue", at(date(2015, 12, 31), 23, 30))  # the quarter's last evening
    done_before = _action(plan)
    make_update(done_before, "blue", at(date(2015, 9, 1)))

    data, _ = _pack(plan)

    assert data.completed == [data.actions[0]]


def test_overdue_means_due_before_the_quarter_end_and_not_blue():
    plan = make_plan()
    late = _action(plan, due_date=date(2015, 12, 30))
    make_update(late, "green", at(date(2015, 11, 1)))
    due_on_last_day = _action(plan, due_date=date(2015, 12, 31))
    finished = _action(plan, due_date=date(2015, 10, 31))
    make_update(finished, "blue", at(date(2015, 12, 1)))
    never_rated = _action(plan, due_date=date(2015, 11, 30))

    data, items = _pack(plan)

    assert {i.action for i in data.overdue} == {late, never_rated}
    assert items[late.reference].days_overdue == 1
    assert not items[due_on_last_day.reference].overdue


def test_no_update_this_quarter_uses_the_local_date():
    plan = make_plan()
    # 00:30 on 1 October in London is still 30 September in UTC: it is in the quarter.
    just_in = _action(plan)
    make_update(just_in, "green", at(date(2015, 10, 1), 0, 30))
    just_out = _action(plan)
    make_update(just_out, "green", at(date(2015, 9, 30), 23, 30))
    never = _action(plan)

    data, _ = _pack(plan)

    assert {i.action for i in data.not_updated} == {just_out, never}


def test_red_since_is_the_start_of_the_current_red_run():
    plan = make_plan()
    action = _action(plan, due_date=date(2016, 3, 31))
    make_update(action, "red", at(date(2015, 8, 1)))
    make_update(action, "amber", at(date(2015, 9, 1)))
    make_update(action, "red", at(date(2015, 11, 1)))
    make_update(action, "red", at(date(2015, 12, 1)))
    make_update(action, "green", at(date(2016, 1, 5)))  # after the quarter: ignored
    recovered = _action(plan, due_date=date(2016, 3, 31))
    make_update(recovered, "red", at(date(2015, 10, 1)))
    make_update(recovered, "green", at(date(2015, 12, 1)))

    data, items = _pack(plan)

    assert items[action.reference].red_since == date(2015, 11, 1)
    assert items[action.reference].days_red == 60
    assert items[recovered.reference].red_since is None
    assert [i.action for i in data.exceptions] == [action]


def test_quarter_in_progress_reports_statuses_as_of_today():
    plan = make_plan()
    action = _action(plan, due_date=date(2015, 12, 1))
    make_update(action, "green", at(date(2015, 11, 1)))

    data, items = _pack(plan, today=date(2015, 11, 15))

    assert data.as_of == date(2015, 11, 15)
    assert data.quarter_in_progress
    assert not items[action.reference].overdue  # not yet: due 1 December


def test_a_quarter_not_yet_begun_is_refused():
    with pytest.raises(ValueError, match="has not started"):
        build_pack_data(plan=make_plan(), quarter=Q3, today=date(2015, 9, 30))


def test_wscb_quarters_cover_its_financial_years(wscb_plan):
    quarters = plan_quarters(today=AFTER, plan=wscb_plan)
    assert [q.slug for q in quarters] == [
        "2015-Q1", "2015-Q2", "2015-Q3", "2015-Q4", "2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4",
    ]  # fmt: skip
    assert default_quarter(quarters, today=AFTER).slug == "2016-Q4"


def test_quarters_stop_at_today_and_default_to_the_last_complete_one(wscb_plan):
    today = date(2015, 11, 15)
    quarters = plan_quarters(today=today, plan=wscb_plan)
    assert [q.slug for q in quarters] == ["2015-Q1", "2015-Q2", "2015-Q3"]
    assert default_quarter(quarters, today=today).slug == "2015-Q2"


def _big_plan(priorities=3, objectives=2, actions=5):
    """30 actions, each with two owners, two measures and three updates."""
    plan = make_plan()
    author = make_user()
    roles = [make_role(), make_role()]
    for p in range(1, priorities + 1):
        priority = Priority.objects.create(plan=plan, number=p, title=f"Priority {p}")
        for o in range(1, objectives + 1):
            objective = Objective.objects.create(priority=priority, number=f"{p}.{o}")
            for _ in range(actions):
                action = make_action(objective=objective, owners=roles)
                Measure.objects.create(action=action, text="First measure", order=1)
                Measure.objects.create(action=action, text="Second measure", order=2)
                make_update(action, "green", at(date(2015, 9, 1)), author=author)
                make_update(action, "red", at(date(2015, 11, 1)), author=author)
                make_update(action, "red", at(date(2015, 12, 1)), author=author)
                DueDateRevision.objects.create(
                    action=action,
                    previous_due_date=action.due_date,
                    due_date=date(2015, 12, 15),
                    reason="Re-baselined.",
                    revised_by=author,
                    revised_at=at(date(2015, 10, 1)),
                )
    return plan


def test_building_the_pack_html_takes_a_fixed_number_of_queries(
    django_assert_num_queries, business_support
):
    plan = _big_plan()
    producer = make_user()
    with time_machine.travel("2016-01-04 09:00 +0000", tick=False):
        round_open(plan=plan, quarter=Q3, opened_by=business_support)
    # 1 priorities, 2 objectives, 3 actions (+objective, priority, body, latest update and
    # author, the quarter's round entry and return; status and Red-run subqueries), 4 owner
    # links (+role, agency), 5 due date revisions, 6 measures, 7 statuses at the end of the
    # previous quarter (its round's returns joined), 8 whether any status is demo data
    with django_assert_num_queries(8):
        html = board_pack_html(plan=plan, quarter=Q3, produced_by=producer, produced_at=at(AFTER))
    assert html.count('class="action"') == 30
    assert html.count(">No return</strong>") == 30
    assert html.count("revised from") >= 30

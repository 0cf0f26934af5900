"""Financial-year quarters, and the one rule choosing those a plan is looked back to or
reported on (dashboards' "as of" picker and the Board pack's), at quarter boundaries."""

from datetime import UTC, date, datetime

import pytest

from actionplan.dashboards import plan_quarters, reporting_quarter
from actionplan.models import Plan
from actionplan.quarters import Quarter, financial_year_quarters
from tests.conftest import make_action, make_plan, make_user
from tests.reports.conftest import make_update


@pytest.mark.parametrize(
    ("day", "slug"),
    [
        (date(2016, 3, 31), "2015-Q4"),  # the financial year's last day
        (date(2016, 4, 1), "2016-Q1"),  # the next one's first
        (date(2016, 6, 30), "2016-Q1"),
        (date(2016, 7, 1), "2016-Q2"),
        (date(2016, 9, 30), "2016-Q2"),
        (date(2016, 10, 1), "2016-Q3"),
        (date(2016, 12, 31), "2016-Q3"),
        (date(2017, 1, 1), "2016-Q4"),
    ],
)
def test_a_day_is_in_its_financial_year_quarter(day, slug):
    quarter = Quarter.containing(day)
    assert quarter.slug == slug
    assert quarter.start <= day <= quarter.end


def _slugs(quarters):
    return [quarter.slug for quarter in quarters]


def test_whole_financial_years_from_the_first_date_to_the_last():
    days = [date(2015, 7, 31), date(2016, 7, 31)]
    assert _slugs(financial_year_quarters(days, today=date(2030, 1, 1))) == [
        "2015-Q1", "2015-Q2", "2015-Q3", "2015-Q4", "2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "first_quarter"),
    [(date(2015, 3, 31), "2014-Q1"), (date(2015, 4, 1), "2015-Q1")],
)
def test_the_first_date_on_a_year_boundary(first, first_quarter):
    quarters = financial_year_quarters([first, date(2015, 12, 1)], today=date(2030, 1, 1))
    assert quarters[0].slug == first_quarter
    assert quarters[-1].slug == "2015-Q4"


@pytest.mark.parametrize(
    ("last", "last_quarter"),
    [(date(2016, 3, 31), "2015-Q4"), (date(2016, 4, 1), "2016-Q4")],
)
def test_the_last_date_on_a_year_boundary(last, last_quarter):
    quarters = financial_year_quarters([date(2015, 5, 1), last], today=date(2030, 1, 1))
    assert quarters[-1].slug == last_quarter


@pytest.mark.parametrize(
    ("today", "last_offered"),
    [
        (date(2015, 9, 30), "2015-Q2"),  # Q3 has not begun
        (date(2015, 10, 1), "2015-Q3"),  # Q3 has begun today: offered
        (date(2016, 3, 31), "2015-Q4"),
        (date(2016, 4, 1), "2016-Q1"),
    ],
)
def test_no_quarter_that_has_not_begun(today, last_offered):
    quarters = financial_year_quarters([date(2015, 4, 1), date(2017, 3, 31)], today=today)
    assert quarters[-1].slug == last_offered


def test_without_dates_the_years_quarters_so_far():
    quarters = financial_year_quarters([], today=date(2015, 11, 15))
    assert _slugs(quarters) == ["2015-Q1", "2015-Q2", "2015-Q3"]


@pytest.mark.django_db
def test_a_plans_quarters_or_every_plans_in_one_query(django_assert_num_queries):
    Plan.objects.all().delete()  # not the WSCB plan: these plans' dates only
    early, late, empty = make_plan(), make_plan(), make_plan()
    make_action(plan=early, start_date=date(2013, 5, 1), due_date=date(2014, 3, 31))
    make_action(plan=late, due_date=date(2016, 4, 1))
    today = date(2016, 5, 1)
    with django_assert_num_queries(1):
        quarters = plan_quarters(today=today, plan=early)
    assert _slugs(quarters) == ["2013-Q1", "2013-Q2", "2013-Q3", "2013-Q4"]
    assert _slugs(plan_quarters(today=today, plan=late)) == ["2016-Q1"]  # Q2 not begun
    assert _slugs(plan_quarters(today=today, plan=empty)) == ["2016-Q1"]  # this year so far
    with django_assert_num_queries(1):
        every = plan_quarters(today=today)
    assert (every[0].slug, every[-1].slug, len(every)) == ("2013-Q1", "2016-Q1", 13)


@pytest.mark.django_db
def test_an_update_counts_on_its_local_date():
    plan = make_plan()
    action = make_action(plan=plan, due_date=date(2016, 9, 30))
    # 23:30 UTC on 30 September 2016 is 00:30 on 1 October in British Summer Time: Q3.
    make_update(action, "green", datetime(2016, 9, 30, 23, 30, tzinfo=UTC), author=make_user())
    # 23:30 UTC on 31 March 2017 is 00:30 on 1 April: after the plan's period (2016/17).
    make_update(action, "blue", datetime(2017, 3, 31, 23, 30, tzinfo=UTC), author=make_user())
    quarters = plan_quarters(today=date(2030, 1, 1), plan=plan)
    assert quarters[-1].slug == "2016-Q4"  # the period: updates after it do not stretch it
    assert reporting_quarter(quarters, today=date(2030, 1, 1), plan=plan).slug == "2016-Q3"


@pytest.mark.parametrize("text", ["0000-Q1", "0000-Q3", "0000-Q4", "9999-Q1", "9999-Q4"])
def test_a_quarter_outside_the_calendar_is_refused_with_a_message(text):
    with pytest.raises(ValueError, match="choose a quarter between 0001-Q1 and 9998-Q4"):
        Quarter.parse(text)


@pytest.mark.parametrize("text", ["0001-Q1", "9998-Q4"])
def test_the_first_and_last_quarters_in_the_message_parse(text):
    assert Quarter.parse(text).slug == text

"""Dashboards "as of" a date or a quarter: which status counted then, and where quarters begin
and end."""

from datetime import date

import pytest

from actionplan.dashboards import plan_quarters
from actionplan.models import (
    Action,
    Rag,
)
from actionplan.quarters import Quarter
from tests.actionplan.conftest import AS_OF, dashboard_url, figures, local, refs, update
from tests.conftest import make_action, make_body, make_plan, make_user

pytestmark = pytest.mark.django_db


def test_quarter_picker_covers_the_plans_period_from_the_earliest_date_to_the_last_due():
    plan = make_plan()
    make_action(plan=plan, start_date=date(2012, 5, 1), due_date=date(2013, 1, 31))
    late = make_action(plan=plan, due_date=date(2019, 6, 1))

    def quarters(today):
        return plan_quarters(today=today, plan=plan)

    offered = quarters(date(2030, 1, 1))
    assert offered[0] == Quarter(2012, 1)  # the start date's financial year, from its start
    assert offered[-1] == Quarter(2019, 4)  # the last due date's, to its end
    update(late, Rag.GREEN, local(2021, 2, 1, 10))
    # An update after the period does not stretch it (issue 17: not 46 quarters to today).
    assert quarters(date(2030, 1, 1))[-1] == Quarter(2019, 4)
    assert len(quarters(date(2030, 1, 1))) == 8 * 4
    assert quarters(date(2016, 1, 15))[-1] == Quarter(2015, 4)  # never past today


def test_status_as_of_a_day_counts_an_update_at_23_59_but_not_at_00_01_next_day(sample):
    action = sample.actions["1.2.2"]
    update(action, Rag.GREEN, local(2015, 12, 31, 23, 59))
    update(action, Rag.RED, local(2016, 1, 1, 0, 1))
    # British Summer Time too: 23:59 BST on 30 June is 22:59 UTC.
    update(action, Rag.AMBER, local(2016, 6, 30, 23, 59))
    update(action, Rag.BLUE, local(2016, 7, 1, 0, 1))

    def rag_on(day):
        return Action.objects.for_dashboard(as_of=day).get(pk=action.pk).rag_as_of

    assert rag_on(date(2015, 12, 30)) is None
    assert rag_on(date(2015, 12, 31)) == Rag.GREEN
    assert rag_on(date(2016, 1, 1)) == Rag.RED
    assert rag_on(date(2016, 6, 30)) == Rag.AMBER
    assert rag_on(date(2016, 7, 1)) == Rag.BLUE


def test_as_of_takes_the_latest_update_on_or_before_the_date(viewer, sample):
    action = sample.actions["1.2.2"]
    update(action, Rag.GREEN, local(2015, 12, 1, 9))
    late = "Amber at the last minute: the venue fell through today."
    update(action, Rag.AMBER, local(2015, 12, 31, 23, 59), commentary=late)
    update(action, Rag.RED, local(2016, 1, 1, 0, 1))
    rows = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&rag=amber"))
    assert refs(rows) == ["1.2.1", "1.2.2"]
    assert late in rows.content.decode()
    assert "31 Dec 2015" in rows.content.decode()


@pytest.mark.parametrize(
    ("now", "overdue", "not_updated", "label"),
    [
        # The last evening of Q3 2015/16: due today is not overdue; updated this quarter.
        (local(2015, 12, 31, 23, 30), 0, 0, "Not updated in Q3 2015/16"),
        # Half an hour later it is Q4: past due, and not updated since 1 January.
        (local(2016, 1, 1, 0, 30), 1, 1, "Not updated in Q4 2015/16"),
    ],
)
def test_overdue_and_this_quarter_are_judged_at_the_quarter_boundary(
    client, time_machine, now, overdue, not_updated, label
):
    time_machine.move_to(now, tick=False)
    body = make_body()
    action = make_action(accountable_body=body, due_date=date(2015, 12, 31))
    update(action, Rag.GREEN, local(2015, 12, 10, 10))
    client.force_login(make_user())
    response = client.get(dashboard_url(body))
    counts = figures(response)
    assert (counts["overdue"], counts["not_updated"]) == (overdue, not_updated)
    assert label in response.content.decode()


def test_a_quarter_shows_the_status_at_its_end(viewer, sample):
    by_quarter = viewer.get(dashboard_url(sample.body, "?quarter=2015-Q3"))
    by_date = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}"))
    assert by_quarter.context["as_of"].day == date(2015, 12, 31)
    assert figures(by_quarter) == figures(by_date)
    assert "the end of Q3 2015/16" in by_quarter.content.decode()


def test_the_current_quarter_shows_the_status_today(viewer, sample):
    response = viewer.get(dashboard_url(sample.body, "?quarter=2015-Q4"))
    assert response.context["as_of"].day == date(2016, 2, 1)


def test_quarter_picker_offers_financial_year_quarters(viewer, sample):
    html = viewer.get(dashboard_url(sample.body)).content.decode()
    assert '<optgroup label="Financial year 2015/16">' in html
    assert '<option value="2015-Q3">Q3 2015/16: 1 October - 31 December 2015</option>' in html
    assert "Q4 2015/16: 1 January - 31 March 2016 (to date)" in html
    assert 'value="2016-Q1"' not in html  # not started

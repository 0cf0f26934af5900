"""Pages open where the user is: the quarter lists cover the plan's period, a page opens on
the reporting quarter, the chosen quarter is kept through every link and filter, the Board pack
form defaults the same way, and the Board overview opens with its headline figures."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from actionplan.dashboards import current_reporting_quarter, plan_quarters
from actionplan.models import Action, Plan, Rag
from actionplan.quarters import Quarter
from actionplan.rounds import round_close, round_open
from actionplan.services import status_update_create
from reports.forms import BoardPackForm
from tests.conftest import make_action, make_body, make_plan, make_role, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def update(action, rag, when):
    action.refresh_from_db()
    return status_update_create(
        action=action,
        author=make_user(),
        rag=rag,
        commentary=f"{Rag(rag).label}: partners report progress to the group in detail here.",
        expected_version=action.version,
        created_at=when,
    )


@pytest.fixture
def ended_plan(time_machine):
    """A 2015-17 plan looked at in 2026: last updates in Q2 2016/17 (July 2016), and one
    update made long after its period (which must not count)."""
    time_machine.move_to(local(2026, 12, 1, 12), tick=False)
    Plan.objects.all().delete()  # this plan's dates only
    plan = make_plan(period="2015-17")
    body = make_body(name="Test Sub-group")
    first = make_action(
        plan=plan, reference="1.1", due_date=date(2015, 11, 30), accountable_body=body
    )
    second = make_action(
        plan=plan, reference="1.2", due_date=date(2017, 3, 31), accountable_body=body
    )
    update(first, Rag.RED, local(2015, 11, 1, 10))
    update(second, Rag.GREEN, local(2016, 3, 1, 10))
    update(second, Rag.AMBER, local(2016, 7, 1, 10))
    update(first, Rag.BLUE, local(2025, 11, 1, 10))  # after the period: not its reporting
    return body


def options(html) -> list[str]:
    return re.findall(r'<option value="(\d{4}-Q\d)"', html)


def test_quarter_list_covers_the_plans_period_not_every_quarter_to_today(client, ended_plan):
    client.force_login(make_user())
    html = client.get(reverse("actionplan:overview")).content.decode()
    assert options(html) == [f"{year}-Q{n}" for year in (2016, 2015) for n in (4, 3, 2, 1)]


@pytest.mark.parametrize("page", ["overview", "dashboard"])
def test_an_ended_plan_opens_on_its_latest_quarter_with_updates(client, ended_plan, page):
    client.force_login(make_user())
    url = {
        "overview": reverse("actionplan:overview"),
        "dashboard": reverse("actionplan:body-dashboard", args=[ended_plan.pk]),
    }[page]
    response = client.get(url)
    html = response.content.decode()
    assert response.context["as_of"].day == date(2016, 9, 30)
    assert "the end of Q2 2016/17, the reporting quarter" in html
    assert '<option value="2016-Q2" selected>' in html
    # "Today" must be asked for by date: without one, the page opens on the quarter again.
    assert "?as_of=2026-12-01" in html


def test_an_ended_plan_still_reported_on_this_quarter_opens_on_today(client, ended_plan):
    update(ended_plan.actions.first(), Rag.BLUE, local(2026, 11, 20, 10))
    client.force_login(make_user())
    response = client.get(reverse("actionplan:overview"))
    assert response.context["as_of"].day == date(2026, 12, 1)
    assert "As of today" in response.content.decode()


def test_a_current_plan_opens_on_today(client, time_machine):
    time_machine.move_to(local(2016, 2, 1, 12), tick=False)
    body = make_body()
    action = make_action(due_date=date(2016, 6, 30), accountable_body=body)
    update(action, Rag.GREEN, local(2015, 12, 1, 10))
    client.force_login(make_user())
    response = client.get(reverse("actionplan:body-dashboard", args=[body.pk]))
    assert response.context["as_of"].day == date(2016, 2, 1)
    assert not response.context["as_of"].given
    assert "As of today" in response.content.decode()


def test_the_chosen_quarter_is_kept_through_figures_filters_sorting_and_exports(client, ended_plan):
    client.force_login(make_user())
    url = reverse("actionplan:body-dashboard", args=[ended_plan.pk])
    response = client.get(url, {"quarter": "2015-Q3"})
    html = response.content.decode()
    figure_links = [link["query"] for link in response.context["rag_figures"]]
    figure_links += [link["query"] for link in response.context["attention_figures"]]
    assert len(figure_links) == 11  # the RAG and attention figures, two the measures (issue 16)
    assert all("quarter=2015-Q3" in query and "as_of" not in query for query in figure_links)
    # The filter form carries the quarter; the exports and the overview's breadcrumb too.
    assert '<input type="hidden" name="quarter" value="2015-Q3">' in html
    assert "export.csv?quarter=2015-Q3" in html and "export.xlsx?quarter=2015-Q3" in html
    assert f'href="{reverse("actionplan:overview")}?quarter=2015-Q3"' in html
    # After following a figure, the quarter box still shows the quarter.
    followed = client.get(url + figure_links[0]).content.decode()
    assert '<option value="2015-Q3" selected>' in followed


def test_overview_links_to_dashboards_keep_the_quarter(client, ended_plan):
    client.force_login(make_user())
    html = client.get(reverse("actionplan:overview"), {"quarter": "2015-Q4"}).content.decode()
    dashboard = reverse("actionplan:body-dashboard", args=[ended_plan.pk])
    assert f'href="{dashboard}?quarter=2015-Q4"' in html
    assert f'href="{dashboard}?as_of=' not in html


def test_board_pack_form_defaults_to_the_reporting_quarter(ended_plan):
    assert BoardPackForm.initial_for(today=date(2026, 12, 1))["quarter"] == "2016-Q2"


def test_board_pack_form_defaults_to_the_last_complete_quarter_of_a_current_plan(time_machine):
    Plan.objects.all().delete()
    plan = make_plan()
    make_action(plan=plan, due_date=date(2016, 3, 31))
    assert BoardPackForm.initial_for(today=date(2016, 2, 1))["quarter"] == "2015-Q3"


def test_overview_opens_with_headline_figures_and_the_change_since_last_quarter(client, ended_plan):
    client.force_login(make_user())
    # End of Q4 2015/16: 1.1 Red (overdue), 1.2 Green; end of Q3: 1.1 Red (overdue), 1.2 none.
    response = client.get(reverse("actionplan:overview"), {"quarter": "2015-Q4"})
    html = response.content.decode()
    headline = {f.key: (f.count, f.before) for f in response.context["headline"]}
    assert headline["red"] == (1, 1)
    assert headline["green"] == (1, 0)
    assert headline["none"] == (0, 1)
    assert headline["overdue"] == (1, 1)
    assert html.index('id="figures"') < html.index('id="by-priority"')
    assert html.index('id="figures"') < html.index('class="as-of"')
    assert "1 more than at the end of Q3 (0)" in html
    assert "1 fewer than at the end of Q3 (1)" in html


# An open reporting round decides the quarter first (dashboards.reporting_quarter)


def test_an_open_rounds_quarter_is_where_pages_open_and_the_pack_defaults(client, ended_plan):
    plan = Plan.objects.get()
    round_open(plan=plan, quarter=Quarter(2015, 4), opened_by=make_user())
    client.force_login(make_user())
    for url in [
        reverse("actionplan:overview"),
        reverse("actionplan:body-dashboard", args=[ended_plan.pk]),
    ]:
        response = client.get(url)
        assert response.context["as_of"].day == date(2016, 3, 31)
        assert '<option value="2015-Q4" selected>' in response.content.decode()
    assert BoardPackForm.initial_for(today=date(2026, 12, 1))["quarter"] == "2015-Q4"


def test_a_closed_round_does_not_decide_the_quarter(ended_plan):
    plan = Plan.objects.get()
    round_close(
        reporting_round=round_open(plan=plan, quarter=Quarter(2015, 4), opened_by=make_user())
    )
    assert current_reporting_quarter(today=date(2026, 12, 1), plan=plan) == Quarter(2016, 2)


@pytest.fixture
def round_in_january(time_machine):
    """10 January 2016: the Q3 round (October to December) is open, as rounds are opened once
    the quarter is over. One action updated in November (Q3), one in September (Q2)."""
    time_machine.move_to(local(2016, 1, 10, 12), tick=False)
    Plan.objects.all().delete()
    plan = make_plan(period="2015-18")
    role, owner = make_role(), make_user()
    owner.roles.add(role)
    in_q3 = make_action(plan=plan, reference="1.1", due_date=date(2017, 3, 31), owners=[role])
    in_q2 = make_action(plan=plan, reference="1.2", due_date=date(2017, 3, 31), owners=[role])
    update(in_q3, Rag.GREEN, local(2015, 11, 2, 10))
    update(in_q2, Rag.AMBER, local(2015, 9, 2, 10))
    round_open(plan=plan, quarter=Quarter(2015, 3), opened_by=make_user())
    return owner


def test_my_actions_asks_for_the_open_rounds_quarter_not_the_calendars(client, round_in_january):
    # By the calendar (Q4 2015/16, from 1 January) both would need an update; the round asks
    # for Q3, which 1.1's November update answers.
    client.force_login(round_in_january)
    response = client.get(reverse("actionplan:my-actions"))
    assert response.context["quarter"] == Quarter(2015, 3)
    assert [action.reference for action in response.context["now"]] == ["1.2"]
    assert [action.reference for action in response.context["rest"]] == ["1.1"]
    assert "Need your update for Q3 2015/16 (1)" in response.content.decode()


def test_a_current_plans_dashboards_open_on_the_open_rounds_quarter(client, round_in_january):
    client.force_login(make_user())
    response = client.get(reverse("actionplan:overview"))
    assert response.context["as_of"].day == date(2015, 12, 31)
    assert response.context["as_of"].today_param == "2016-01-10"


def test_overview_headline_counts_the_quarters_round_returns(client, round_in_january):
    client.force_login(make_user())
    url = reverse("actionplan:overview")
    html = client.get(url).content.decode()  # opens on Q3, the open round's quarter
    card = html[html.index('id="returns"') :].split("</li>")[0]
    assert "0 of 2" in card and "Returns received" in card and "Q3 2015/16" in card
    action = Action.objects.get(reference="1.2")
    update(action, Rag.GREEN, local(2016, 1, 10, 11))  # 1.2's return
    card = client.get(url).content.decode().split('id="returns"')[1].split("</li>")[0]
    assert "1 of 2" in card and "(50%)" in card
    assert 'id="returns"' not in client.get(url, {"quarter": "2015-Q2"}).content.decode()


def test_quarter_list_starts_at_a_status_dated_before_the_first_due_date(time_machine):
    """An imported plan's statuses are dated before its first action falls due."""
    time_machine.move_to(local(2017, 6, 1, 12), tick=False)
    Plan.objects.all().delete()
    plan = make_plan(period="2016-19")
    action = make_action(plan=plan, due_date=date(2017, 4, 30))
    assert plan_quarters(today=date(2017, 6, 1), plan=plan)[0] == Quarter(2017, 1)
    update(action, Rag.GREEN, local(2017, 3, 31, 12))
    assert plan_quarters(today=date(2017, 6, 1), plan=plan)[0] == Quarter(2016, 1)

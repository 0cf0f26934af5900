"""Sub-group dashboards, the Board overview, their filters, exports and "as of" dates."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Agency
from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP
from actionplan import exports
from actionplan.dashboards import Breakdown, plan_quarters
from actionplan.models import (
    AccountableBody,
    Action,
    Measure,
    Objective,
    Priority,
    Rag,
)
from actionplan.quarters import Quarter
from actionplan.services import status_update_create
from tests.conftest import make_action, make_body, make_plan, make_role, make_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# "Today" in most tests: after the as-of date the tests look back to, so that the current
# status (Blue for 2.1.1) differs from the status as of 31 December 2015 (Green).
TODAY = datetime(2016, 2, 1, 12, 0, tzinfo=LONDON)
AS_OF = "2015-12-31"
ROW_REF = re.compile(r'<th scope="row"[^>]*><a href="/actions/\d+/">([\d.]+)</a></th>')


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def update(action, rag, when, *, commentary="", author=None):
    """Post a status update at `when` through the one service that writes them."""
    commentary = commentary or f"{Rag(rag).label} update: partners report progress to the group."
    return status_update_create(
        action=action,
        author=author or make_user(),
        rag=rag,
        commentary=commentary,
        expected_version=action.version,
        created_at=when,
    )


@dataclass
class Sample:
    body: AccountableBody
    other_body: AccountableBody
    police: Agency
    priority_2: Priority
    objective_1_2: Objective
    roles: dict
    actions: dict


@pytest.fixture
def sample(time_machine):
    """Five actions of one body with known statuses on 31 December 2015 (a sixth belongs to
    another body and must never show):

    ref    due         updates                            as of 31/12/2015
    1.1.1  30/11/2015  Red 1/11                           Red, overdue
    1.1.2  31/12/2015  Blue 1/12                          Blue (due that day)
    1.2.1  15/01/2016  Amber 1/9                          Amber, due soon, not updated in Q3
    1.2.2  30/06/2016  none                               not yet rated, not updated in Q3
    2.1.1  31/10/2015  Green 20/12 ("kestrel"), Blue 10/1  Green, overdue
    """
    time_machine.move_to(TODAY, tick=False)
    plan = make_plan()
    p1 = Priority.objects.create(plan=plan, number=1, title="Prevent")
    p2 = Priority.objects.create(plan=plan, number=2, title="Protect")
    o11 = Objective.objects.create(priority=p1, number="1.1", title="Raise awareness")
    o12 = Objective.objects.create(priority=p1, number="1.2", title="Train the night-time economy")
    o21 = Objective.objects.create(priority=p2, number="2.1", title="Share intelligence")
    police = Agency.objects.create(name="Test Police", short_name="Police")
    health = Agency.objects.create(name="Test Health", short_name="Health")
    roles = {
        "lead": make_role(agency=police, title="Police lead"),
        "nurse": make_role(agency=health, title="Designated nurse"),
        "analyst": make_role(agency=police, title="Analyst"),
    }
    body = make_body(name="Test Sub-group")
    other_body = make_body(name="Other body")

    def action(objective, ref, description, due, owners):
        return make_action(
            objective=objective,
            reference=ref,
            description=description,
            due_date=date(*due),
            accountable_body=body,
            owners=[roles[name] for name in owners],
        )

    rows = [
        (o11, "1.1.1", "Run an awareness campaign in schools", (2015, 11, 30), ["lead"]),
        (o11, "1.1.2", "Publish the toolkit", (2015, 12, 31), ["nurse"]),
        (o12, "1.2.1", "Train taxi drivers", (2016, 1, 15), ["lead", "nurse"]),
        (o12, "1.2.2", "Map hot spots", (2016, 6, 30), ["analyst"]),
        (o21, "2.1.1", "Share intelligence across borders", (2015, 10, 31), ["analyst"]),
    ]
    actions = {row[1]: action(*row) for row in rows}
    make_action(objective=o21, reference="2.1.2", accountable_body=other_body)
    Measure.objects.create(action=actions["1.2.2"], text="Licensing committee receives the map")
    update(actions["1.1.1"], Rag.RED, local(2015, 11, 1, 10))
    update(actions["1.1.2"], Rag.BLUE, local(2015, 12, 1, 10))
    update(actions["1.2.1"], Rag.AMBER, local(2015, 9, 1, 10))
    update(
        actions["2.1.1"],
        Rag.GREEN,
        local(2015, 12, 20, 10),
        commentary="Operation Kestrel data now shared with the neighbouring force.",
    )
    update(actions["2.1.1"], Rag.BLUE, local(2016, 1, 10, 10))
    return Sample(body, other_body, police, p2, o12, roles, actions)


def dashboard_url(body, query=""):
    return reverse("actionplan:body-dashboard", args=[body.pk]) + query


def refs(response) -> list[str]:
    assert response.status_code == 200
    return ROW_REF.findall(response.content.decode())


def figures(response) -> dict[str, int]:
    """Headline figures by key, read from the context the page renders."""
    context = response.context
    links = context["rag_figures"] + context["attention_figures"]
    return {link["figure"].key: link["figure"].count for link in links}


@pytest.fixture
def viewer(client):
    client.force_login(make_user())
    return client


# Headline figures


def test_headline_figures_count_statuses_as_of_the_date(viewer, sample):
    response = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}"))
    assert response.context["total"] == 5
    assert figures(response) == {
        "blue": 1,
        "green": 1,
        "amber": 1,
        "red": 1,
        "none": 1,
        "overdue": 2,
        "due_soon": 1,
        "not_updated": 2,
        "completed": 1,
    }


def test_each_headline_figure_links_to_a_table_of_exactly_its_actions(viewer, sample):
    response = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}"))
    expected = {
        "blue": ["1.1.2"],
        "green": ["2.1.1"],
        "amber": ["1.2.1"],
        "red": ["1.1.1"],
        "none": ["1.2.2"],
        "overdue": ["1.1.1", "2.1.1"],
        "due_soon": ["1.2.1"],
        "not_updated": ["1.2.1", "1.2.2"],
        "completed": ["1.1.2"],
    }
    links = response.context["rag_figures"] + response.context["attention_figures"]
    for link in links:
        table = viewer.get(dashboard_url(sample.body, link["query"]))
        assert refs(table) == expected[link["figure"].key], link["figure"].key
        assert len(refs(table)) == link["figure"].count
        assert f"as_of={AS_OF}" in link["query"]  # the figure keeps the date


def test_figures_without_a_date_are_as_of_today(viewer, sample):
    response = viewer.get(dashboard_url(sample.body))
    counts = figures(response)
    # Today (1 February 2016) 2.1.1 is Blue and 1.2.1 (due 15 January, Amber) is overdue.
    assert (counts["blue"], counts["green"], counts["overdue"]) == (2, 0, 2)
    assert refs(viewer.get(dashboard_url(sample.body, "?overdue=yes"))) == ["1.1.1", "1.2.1"]


def test_the_figure_being_shown_is_marked_current(viewer, sample):
    response = viewer.get(dashboard_url(sample.body, f"?rag=red&as_of={AS_OF}"))
    current = [link["figure"].key for link in response.context["rag_figures"] if link["current"]]
    assert current == ["red"]
    assert 'aria-current="true"' in response.content.decode()


# Filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1"]),
        ("rag=red", ["1.1.1"]),
        ("rag=none", ["1.2.2"]),
        ("rag=blue&rag=green", ["1.1.2", "2.1.1"]),
        ("overdue=yes", ["1.1.1", "2.1.1"]),
        ("overdue=no", ["1.1.2", "1.2.1", "1.2.2"]),
        ("due_from=2015-12-01&due_to=2016-01-31", ["1.1.2", "1.2.1"]),
        ("due_from=2016-01-01", ["1.2.1", "1.2.2"]),
        ("due_to=15/01/2016", ["1.1.1", "1.1.2", "1.2.1", "2.1.1"]),  # as people type it
        ("not_updated_since=2015-10-01", ["1.2.1", "1.2.2"]),
        ("not_updated_since=2015-12-20", ["1.1.1", "1.1.2", "1.2.1", "1.2.2"]),
        ("q=1.2.2", ["1.2.2"]),  # reference
        ("q=TOOLKIT", ["1.1.2"]),  # description, any case
        ("q=licensing", ["1.2.2"]),  # measures
        ("q=kestrel", ["2.1.1"]),  # commentary as of the date
        ("q=taxi+drivers", ["1.2.1"]),  # every word must match
        ("q=taxi+schools", []),
    ],
)
def test_filter_lists_the_matching_actions(viewer, sample, query, expected):
    response = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&{query}"))
    assert refs(response) == expected


def test_filters_by_priority_objective_owner_and_agency(viewer, sample):
    def listed(**params):
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return refs(viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&{query}")))

    assert listed(priority=sample.priority_2.pk) == ["2.1.1"]
    assert listed(objective=sample.objective_1_2.pk) == ["1.2.1", "1.2.2"]
    assert listed(owner=sample.roles["nurse"].pk) == ["1.1.2", "1.2.1"]
    # 1.2.1 has a police owner and a health owner: listed once.
    assert listed(agency=sample.police.pk) == ["1.1.1", "1.2.1", "1.2.2", "2.1.1"]


def test_filters_combine(viewer, sample):
    police = sample.police.pk
    query = f"?as_of={AS_OF}&rag=red&rag=amber&agency={police}&due_to=2015-12-31"
    assert refs(viewer.get(dashboard_url(sample.body, query))) == ["1.1.1"]
    analyst = sample.roles["analyst"].pk
    query = f"?as_of={AS_OF}&overdue=yes&owner={analyst}"
    assert refs(viewer.get(dashboard_url(sample.body, query))) == ["2.1.1"]


def test_search_reads_the_commentary_as_of_the_date(viewer, sample):
    # Kestrel is in 2.1.1's December update; its January update says something else.
    assert refs(viewer.get(dashboard_url(sample.body, "?q=kestrel"))) == []


def test_filter_choices_list_only_what_the_body_uses(viewer, sample):
    form = viewer.get(dashboard_url(sample.body)).context["filter"].form
    assert [str(role) for role in form.fields["owner"].queryset] == [
        "Designated nurse (Test Health)",
        "Analyst (Test Police)",
        "Police lead (Test Police)",
    ]
    assert [p.number for p in form.fields["priority"].queryset] == [1, 2]


def test_filters_survive_in_the_links_that_keep_them(viewer, sample):
    query = f"?as_of={AS_OF}&rag=red&rag=amber&sort=due_date"
    html = viewer.get(dashboard_url(sample.body, query)).content.decode()
    # The filter form keeps the date and the sort; the as-of form keeps the filters.
    assert f'<input type="hidden" name="as_of" value="{AS_OF}">' in html
    assert '<input type="hidden" name="sort" value="due_date">' in html
    assert '<input type="hidden" name="rag" value="amber">' in html
    # The exports keep the date and the filters, not the sort order.
    assert f'export.csv?as_of={AS_OF}&amp;rag=red&amp;rag=amber" download' in html
    # Today's status keeps the filters and the sort order.
    today = f'href="{dashboard_url(sample.body)}?rag=red&amp;rag=amber&amp;sort=due_date"'
    assert f"{today}>Show today's status instead</a>" in html


def test_empty_result_offers_to_clear_the_filters(viewer, sample):
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&q=nothing-like-this")).content
    html = html.decode()
    assert "No actions match these filters." in html
    assert f'href="/bodies/{sample.body.pk}/?as_of={AS_OF}#actions">Clear the filters</a>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("due_from=2015-02-30", "The first due date must be a real date"),
        ("due_to=soon", "The last due date must be a real date"),
        ("not_updated_since=32/01/2016", "The &#x27;not updated since&#x27; date must be a real"),
        ("due_from=2016-01-31&due_to=2016-01-01", "The last due date must be the same as or after"),
        ("rag=purple", "Choose RAG statuses from the list."),
        ("as_of=2015-13-01", "The date must be a real date"),
        ("as_of=2016-02-02", "The date must be today or in the past"),
        ("quarter=2015-Q9", "is not a quarter"),
        ("quarter=2016-Q1", "Q1 2016/17: 1 April - 30 June 2016 has not started yet."),
        (f"as_of={AS_OF}&quarter=2015-Q3", "Choose a date or a quarter, not both."),
    ],
)
def test_invalid_input_shows_an_error_summary_not_a_500(viewer, sample, query, message):
    response = viewer.get(dashboard_url(sample.body, f"?{query}"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html
    assert message in html
    assert "<title>Error: " in html


def test_user_text_is_escaped_in_the_table(viewer, sample):
    action = sample.actions["1.2.2"]
    action.description = '<script>alert("x")</script> Map hot spots'
    action.save()
    update(action, Rag.GREEN, local(2015, 12, 1, 9), commentary="<b>bold</b> claims, on track.")
    html = viewer.get(dashboard_url(sample.body)).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claims" in html


# Sorting and paging


def test_sorting_by_ref_is_natural_order(viewer, time_machine):
    time_machine.move_to(TODAY, tick=False)
    body = make_body()
    first = make_action(reference="1.2.1", accountable_body=body)
    for ref in ["1.2.10", "1.2.9", "1.2.2", "1.10.1"]:
        objective, _ = Objective.objects.get_or_create(
            priority=first.objective.priority, number=ref.rsplit(".", 1)[0]
        )
        make_action(objective=objective, reference=ref, accountable_body=body)
    natural = ["1.2.1", "1.2.2", "1.2.9", "1.2.10", "1.10.1"]
    assert refs(viewer.get(dashboard_url(body))) == natural
    assert refs(viewer.get(dashboard_url(body, "?sort=ref"))) == natural
    assert refs(viewer.get(dashboard_url(body, "?sort=-ref"))) == natural[::-1]
    # Names that are not columns are ignored, even with dots in them (found by Hypothesis).
    for junk in [".", "-.", "owners.x", "ref.", "__class__"]:
        response = viewer.get(dashboard_url(body, f"?sort={junk}"))
        assert response.status_code == 200 and refs(response) == natural, junk


def test_sorting_by_status_puts_the_worst_first(viewer, sample):
    response = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&sort=rag"))
    assert refs(response) == ["1.1.1", "1.2.1", "2.1.1", "1.1.2", "1.2.2"]
    html = response.content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'Status<span class="visually-hidden">, sort descending</span>' in html


def test_table_is_paginated_and_keeps_the_filters(viewer, time_machine):
    time_machine.move_to(TODAY, tick=False)
    body = make_body()
    first = make_action(reference="1.1.1", accountable_body=body, due_date=date(2015, 1, 1))
    for number in range(2, 31):
        make_action(objective=first.objective, reference=f"1.1.{number}", accountable_body=body)
    page_1 = viewer.get(dashboard_url(body, "?rag=none"))
    assert len(refs(page_1)) == 25
    assert "?rag=none&amp;page=2" in page_1.content.decode()
    page_2 = viewer.get(dashboard_url(body, "?rag=none&page=2"))
    assert refs(page_2) == [f"1.1.{n}" for n in range(26, 31)]


# As of a date


def test_quarter_picker_covers_the_financial_years_from_the_earliest_date_to_the_latest():
    plan = make_plan()
    make_action(plan=plan, start_date=date(2012, 5, 1), due_date=date(2013, 1, 31))
    late = make_action(plan=plan, due_date=date(2019, 6, 1))

    def quarters(today):
        return plan_quarters(today=today, plan=plan)

    offered = quarters(date(2030, 1, 1))
    assert offered[0] == Quarter(2012, 1)  # the start date's financial year, from its start
    assert offered[-1] == Quarter(2019, 4)  # the last due date's, to its end
    update(late, Rag.GREEN, local(2021, 2, 1, 10))
    assert quarters(date(2030, 1, 1))[-1] == Quarter(2020, 4)  # the update's year
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


# Export


def _csv(response):
    body = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_csv_has_the_filtered_rows_with_status_as_of_the_date(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    response = viewer.get(url + f"?as_of={AS_OF}&overdue=yes&sort=-ref&page=2")
    assert response["Content-Type"] == exports.CONTENT_TYPES["csv"]
    assert 'filename="test-sub-group-as-of-2015-12-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == exports.COLUMNS
    assert [row["ref"] for row in rows] == ["1.1.1", "2.1.1"]  # all matches, plan order
    shared = rows[1]
    assert (shared["status"], shared["status_date"]) == ("Green", "2015-12-20")
    assert shared["commentary"] == "Operation Kestrel data now shared with the neighbouring force."
    assert shared["owners"] == "Analyst (Test Police)"
    assert shared["accountable_body"] == "Test Sub-group"


def test_export_xlsx_has_the_filtered_rows(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"])
    response = viewer.get(url + f"?as_of={AS_OF}&rag=none&rag=amber")
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.COLUMNS
    assert [(row[0], row[10]) for row in rows[1:]] == [("1.2.1", "Amber"), ("1.2.2", None)]
    assert rows[2][3] == "Map hot spots"
    assert rows[2][5] == "Licensing committee receives the map"


def test_export_without_a_date_has_todays_status(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    rows = _csv(viewer.get(url + "?q=share"))
    assert [(row["ref"], row["status"]) for row in rows] == [("2.1.1", "Blue")]


def test_export_with_invalid_filters_goes_back_to_the_dashboard_errors(viewer, sample):
    url = reverse("actionplan:body-export", args=[sample.body.pk, "csv"])
    response = viewer.get(url + "?due_from=2015-02-30")
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(sample.body, "?due_from=2015-02-30")


def test_export_of_unknown_format_or_body_is_404(viewer, sample):
    for args in [(sample.body.pk, "json"), (999999, "csv")]:
        assert viewer.get(reverse("actionplan:body-export", args=args)).status_code == 404


# The Board overview


def test_overview_counts_by_priority_and_body_as_of_the_date(viewer, sample):
    response = viewer.get(reverse("actionplan:overview") + f"?as_of={AS_OF}")
    by_priority = {row.label: row for row in response.context["by_priority"]}
    prevent = by_priority["Test plan, Priority 1: Prevent"]  # two plans: each label says which
    assert prevent.counts == {"blue": 1, "green": 0, "amber": 1, "red": 1, "none": 1}
    assert (prevent.total, prevent.overdue) == (4, 1)
    protect = by_priority["Test plan, Priority 2: Protect"]
    # 2.1.2 (another body, never updated) counts under its priority too.
    assert protect.counts == {"blue": 0, "green": 1, "amber": 0, "red": 0, "none": 1}
    by_body = {row.label: row for row in response.context["by_body"]}
    assert by_body["Test Sub-group"].counts == {
        "blue": 1,
        "green": 1,
        "amber": 1,
        "red": 1,
        "none": 1,
    }
    assert by_body["Test Sub-group"].overdue == 2


def test_overview_lists_overdue_actions_and_links_every_dashboard(viewer, sample, wscb_plan):
    plan = sample.body.actions.first().plan_id
    response = viewer.get(reverse("actionplan:overview") + f"?as_of={AS_OF}")
    html = response.content.decode()
    overdue = [a.reference for a in response.context["overdue_table"].data if a.plan_id == plan]
    assert overdue == ["1.1.1", "2.1.1", "2.1.2"]  # 2.1.2: due 30/11/2015, never rated
    for body in AccountableBody.objects.all():
        assert f'href="/bodies/{body.pk}/?as_of={AS_OF}"' in html
    assert "Blue 1" in html  # the chart's text key: words and numbers, not colour alone


def test_overview_pages_its_overdue_actions_and_says_how_many(viewer, time_machine):
    time_machine.move_to(TODAY, tick=False)
    first = make_action(due_date=date(2015, 11, 30))
    for _ in range(59):
        make_action(objective=first.objective, due_date=date(2015, 11, 30))
    overdue = Action.objects.for_dashboard(as_of=date(2015, 12, 31)).filter(overdue_as_of=True)
    url = reverse("actionplan:overview") + f"?as_of={AS_OF}"
    page_1 = viewer.get(url)
    assert (
        f"{overdue.count()} actions past the due date and not complete." in page_1.content.decode()
    )
    assert len(refs(page_1)) == 50
    assert f"?as_of={AS_OF}&amp;page=2" in page_1.content.decode()
    page_2 = viewer.get(f"{url}&page=2")
    assert len(refs(page_1)) + len(refs(page_2)) == overdue.count()


# Landing, navigation and access


@pytest.fixture
def personas(sample):
    business_support, _ = Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)
    board_members, _ = Group.objects.get_or_create(name=BOARD_MEMBER_GROUP)
    owner = make_user(username="owner-persona")
    owner.roles.add(sample.roles["nurse"])
    chair = make_user(username="chair-persona")
    chair.chaired_bodies.add(sample.body)
    other_chair = make_user(username="other-chair-persona")
    other_chair.chaired_bodies.add(sample.other_body)
    support = make_user(username="support-persona")
    support.groups.add(business_support)
    board = make_user(username="board-persona")
    board.groups.add(board_members)
    outsider = make_user(username="outsider-persona")
    return {
        "owner": owner,
        "chair": chair,
        "other_chair": other_chair,
        "support": support,
        "board": board,
        "outsider": outsider,
    }


@pytest.mark.parametrize(
    "persona", ["owner", "chair", "other_chair", "support", "board", "outsider"]
)
def test_everyone_signed_in_may_read_every_dashboard(client, personas, sample, persona):
    client.force_login(personas[persona])
    for url in [
        dashboard_url(sample.body),
        dashboard_url(sample.other_body),
        reverse("actionplan:overview"),
        reverse("actionplan:body-export", args=[sample.body.pk, "csv"]),
        reverse("actionplan:body-export", args=[sample.body.pk, "xlsx"]),
    ]:
        assert client.get(url).status_code == 200, url


def test_dashboard_pages_require_login(client, sample):
    for url in [
        dashboard_url(sample.body),
        reverse("actionplan:overview"),
        reverse("actionplan:my-dashboard"),
        reverse("actionplan:body-export", args=[sample.body.pk, "csv"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_unknown_body_is_404(viewer, sample):
    assert viewer.get(dashboard_url(AccountableBody(pk=999999))).status_code == 404


def test_chair_lands_on_their_body_dashboard_after_signing_in(client, personas, sample):
    response = client.post(
        reverse("login"),
        {"username": "chair-persona", "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == dashboard_url(sample.body)
    assert response.context["body"] == sample.body


@pytest.mark.parametrize(
    ("persona", "lands_on"),
    [
        ("chair", "body-dashboard"),
        ("owner", "actionplan:my-actions"),
        ("board", "actionplan:overview"),
        ("support", "actionplan:overview"),
        ("outsider", "actionplan:overview"),
    ],
)
def test_home_sends_each_persona_to_their_start_page(client, personas, sample, persona, lands_on):
    client.force_login(personas[persona])
    expected = dashboard_url(sample.body) if lands_on == "body-dashboard" else reverse(lands_on)
    assert client.get(reverse("home"))["Location"] == expected


def test_chairs_see_my_dashboard_in_the_navigation(client, personas, sample):
    client.force_login(personas["chair"])
    html = client.get(dashboard_url(sample.body)).content.decode()
    assert '<a href="/my-dashboard/" aria-current="page">My dashboard</a>' in html
    assert client.get(reverse("actionplan:my-dashboard"))["Location"] == dashboard_url(sample.body)
    client.force_login(personas["board"])
    html = client.get(reverse("actionplan:overview")).content.decode()
    assert "My dashboard" not in html
    assert '<a href="/overview/" aria-current="page">Overview</a>' in html
    assert client.get(reverse("actionplan:my-dashboard"))["Location"] == reverse(
        "actionplan:overview"
    )


# Query counts


def _big_body(size: int) -> AccountableBody:
    """`size` actions, each with two owners, two updates and a measure: enough rows that a
    query per row (an N+1) would show."""
    body = make_body()
    plan = make_plan()
    priority = Priority.objects.create(plan=plan, number=1, title="P1")
    agency = Agency.objects.create(name=f"Agency for {body.name}")
    roles = [make_role(agency=agency), make_role(agency=agency)]
    author = make_user()
    for number in range(1, size + 1):
        objective, _ = Objective.objects.get_or_create(
            priority=priority, number=f"1.{number % 3 + 1}", defaults={"title": "O"}
        )
        action = make_action(
            objective=objective,
            reference=f"{objective.number}.{number}",
            accountable_body=body,
            due_date=date(2015, 9 + number % 4, 1),
            owners=roles,
        )
        Measure.objects.create(action=action, text=f"Measure {number}")
        update(action, Rag.GREEN, local(2015, 9, 1, 10), author=author)
        later = [Rag.RED, Rag.AMBER, Rag.BLUE][number % 3]
        update(action, later, local(2015, 12, 1, 10), author=author)
    return body


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def counting_client(client, time_machine):
    time_machine.move_to(TODAY, tick=False)
    client.force_login(make_user())
    client.get(reverse("actionplan:overview"))  # the first request records session activity
    return client


def test_dashboard_query_count_is_fixed(counting_client, django_assert_num_queries):
    small, big = _big_body(3), _big_body(35)
    query = f"?as_of={AS_OF}&rag=red&rag=green&rag=amber&rag=blue&q=action&sort=rag"
    assert _count(counting_client, dashboard_url(small, query)) == _count(
        counting_client, dashboard_url(big, query)
    )
    # session, user, body, its chairs, the quarter picker's date range, the table's row count,
    # the headline figures (one aggregate), the nav's "chairs a body?" and the user's groups
    # (the nav asks can_produce_reports), the filters' choices (objectives with their
    # priorities, owner roles with their agencies), the page of actions (status as of the date
    # in subqueries), their owners (+role, agency)
    with django_assert_num_queries(13):
        response = counting_client.get(dashboard_url(big, query))
    assert len(refs(response)) == 25


def test_overview_query_count_is_fixed(counting_client, django_assert_num_queries):
    _big_body(3)
    url = reverse("actionplan:overview") + f"?as_of={AS_OF}"
    before = _count(counting_client, url)
    _big_body(35)
    assert _count(counting_client, url) == before
    # session, user, the quarter picker's date range, priorities (+plan), bodies, the RAG
    # breakdown (one grouped aggregate, which counts the overdue actions too), a page of the
    # overdue actions (joined, status in subqueries), their owners (+agency), the nav's
    # "chairs a body?" and the user's groups
    with django_assert_num_queries(10):
        counting_client.get(url)


def test_export_query_count_is_fixed(counting_client, django_assert_num_queries):
    small, big = _big_body(3), _big_body(35)

    def url(body):
        return reverse("actionplan:body-export", args=[body.pk, "xlsx"]) + f"?as_of={AS_OF}"

    assert _count(counting_client, url(small)) == _count(counting_client, url(big))
    # session, user, body, the quarter picker's date range (validating the date), the
    # actions (joined, status in subqueries), their owners (+agency), their measures
    with django_assert_num_queries(7):
        counting_client.get(url(big))


def test_a_filtered_table_says_how_many_of_the_body_actions_match(viewer, sample):
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&overdue=yes")).content.decode()
    assert "2 of 5 actions match these filters." in html
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&rag=red")).content.decode()
    assert "1 of 5 actions matches these filters." in html


def test_chart_bars_scale_to_the_largest_row_so_sizes_compare(viewer, sample):
    big = Breakdown("Big", counts={"blue": 2, "green": 6, "amber": 0, "red": 2, "none": 0})
    small = Breakdown("Small", counts={"blue": 0, "green": 0, "amber": 0, "red": 1, "none": 0})
    big.scale = small.scale = 10
    assert [s["percent"] for s in big.segments()] == [20, 60, 0, 20, 0]
    assert [s["percent"] for s in small.segments()] == [0, 0, 0, 10, 0]
    rows = viewer.get(reverse("actionplan:overview")).context["by_body"]
    assert {row.scale for row in rows} == {max(row.total for row in rows)}

"""A body's dashboard: its headline figures, each linking to exactly its actions, and what
the page costs in queries."""

import pytest

from actionplan.models import Measure
from tests.actionplan.conftest import AS_OF, big_body, dashboard_url, figures, query_count, refs
from tests.conftest import make_measure, make_measure_value

pytestmark = pytest.mark.django_db


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
        "measures_off": 0,
        "measures_on": 0,
    }


def _band_measures(sample):
    """1.1.1 has a measure Red and one Green; 2.1.1 two Green; 1.2.1 one Green and one not
    yet reported; 1.2.2 a sentence only."""
    actions = {action.reference: action for action in sample.body.actions.all()}
    bands = {"1.1.1": ["red", "green"], "2.1.1": ["green", "green"], "1.2.1": ["green", ""]}
    for ref, rags in bands.items():
        for rag in rags:
            measure = make_measure(actions[ref])
            if rag:
                make_measure_value(measure, quarter="2015-Q2", rag=rag)
    Measure.objects.create(action=actions["1.2.2"], text="A sentence", order=9)


def test_each_headline_figure_links_to_a_table_of_exactly_its_actions(viewer, sample):
    _band_measures(sample)
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
        "measures_off": ["1.1.1"],
        "measures_on": ["2.1.1"],
    }
    links = response.context["rag_figures"] + response.context["attention_figures"]
    assert sorted(link["figure"].key for link in links) == sorted(expected)
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


def test_dashboard_query_count_is_fixed(counting_client, django_assert_num_queries):
    small, big = big_body(3), big_body(35)
    query = f"?as_of={AS_OF}&rag=red&rag=green&rag=amber&rag=blue&q=action&sort=rag"
    small_url, big_url = dashboard_url(small, query), dashboard_url(big, query)
    assert query_count(counting_client, small_url) == query_count(counting_client, big_url)
    # session, user, the second factor (accounts.middleware), body, its chairs, the quarter picker's
    # date range, open reporting rounds (the reporting quarter), the table's row count, the headline
    # figures (one row of flags per action, measures' included: dashboards.figure_counts; two
    # aggregates before, one of them for the measures' figures), the nav's "chairs a body?" and
    # the user's groups (the nav asks can_produce_reports), the filters' choices (objectives with
    # their priorities, owner roles with their agencies), the page of actions (status as of the
    # date in subqueries), their owners (+role, agency), the people holding those roles, their
    # measures' bands
    with django_assert_num_queries(17):
        response = counting_client.get(big_url)
    assert len(refs(response)) == 25


def test_unfiltered_table_pages_by_the_headline_total(counting_client, django_assert_num_queries):
    body = big_body(35)
    url = dashboard_url(body, f"?as_of={AS_OF}")
    # As the filtered page (test_dashboard_query_count_is_fixed) less the table's row count:
    # the table lists every action the headline counted, so it pages by that total.
    with django_assert_num_queries(16):
        first = counting_client.get(url)
    assert "actions 1 to 25 of 35." in first.content.decode()
    assert len(refs(first)) == 25
    second = counting_client.get(url + "&page=2")
    assert len(refs(second)) == 10
    assert "actions 26 to 35 of 35." in second.content.decode()
    # A filter (or an invalid one) counts the table's own rows.
    for query in ["&q=nosuchword", "&due_from=2015-02-30"]:
        response = counting_client.get(url + query)
        assert refs(response) == []
        assert response.context["table"].paginator.count == 0


def test_the_table_says_how_many_measures_are_off_target(viewer, sample):
    _band_measures(sample)
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&measures=off")).content
    html = html.decode()
    assert "<th" in html and "Measures against target" in html
    assert "<strong>1 of 2 off target</strong>" in html
    on = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&measures=on")).content.decode()
    assert "All on target" in on


def test_measure_figures_at_a_past_quarter_read_the_values_reported_up_to_it(viewer, sample):
    """1.1.1's measure was on target in Q2 and off in Q4 (today's quarter); 2.1.1's was off
    in Q2, and a correction recorded later put it on target. As of Q3 the dashboard shows
    what was reported for Q3 and before, never Q4's value; today, Q4's."""
    actions = {action.reference: action for action in sample.body.actions.all()}
    first, second = make_measure(actions["1.1.1"]), make_measure(actions["2.1.1"])
    make_measure_value(first, quarter="2015-Q2", rag="green")
    make_measure_value(first, quarter="2015-Q4", rag="red")
    make_measure_value(second, quarter="2015-Q2", rag="amber")
    make_measure_value(second, quarter="2015-Q2", rag="green", note="Corrected")
    past = viewer.get(dashboard_url(sample.body, "?quarter=2015-Q3"))
    assert (figures(past)["measures_off"], figures(past)["measures_on"]) == (0, 2)
    on = viewer.get(dashboard_url(sample.body, "?quarter=2015-Q3&measures=on"))
    assert refs(on) == ["1.1.1", "2.1.1"]
    assert refs(viewer.get(dashboard_url(sample.body, "?quarter=2015-Q3&measures=off"))) == []
    table = on.context["table"]
    cells = [table.render_measures(row.record) for row in table.paginated_rows]
    assert cells == ["All on target", "All on target"]
    now = viewer.get(dashboard_url(sample.body))
    assert (figures(now)["measures_off"], figures(now)["measures_on"]) == (1, 1)
    off = viewer.get(dashboard_url(sample.body, "?measures=off"))
    assert refs(off) == ["1.1.1"]
    assert "<strong>1 of 1 off target</strong>" in off.content.decode()

"""A body's dashboard table: filters, search, bad input, escaping, sorting and paging."""

from datetime import date

import pytest

from actionplan.models import (
    Objective,
    Rag,
)
from tests.actionplan.conftest import AS_OF, TODAY, dashboard_url, local, refs, update
from tests.conftest import make_action, make_body

pytestmark = pytest.mark.django_db


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


def test_a_filtered_table_says_how_many_of_the_body_actions_match(viewer, sample):
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&overdue=yes")).content.decode()
    assert "2 of 5 actions match these filters." in html
    html = viewer.get(dashboard_url(sample.body, f"?as_of={AS_OF}&rag=red")).content.decode()
    assert "1 of 5 actions matches these filters." in html


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

"""Hole 4: the query string never gives a 5xx. A quarter or date out of the calendar's range,
and any page size, get the page with a clear message (or are ignored); page size is bounded.
The Hypothesis tests cover each parameter's whole domain."""

import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplan import tables, views
from actionplan.views import BodyDashboardView

pytestmark = pytest.mark.django_db

_fuzz = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _pages(action):
    body = action.accountable_body_id
    return [
        reverse("actionplan:overview"),
        reverse("actionplan:body-dashboard", kwargs={"pk": body}),
        reverse("actionplan:body-export", kwargs={"pk": body, "fmt": "csv"}),
        reverse("actionplan:body-export", kwargs={"pk": body, "fmt": "xlsx"}),
    ]


def _get(client, url, params):
    client.raise_request_exception = False
    response = client.get(url, params)
    assert response.status_code < 500, (url, params, response.status_code)
    return response


@pytest.mark.parametrize(
    "params",
    [
        {"quarter": "0000-Q1"},
        {"quarter": "9999-Q3"},
        {"quarter": "9999-Q4"},
        {"quarter": "99999-Q1"},
        {"as_of": "9999-12-31"},
    ],
)
def test_a_date_out_of_range_gets_the_page_with_a_message(client, chair, target_action, params):
    client.force_login(chair)
    for url in _pages(target_action):
        response = _get(client, url, params)
        if url.endswith((".csv", ".xlsx")):
            assert response.status_code == 302  # back to the dashboard, which says what is wrong
            response = _get(client, response["Location"], None)
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode(), (url, params)


@pytest.mark.parametrize("params", [{"quarter": "0001-Q1"}, {"as_of": "0001-01-01"}])
def test_the_earliest_dates_are_dates(client, chair, target_action, params):
    client.force_login(chair)
    for url in _pages(target_action):
        assert _get(client, url, params).status_code == 200  # nothing was rated yet


def _rows(response, after="") -> int:
    """Rows of the action table (the one whose caption has the id `after`, if given)."""
    html = response.content.decode()
    html = html[html.index(after) :] if after else html
    return len(re.findall(r'<tr[^>]*>\s*<th scope="row"', html.split("</table>")[0]))


@pytest.mark.parametrize(
    ("per_page", "rows"),
    [("-1", 3), ("0", 3), ("x", 3), ("2.5", 3), ("1000000", 5), ("99999999999999999999", 5)],
)
def test_any_page_size_gets_a_bounded_page(
    client, chair, target_action, monkeypatch, per_page, rows
):
    # A small bound and default, so that a body of the WSCB plan has more rows than either: a
    # bad size gives the default page (3 rows), a huge one the bound (5).
    monkeypatch.setattr(tables, "MAX_PAGE_SIZE", 5)
    monkeypatch.setattr(BodyDashboardView, "table_pagination", {"per_page": 3})
    monkeypatch.setattr(views, "OVERDUE_PAGE_SIZE", 3)
    client.force_login(chair)
    url = reverse("actionplan:body-dashboard", kwargs={"pk": target_action.accountable_body_id})
    assert _rows(_get(client, url, {"per_page": per_page})) == rows
    overview = _get(client, reverse("actionplan:overview"), {"per_page": per_page})
    assert _rows(overview, after='id="overdue-caption"') == rows


def test_the_page_size_is_bounded(settings):
    assert tables.MAX_PAGE_SIZE == 100


def test_a_page_size_within_bounds_is_kept(client, chair, target_action):
    client.force_login(chair)
    url = reverse("actionplan:body-dashboard", kwargs={"pk": target_action.accountable_body_id})
    assert _rows(_get(client, url, {"per_page": "2"})) == 2


_quarters = st.builds(
    "{:04d}-Q{}".format, st.integers(min_value=0, max_value=9999), st.integers(1, 4)
)


@_fuzz
@given(
    quarter=st.one_of(_quarters, st.from_regex(r"\A\d{1,5}-?[qQ]\d\Z"), st.text(max_size=12)),
    as_of=st.one_of(st.just(None), st.dates().map(str), st.text(max_size=12)),
)
def test_fuzzed_quarters_and_dates_never_error(client, chair, target_action, quarter, as_of):
    client.force_login(chair)
    params = {"quarter": quarter.replace("\x00", "")}
    if as_of is not None:
        params["as_of"] = as_of.replace("\x00", "")
    for url in _pages(target_action):
        _get(client, url, params)


@_fuzz
@given(per_page=st.one_of(st.integers(), st.text(max_size=12), st.floats().map(str)))
def test_fuzzed_page_sizes_never_error(client, chair, target_action, per_page):
    client.force_login(chair)
    params = {"per_page": str(per_page).replace("\x00", "")}
    for url in _pages(target_action)[:2]:
        _get(client, url, params)

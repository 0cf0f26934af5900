"""The dashboards' and the overview's quarter views read the quarter's reporting round: an
action in its scope shows its return and whether it is signed off, in words, or "No return"
(never an earlier status); an action out of scope, and any date that is not a quarter's end,
show the latest update on or before the date, as before."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplan.models import Action, Priority, Rag
from actionplan.quarters import Quarter
from actionplan.rounds import round_close, round_open, sign_off_create
from tests.actionplan.conftest import (
    TODAY,
    big_body,
    dashboard_url,
    local,
    query_count,
    refs,
    update,
)
from tests.conftest import make_action, make_body, make_plan, make_user

pytestmark = pytest.mark.django_db

Q2, Q3 = Quarter.parse("2015-Q2"), Quarter.parse("2015-Q3")
QUARTER = "?quarter=2015-Q3"
OFF_TRACK = "Off track: the provider withdrew and a new one is being found."


@pytest.fixture
def rounds(time_machine):
    """One body's four actions in a plan that ran Q2 and Q3 2015/16 as reporting rounds.

    ref    before Q3's end          Q2 round (closed)    Q3 round (open)
    1.1.1  Amber 10/9               Red 5/10, returned   Green 6/1, signed off
    1.1.2  none                     no return            Red 7/1, not signed off
    1.1.3  Green 10/9 ("Old news")  no return            no return (due 30/11: overdue)
    1.1.4  Blue 10/9                no return            out of scope (Blue before Q3)
    """
    chair, author = make_user(), make_user()
    body = make_body(name="Round Sub-group")
    body.chairs.add(chair)
    plan = make_plan()
    priority = Priority.objects.create(plan=plan, number=1, title="Prevent")
    actions = {
        ref: make_action(plan=plan, reference=ref, accountable_body=body, due_date=due)
        for ref, due in [
            ("1.1.1", date(2016, 6, 30)),
            ("1.1.2", date(2016, 6, 30)),
            ("1.1.3", date(2015, 11, 30)),
            ("1.1.4", date(2016, 6, 30)),
        ]
    }
    assert {action.objective.priority for action in actions.values()} == {priority}

    def say(ref, rag, when, commentary=""):
        actions[ref].refresh_from_db()
        return update(actions[ref], rag, when, commentary=commentary, author=author)

    say("1.1.1", Rag.AMBER, local(2015, 9, 10, 10))
    say("1.1.3", Rag.GREEN, local(2015, 9, 10, 10), "Old news.")
    say("1.1.4", Rag.BLUE, local(2015, 9, 10, 10))
    time_machine.move_to(local(2015, 10, 1, 9), tick=False)
    q2_round = round_open(plan=plan, quarter=Q2, opened_by=make_user())
    say("1.1.1", Rag.RED, local(2015, 10, 5, 10), "Q2: " + OFF_TRACK)
    round_close(reporting_round=q2_round)
    time_machine.move_to(local(2016, 1, 4, 9), tick=False)
    q3_round = round_open(plan=plan, quarter=Q3, opened_by=make_user())
    signed = say("1.1.1", Rag.GREEN, local(2016, 1, 6, 10), "Signed.")
    say("1.1.2", Rag.RED, local(2016, 1, 7, 10), OFF_TRACK)
    entry = q3_round.round_actions.get(action=actions["1.1.1"])
    sign_off_create(entry=entry, decided_by=chair, decision="approved", seen_update_id=signed.pk)
    time_machine.move_to(TODAY, tick=False)
    return body, actions


def _status_cell(response, ref: str) -> str:
    """The text of the Status cell of `ref`'s row, tags removed."""
    html = response.content.decode()
    row = html[html.index(f">{ref}</a></th>") :].split("</tr>", 1)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    status = next(cell for cell in cells if "tag tag--" in cell)
    return re.sub(r"<[^>]+>", "", status).strip()


def test_a_quarter_with_a_round_shows_returns_sign_off_and_no_return(viewer, rounds):
    body, _ = rounds
    response = viewer.get(dashboard_url(body, QUARTER))
    assert _status_cell(response, "1.1.1") == "Green — signed off"
    assert _status_cell(response, "1.1.2") == "Red — not signed off"
    assert _status_cell(response, "1.1.3") == "No return"  # never Green, its Q2 status
    assert _status_cell(response, "1.1.4") == "Blue"  # out of scope: as of the quarter's end
    html = response.content.decode()
    assert "Old news." not in html and "Signed." in html
    assert "Returns for the Q3 2015/16 reporting round" in html


def test_the_dashboard_opens_on_the_open_rounds_quarter_and_reads_it(viewer, rounds):
    body, _ = rounds
    response = viewer.get(dashboard_url(body))
    assert response.context["as_of"].round_quarter == Q3
    assert _status_cell(response, "1.1.2") == "Red — not signed off"


def test_a_date_that_is_a_quarters_end_reads_its_round(viewer, rounds):
    body, _ = rounds
    response = viewer.get(dashboard_url(body, "?as_of=2015-12-31"))
    assert _status_cell(response, "1.1.3") == "No return"


def test_a_date_within_a_quarter_shows_the_latest_update_as_before(viewer, rounds):
    body, _ = rounds
    response = viewer.get(dashboard_url(body, "?as_of=2015-12-15"))
    assert _status_cell(response, "1.1.1") == "Red"  # Q2's return, made 5 October
    assert _status_cell(response, "1.1.2") == "Not yet rated"
    assert _status_cell(response, "1.1.3") == "Green"
    assert "not signed off" not in response.content.decode()
    assert response.context["return_figures"] == []


def test_the_figures_count_the_round_and_list_what_they_count(viewer, rounds):
    body, _ = rounds
    response = viewer.get(dashboard_url(body, QUARTER))
    by_rag = {link["figure"].key: link["figure"].count for link in response.context["rag_figures"]}
    # No return counts with the unrated, as in the Board pack.
    assert by_rag == {"blue": 1, "green": 1, "amber": 0, "red": 1, "none": 1}
    expected = {
        "received": ["1.1.1", "1.1.2"],
        "signed_off": ["1.1.1"],
        "not_signed_off": ["1.1.2"],
        "no_return": ["1.1.3"],
    }
    links = response.context["return_figures"]
    assert [link["figure"].key for link in links] == list(expected)
    for link in links:
        table = viewer.get(dashboard_url(body, link["query"]))
        assert refs(table) == expected[link["figure"].key]
        assert link["figure"].count == len(expected[link["figure"].key])
        assert "quarter=2015-Q3" in link["query"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&rag=green", ["1.1.1"]),  # not 1.1.3, Green before the quarter
        ("&rag=red", ["1.1.2"]),  # not 1.1.1, Red in Q2
        ("&rag=none", ["1.1.3"]),
        ("&rag=blue", ["1.1.4"]),
        ("&round=no+return", ["1.1.3"]),
        ("&round=not+in+round", ["1.1.4"]),
        ("&overdue=yes", ["1.1.3"]),
    ],
)
def test_filters_read_the_rounds_returns(viewer, rounds, query, expected):
    body, _ = rounds
    assert refs(viewer.get(dashboard_url(body, QUARTER + query))) == expected


def test_the_export_has_the_round_column(viewer, rounds):
    body, _ = rounds
    url = reverse("actionplan:body-export", args=[body.pk, "csv"])
    rows = list(csv.DictReader(io.StringIO(viewer.get(url + QUARTER).content.decode("utf-8-sig"))))
    found = {row["ref"]: (row["status"], row["round_return"], row["commentary"]) for row in rows}
    assert found == {
        "1.1.1": ("Green", "Signed off", "Signed."),
        "1.1.2": ("Red", "Not signed off", OFF_TRACK),
        "1.1.3": ("", "No return", ""),
        "1.1.4": ("Blue", "", "Blue update: partners report progress to the group."),
    }
    xlsx = viewer.get(reverse("actionplan:body-export", args=[body.pk, "xlsx"]) + QUARTER)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert "its return" in values[1][0]
    headings = values[3]
    column = headings.index("Return for the quarter's round")
    assert [row[column] for row in values[4:]] == [
        "Signed off",
        "Not signed off",
        "No return",
        None,
    ]


def test_the_overview_reads_the_round_and_its_previous_quarters(viewer, rounds):
    body, _ = rounds
    response = viewer.get(reverse("actionplan:overview") + QUARTER)
    row = next(row for row in response.context["by_body"] if row.obj == body)
    assert row.counts == {"blue": 1, "green": 1, "amber": 0, "red": 1, "none": 1}
    assert (row.no_return, row.not_signed_off, row.overdue) == (1, 1, 1)
    assert response.context["reads_round"]
    html = response.content.decode()
    assert '<th scope="col" class="numeric">No return</th>' in html
    # The overdue list: 1.1.3, shown as No return, never its earlier Green.
    assert _status_cell(response, "1.1.3") == "No return"


def test_the_change_since_last_quarter_reads_that_quarters_round(viewer, rounds, time_machine):
    body, actions = rounds
    # The plan alone, so that the headline counts only its actions.
    others = Action.objects.exclude(pk__in=[a.pk for a in actions.values()])
    others.update(added_on=date(2016, 1, 31))
    response = viewer.get(reverse("actionplan:overview") + QUARTER)
    before = {change.key: change.before for change in response.context["headline"]}
    # End of Q2 by its round: 1.1.1's return Red, the other three no return (not rated);
    # as of 30 September they were Amber, not rated, Green and Blue.
    assert (before["red"], before["none"], before["amber"], before["green"]) == (1, 3, 0, 0)


def test_dashboard_query_count_with_a_round_is_fixed(counting_client, django_assert_num_queries):
    small, big = big_body(3), big_body(35)
    for body in (small, big):
        plan = Action.objects.filter(accountable_body=body).first().plan
        round_open(plan=plan, quarter=Q3, opened_by=make_user())
        for action in Action.objects.filter(accountable_body=body)[:2]:
            update(action, Rag.AMBER, local(2016, 1, 6, 10))
    query = f"{QUARTER}&rag=red&rag=green&rag=amber&rag=none&round=no+return&q=action&sort=rag"
    small_url, big_url = dashboard_url(small, query), dashboard_url(big, query)
    assert query_count(counting_client, small_url) == query_count(counting_client, big_url)
    assert "— not signed off" in counting_client.get(dashboard_url(big, QUARTER)).content.decode()
    # As without a round (test_dashboard_figures.py): the round's entries and returns are
    # joined to the rows and counted in the headline's one query (17: the figures took two
    # queries before dashboards.figure_counts).
    with django_assert_num_queries(17):
        counting_client.get(big_url)


def test_overview_query_count_with_a_round_is_fixed(counting_client, django_assert_num_queries):
    url = reverse("actionplan:overview") + QUARTER
    small = big_body(3)
    round_open(
        plan=Action.objects.filter(accountable_body=small).first().plan,
        quarter=Q3,
        opened_by=make_user(),
    )
    before = query_count(counting_client, url)
    big = big_body(35)
    round_open(
        plan=Action.objects.filter(accountable_body=big).first().plan,
        quarter=Q3,
        opened_by=make_user(),
    )
    assert query_count(counting_client, url) == before
    # As without a round (test_overview.py).
    with django_assert_num_queries(16):
        counting_client.get(url)

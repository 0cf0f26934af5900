"""Reading a plan's table: column suggestions, headings and levels, references, owners and
timeframes, with every problem listed."""

from datetime import date

import pytest

from accounts.models import Agency
from actionplan.importing.mapping import field_for_header, suggest_mapping
from actionplan.importing.owners import Directory, split_owner_cell
from actionplan.importing.reading import Grid
from actionplan.importing.structure import build_draft
from actionplan.importing.tables import find_table
from actionplan.models import OwnerRole
from tests.conftest import make_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "header, field",
    [
        ("Lead", "owners"), ("Lead officer", "owners"), ("Responsible", "owners"),
        ("Owner(s)", "owners"), ("Lead officer/agency", "owners"), ("Timescale", "timeframe"),
        ("When", "timeframe"), ("By when", "timeframe"), ("Target date", "timeframe"),
        ("Success measure", "measures"), ("Expected outcome", "measures"),
        ("Measure of success", "measures"), ("RAG", "status"), ("Status", "status"),
        ("Progress", "status"), ("Update", "commentary"), ("Accountable body", "accountable_body"),
        ("Ref", "reference"), ("Action", "description"), ("Timescale for completion", "timeframe"),
        ("Column 7", ""),
    ],
)  # fmt: skip
def test_header_words_suggest_the_field(header, field):
    assert field_for_header(header) == field


def test_one_column_per_field_and_an_unnamed_text_column_is_the_action():
    assert suggest_mapping(["No.", "What we will do", "Lead", "Lead", "By when"]) == [
        "reference", "description", "owners", "", "timeframe",
    ]  # fmt: skip
    assert suggest_mapping(["Ref", "Task detail", "Owner"])[1] == "description"


@pytest.fixture
def directory(db):
    # The WSCB plan's agencies and roles are in every test database; these add to them.
    police = Agency.objects.get(name="West Mercia Police")
    yos = Agency.objects.get(name="Youth Offending Service")
    board = Agency.objects.create(name="Herefordshire Safeguarding Board")
    OwnerRole.objects.get_or_create(agency=police, title="Head of Protecting Vulnerable People")
    OwnerRole.objects.get_or_create(agency=police, title="Head of Corporate Communications")
    OwnerRole.objects.create(agency=board, title="Board Manager")
    OwnerRole.objects.create(agency=yos, title="YOS Manager")
    make_body(name="Neglect Sub Group", short_name="NSG")
    return Directory()


def _draft(rows, directory, *, across=(), details=None):
    table = find_table(Grid(rows=rows, across=list(across)))
    mapping = suggest_mapping(table.header)
    details = {"partnership": "Herefordshire Safeguarding Board", "period": "2016-19",
               "status_from": "date", "status_date": "2016-06-30", **(details or {})}  # fmt: skip
    return build_draft(table, mapping, details, directory)


def _messages(draft):
    return [p.message for p in draft.problems]


def test_a_flat_list_invents_no_heading_and_says_which_references_it_made(directory):
    draft = _draft(
        [["Action", "Lead", "Timescale"], ["Audit neglect cases", "Board Manager", "May 2017"],
         ["Refresh the toolkit", "Board Manager", "June 2017"]],
        directory,
    )  # fmt: skip
    [priority] = draft.priorities
    [objective] = priority.objectives
    assert priority.title == "" and not priority.given and not objective.given
    assert [a.reference for a in objective.actions] == ["1.1.1", "1.1.2"]
    assert sum("made for this action: the file gives none" in m for m in _messages(draft)) == 2


def test_two_levels_named_by_the_plan_keep_their_names(directory):
    draft = _draft(
        [["Neglect strategy action plan"], [],
         ["Ref", "Action", "Lead", "Timescale"],
         ["Outcome 1: Children are seen"], ["Recommendation 1.1 Audit the front door"],
         ["1.1.1", "Audit referrals", "Board Manager", "May 2017"],
         ["Outcome 2: Practice improves"],
         ["2.1.1", "Train staff", "Board Manager", "May 2017"],
         ["Key: 1 Fully achieved, 2 Partially achieved"]],
        directory,
    )  # fmt: skip
    assert (draft.priority_label, draft.objective_label) == ("Outcome", "Recommendation")
    assert [(p.number, p.title) for p in draft.priorities] == [
        (1, "Children are seen"), (2, "Practice improves"),
    ]  # fmt: skip
    assert draft.priorities[0].objectives[0].title == "Audit the front door"
    assert draft.priorities[1].objectives[0].given is False  # 2.1 is not given: not invented
    assert len(draft.actions) == 2  # the key below the table is no heading


def test_references_are_kept_as_written_and_made_where_they_cannot_be(directory):
    draft = _draft(
        [["Ref", "Action", "Timescale"], ["R3", "Audit", "May 2017"], ["4.", "Train", "May 2017"],
         ["4", "Train again", "May 2017"]],
        directory,
    )  # fmt: skip
    actions = draft.actions
    assert [(a.reference, a.reference_as_written) for a in actions[:2]] == [
        ("3", "R3"),
        ("4", "4."),
    ]
    assert actions[2].reference_made and "'4' is used twice" in " ".join(_messages(draft))


def test_timeframes_real_plans_write(directory):
    rows = [["Action", "Timescale"]] + [
        [f"Action {i}", when]
        for i, when in enumerate(
            [{"date": "2017-04-01", "month": True}, {"date": "2017-05-14", "month": False},
             "Apr-17", "Sept 2017", "by end of Q3", "Q4 2016/17", "Ongoing",
             "To be confirmed in the spring", "When funding allows"]
        )
    ]  # fmt: skip
    draft = _draft(rows, directory)
    due = [(a.timeframe, a.due) for a in draft.actions]
    assert due == [
        ("Apr-17", date(2017, 4, 30)), ("14 May 2017", date(2017, 5, 14)),
        ("Apr-17", date(2017, 4, 30)), ("Sept 2017", date(2017, 9, 30)),
        ("by end of Q3", date(2016, 12, 31)), ("Q4 2016/17", date(2017, 3, 31)),
        ("Ongoing", None), ("To be confirmed in the spring", None), ("When funding allows", None),
    ]  # fmt: skip
    messages = " ".join(_messages(draft))
    assert "'by end of Q3' names no year: read in the plan's first year, 2016/17" in messages
    assert "'Ongoing' gives no date" in messages
    assert "'When funding allows' cannot be read as a date" in messages


def test_owner_cells_split_only_into_known_roles_or_agencies(directory):
    def titles(text):
        return [(p.title, p.role_id and str(directory.roles[p.role_id])) for p in
                split_owner_cell(text, directory)]  # fmt: skip

    pvp, comms = "Head of Protecting Vulnerable People", "Head of Corporate Communications"
    assert titles(f"{pvp}/{comms} – WMP") == [
        (pvp, f"{pvp} (West Mercia Police)"), (comms, f"{comms} (West Mercia Police)"),
    ]  # fmt: skip
    assert [t for t, _ in titles("Police/YOS")] == ["Police", "YOS"]
    [wmp] = split_owner_cell("WMP", directory)  # an agency by its initials
    assert directory.agencies[wmp.agency_id].name == "West Mercia Police"
    assert titles("Missing, Exploited and Trafficked and Vulnerable") == [
        ("Missing, Exploited and Trafficked and Vulnerable", None)
    ]
    assert [t for t, _ in titles("Board Manager\nYOS Manager; Head of PVP")] == [
        "Board Manager", "YOS Manager", "Head of PVP",
    ]  # fmt: skip
    close = split_owner_cell("Head of Protecting Vulnerable Peoples", directory)[0]
    assert close.role_id and not close.exact  # a close match: the person checks it


def test_statuses_become_rags_and_unknown_ones_are_listed(directory):
    draft = _draft(
        [["Action", "Timescale", "RAG", "Update"], ["A", "May 2017", "Amber", "Late"],
         ["B", "May 2017", "Complete", ""], ["C", "May 2017", "Purple", ""]],
        directory,
    )  # fmt: skip
    assert [(a.rag, a.status_date) for a in draft.actions] == [
        ("amber", date(2016, 6, 30)), ("blue", date(2016, 6, 30)), ("", None),
    ]  # fmt: skip
    assert "The status 'Purple' is not one of" in " ".join(_messages(draft))


def test_bodies_match_by_name_short_name_or_without_brackets(directory):
    draft = _draft(
        [["Action", "Accountable body", "Timescale"], ["A", "NSG", "May 2017"],
         ["B", "Neglect Sub Group (from April 2017)", "May 2017"],
         ["C", "Scrutiny Panel", "May 2017"]],
        directory,
    )  # fmt: skip
    matched = [draft.bodies[a.body_key] for a in draft.actions]
    assert [m.exact for m in matched] == [True, True, False]
    assert matched[2].body_id is None  # a new body, unless the person chooses one

"""Sub-group dashboards and the Board overview: a small body whose statuses on 31 December
2015 are known (the `sample` fixture), a big one for query counts, and how tests read a page."""

import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import Agency
from actionplan.models import AccountableBody, Measure, Objective, Priority, Rag
from actionplan.services import status_update_create
from tests.conftest import make_action, make_body, make_plan, make_role, make_user

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
    """A client signed in as someone who holds no role and chairs nothing."""
    client.force_login(make_user())
    return client


def big_body(size: int) -> AccountableBody:
    """`size` actions, each with two owners, two updates and a measure: enough rows that a
    query per row (an N+1) would show."""
    body = make_body()
    plan = make_plan()
    priority = Priority.objects.create(plan=plan, number=1, title="P1")
    agency = Agency.objects.create(name=f"Agency for {body.name}")
    roles = [make_role(agency=agency), make_role(agency=agency)]
    for role in roles:  # people beside roles: each role held by two
        role.holders.add(make_user(), make_user())
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


def query_count(client, url) -> int:
    """How many queries a GET of `url` makes."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def counting_client(client, time_machine):
    """A client signed in at TODAY whose session activity is already recorded, so that each
    request after the first makes the same queries."""
    time_machine.move_to(TODAY, tick=False)
    client.force_login(make_user())
    client.get(reverse("actionplan:overview"))  # the first request records session activity
    return client


# Plan files for the import tests: the WSCB plan as partnerships keep such plans, written from
# its source document (fixtures/source), the way the published plan looks: title rows,
# headings as rows of their own, several owners and measures in one cell.

WSCB_SOURCE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "source" / "wscb_cse_action_plan.json"
)
WSCB_DETAILS = {
    "title": "Child Sexual Exploitation (CSE) Action Plan for Implementation 2015-18",
    "partnership": "Worcestershire Safeguarding Children Board",
    "short_name": "WSCB",
    "period": "2015-18",
    "slug": "wscb-imported",
    "source": "Appendix 2: WSCB Action Plan for Implementation (CSE Strategy 2015-18)",
    "status_from": "none",
}


def wscb_source() -> dict:
    return json.loads(WSCB_SOURCE.read_text(encoding="utf-8"))


def _priority_title(priority) -> str:
    # The published plan writes Priority 4's title with a colon ("Pursue and Disrupt:").
    return priority["title"] + (":" if priority["number"] == 4 else "")


def _objective_heading(objective) -> str | None:
    """None where the published plan gives no heading (objective 1.2)."""
    if not objective.get("title_given", True):
        return None
    return f"{objective['number']} {objective['title']}"


def wscb_xlsx() -> bytes:
    """An officer's spreadsheet: title rows, a header, each priority and objective a row merged
    across the table, references in a column, owners and measures several to a cell, a key
    below the table."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Action plan"
    sheet.append(["Appendix 2"])
    sheet.append(["WSCB Action Plan for Implementation"])
    sheet.append([])
    sheet.append(["Ref", "Action", "Lead officer/agency", "Success measure", "Accountable body",
                  "Timescale"])  # fmt: skip

    def across(text):
        sheet.append([text])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row,
                          end_column=6)  # fmt: skip

    for priority in wscb_source()["priorities"]:
        across(f"Key Priority {priority['number']}: {_priority_title(priority)}")
        across(f"Overarching priority: {priority['statement']}")
        for objective in priority["objectives"]:
            if heading := _objective_heading(objective):
                across(heading)
            for action in objective["actions"]:
                sheet.append([
                    action["ref"], action["description"], action["owners_as_written"],
                    "\n".join(f"• {m}" for m in action["measures"]),
                    action["accountable_body_as_written"], action["timeframe"],
                ])  # fmt: skip
    sheet.append([])
    sheet.append(["Key: RAG ratings are reported to the Board each quarter."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wscb_docx() -> bytes:
    """The Word document, as published: headings as paragraphs between tables, one table per
    objective with its header row repeated, the reference at the start of the action's text."""
    document = docx.Document()
    document.add_paragraph("Appendix 2")
    document.add_paragraph("WSCB Action Plan for Implementation")
    header = ["Action", "Action Owner", "Measure", "Accountable body", "Timeframe"]
    for priority in wscb_source()["priorities"]:
        document.add_paragraph(f"Key Priority {priority['number']}")
        document.add_paragraph(_priority_title(priority))
        document.add_paragraph(f"Overarching priority: {priority['statement']}")
        document.add_paragraph("Key Target Areas/Objectives")
        for objective in priority["objectives"]:
            if heading := _objective_heading(objective):
                document.add_paragraph(heading)
            table = document.add_table(rows=1, cols=len(header))
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
            for action in objective["actions"]:
                cells = table.add_row().cells
                values = [
                    f"{action['ref']} {action['description']}", action["owners_as_written"],
                    "\n".join(action["measures"]), action["accountable_body_as_written"],
                    action["timeframe"],
                ]  # fmt: skip
                for cell, text in zip(cells, values, strict=True):
                    cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def wscb_owner_choices(plan_import, expected_roles) -> dict:
    """What business support choose on the preview for each owner part whose suggestion is
    not the role the WSCB plan's transcriber recorded (docs/wscb-plan.md): the judgement calls.
    `expected_roles`: the fixture's roles per action reference. Returns {part key: "role:<pk>"}."""
    from actionplan.importing.commit import preview

    result = preview(plan_import)
    choices = {}
    for action in result.draft.actions:
        expected = expected_roles[action.reference]
        keys = action.owner_keys
        if len(keys) == len(expected):
            pairs = zip(keys, expected, strict=True)
        else:  # a cell the importer could not split as the transcriber did
            pairs = [(keys[0], expected[0])] if keys else []
        for key, role in pairs:
            part = result.draft.owners[key]
            if part.role_id != role.pk:
                choices[key] = f"role:{role.pk}"
    return choices


def messy_xlsx() -> bytes:
    """A partnership's working spreadsheet: title rows and a key above the table, merged
    heading rows, a month-year date cell, headings the importer half-guesses ("Outcome" reads
    as a level, "Target" as a target figure) and an owner written in shorthand."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Herefordshire Safeguarding Board"])
    sheet.append(["Neglect strategy: action plan 2016-19"])
    sheet.append([])
    sheet.append(["Key: R = off track, A = at risk, G = on track, B = complete"])
    sheet.append(["No.", "What we will do", "Who", "Outcome", "Target", "Reporting to", "RAG"])

    def across(text):
        sheet.append([text])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row,
                          end_column=7)  # fmt: skip

    across("Priority 1: Early help")
    across("1.1 Find neglect early")
    sheet.append(["1.1.1", "Audit the front door's neglect referrals", "Head of PVP, WMP",
                  "Audit report to the Board", date(2017, 4, 1), "Neglect Sub Group",
                  "G"])  # fmt: skip
    sheet["E" + str(sheet.max_row)].number_format = "mmm-yy"
    sheet.append(["1.1.2", "Train health visitors in the <script>neglect</script> toolkit",
                  "Designated Nurse", "All health visitors trained\nToolkit used in 80% of visits",
                  "Sept 2017", "Neglect Sub Group", "A"])  # fmt: skip
    across("Priority 2: Practice")
    across("2.1 Improve supervision")
    sheet.append(["2.1.1", "Review supervision of neglect cases", "Chair of CSE Strategic Group",
                  "Supervision audit shows improvement", "Ongoing", "CSE Strategic Group",
                  "R"])  # fmt: skip
    sheet.append([])
    sheet.append(["Note: updated quarterly by business support"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

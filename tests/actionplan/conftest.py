"""Sub-group dashboards and the Board overview: a small body whose statuses on 31 December
2015 are known (the `sample` fixture), a big one for query counts, and how tests read a page."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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

"""People beside roles (issue 17): who holds each owner role, with their e-mail address, on
the action page, the dashboards' lists and the Excel export; a role nobody holds says so."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import exports
from tests.actionplan.conftest import AS_OF, dashboard_url
from tests.conftest import make_action, make_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(sample):
    """The sample's Police lead held by two people (one with markup in her name) and a third
    who has left (inactive); the Designated nurse held by one; the Analyst by nobody."""
    lead, nurse = sample.roles["lead"], sample.roles["nurse"]
    lead.holders.add(
        make_user(username="jo", first_name="Jo", last_name="<b>Bold</b>", email="jo@p.example"),
        make_user(username="al", first_name="Al", last_name="Adams", email="al@p.example"),
        make_user(username="gone", first_name="Gone", last_name="Away", is_active=False),
    )
    nurse.holders.add(make_user(username="nadia", email="nadia@h.example"))
    return sample


def test_the_action_page_shows_who_holds_each_role(client, held):
    client.force_login(make_user())
    html = client.get(held.actions["1.2.1"].get_absolute_url()).content.decode()
    assert (
        'Police lead, Test Police: <span class="people">Al Adams (<a href="mailto:al@p.example">'
        'al@p.example</a>), Jo &lt;b&gt;Bold&lt;/b&gt; (<a href="mailto:jo@p.example">'
        "jo@p.example</a>)</span>"
    ) in html
    # No full name: the username; the person who left is not offered.
    assert 'nadia (<a href="mailto:nadia@h.example">' in html
    assert "Gone Away" not in html


def test_a_role_nobody_holds_says_so(client, held):
    client.force_login(make_user())
    html = client.get(held.actions["1.2.2"].get_absolute_url()).content.decode()
    assert 'Analyst, Test Police: <span class="people people--none">Nobody holds this role' in html


def test_an_action_without_owner_roles_says_none_recorded(client, db):
    client.force_login(make_user())
    html = client.get(make_action().get_absolute_url()).content.decode()
    assert '<ul class="owner-list"><li>None recorded</li></ul>' in html


def test_the_dashboards_red_and_overdue_list_shows_the_people(client, held):
    client.force_login(make_user())
    response = client.get(dashboard_url(held.body, f"?as_of={AS_OF}&overdue=yes"))
    html = response.content.decode()
    row = html[html.index(">1.1.1<") :].split("</tr>")[0]  # Red and overdue on 31 December
    assert "Police lead" in row and 'href="mailto:al@p.example"' in row
    other = html[html.index(">2.1.1<") :].split("</tr>")[0]
    assert "Nobody holds this role" in other


def test_the_overviews_overdue_list_shows_the_people(client, held):
    client.force_login(make_user())
    html = client.get(reverse("actionplan:overview"), {"as_of": AS_OF}).content.decode()
    overdue = html[html.index('id="overdue"') :]
    assert 'href="mailto:jo@p.example"' in overdue
    assert "Nobody holds this role" in overdue


def test_the_excel_export_names_the_people_in_each_role(client, held):
    client.force_login(make_user())
    url = reverse("actionplan:body-export", args=[held.body.pk, "xlsx"])
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    headings = [cell.value for cell in sheet[4]]
    people = headings.index("People in the owner roles")
    rows = {row[0]: row[people] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["1.2.1"] == (
        "Police lead (Test Police): Al Adams (al@p.example), Jo <b>Bold</b> (jo@p.example)\n"
        "Designated nurse (Test Health): nadia (nadia@h.example)"
    )
    assert rows["1.2.2"] == "Analyst (Test Police): nobody holds this role"


def test_the_csv_keeps_its_columns_without_people(held):
    plan = held.actions["1.2.1"].plan
    body = exports.render_plan(plan, "csv", today=date(2016, 2, 1)).decode("utf-8-sig")
    assert "al@p.example" not in body
    assert body.splitlines()[0] == ",".join(f'"{column}"' for column in exports.COLUMNS)


def test_the_action_pages_people_take_one_query_whatever_their_number(client, db):
    roles = [make_role(), make_role()]
    action = make_action(owners=roles)
    client.force_login(make_user())
    url = action.get_absolute_url()

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    client.get(url)
    few = count()
    for role in roles:
        role.holders.add(*(make_user() for _ in range(5)))
    assert count() == few

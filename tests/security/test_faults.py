"""Faults: a database that goes away, and failures part-way through multi-row writes."""

import json

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from actionplan.models import Action, Plan, Rag, StatusUpdate
from actionplan.services import plan_load, status_update_create
from tests.conftest import WSCB_FIXTURE

pytestmark = pytest.mark.django_db


class FailOn:
    """A database execute wrapper that fails the first statement containing `marker`."""

    def __init__(self, marker):
        self.marker, self.fired = marker, False

    def __call__(self, execute, sql, params, many, context):
        if self.marker in sql and not self.fired:
            self.fired = True
            raise DatabaseError(f"injected failure at {self.marker}")
        return execute(sql, params, many, context)


@pytest.mark.parametrize(
    "marker",
    [
        'INSERT INTO "actionplan_statusupdate"',  # after the version was claimed
        'SET "latest_update_id"',  # after the update row was inserted
    ],
)
def test_failure_part_way_through_a_status_update_leaves_nothing(owner, target_action, marker):
    fault = FailOn(marker)
    with connection.execute_wrapper(fault), pytest.raises(DatabaseError):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary="On track.",
            expected_version=0,
        )  # fmt: skip
    assert fault.fired
    fresh = Action.objects.get(pk=target_action.pk)
    assert (fresh.version, fresh.current_rag, fresh.latest_update_id) == (0, "", None)
    assert StatusUpdate.objects.count() == 0


def test_failure_part_way_through_a_fixture_load_leaves_nothing(wscb_plan, tmp_path):
    fixture = json.loads(WSCB_FIXTURE.read_text())
    for obj in fixture:  # the same plan under another slug: every row would be new
        fields = obj["fields"]
        if obj["model"] == "actionplan.plan":
            fields["slug"] = "copy"
        for key, value in fields.items():
            if isinstance(value, list) and value and value[0] == wscb_plan.slug:
                fields[key] = ["copy", *value[1:]]
            elif key == "related":
                fields[key] = [["copy", *ref[1:]] for ref in value]
    fixture[-1]["fields"]["action"] = ["copy", "9.9.9"]  # the last object cannot be loaded
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(fixture))
    before = Action.objects.count()
    with pytest.raises(Exception, match="Problem installing fixture"):
        plan_load(path=path)
    assert not Plan.objects.filter(slug="copy").exists()
    assert Action.objects.count() == before


@pytest.mark.django_db(transaction=True)  # a real connection to close, not a test transaction
def test_database_down_gives_a_clear_503_and_recovers(client, owner):
    client.force_login(owner)
    client.raise_request_exception = False
    url = reverse("actionplan:my-actions")
    assert client.get(url).status_code == 200
    saved = connection.settings_dict.copy()
    connection.close()
    try:
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = "/nonexistent/dir/db.sqlite3"
        else:
            connection.settings_dict["PORT"] = "1"  # nothing listens there
        response = client.get(url)
        health = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Sorry, the service is unavailable" in html
    assert "Traceback" not in html and "OperationalError" not in html
    assert response["Retry-After"] == "30"
    assert health.status_code == 503
    assert client.get(url).status_code == 200  # recovered when the database returned

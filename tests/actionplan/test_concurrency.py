"""No lost updates under real concurrency (PostgreSQL; SQLite serialises writers anyway)."""

import pytest
from django.db import connection

from actionplan.models import Action, Rag, StatusUpdate
from actionplan.services import StatusConflictError, status_update_create
from tests.conftest import make_action, make_body, make_user, run_in_threads

THREADS = 20

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency is proved on PostgreSQL: set DATABASE_URL (CI does)",
    ),
]


def test_same_version_only_one_wins_and_the_rest_are_told():
    action = make_action()
    author = make_user()
    outcomes = []

    def update(index):
        try:
            status_update_create(
                action=Action.objects.get(pk=action.pk), author=author, rag=Rag.GREEN,
                commentary=f"Update {index}.", expected_version=0,
            )  # fmt: skip
            outcomes.append("saved")
        except StatusConflictError:
            outcomes.append("conflict")

    assert run_in_threads(update, THREADS) == []
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["saved"]
    assert StatusUpdate.objects.filter(action=action).count() == 1


def test_retrying_writers_lose_nothing():
    action = make_action()
    author = make_user()

    def update(index):
        while True:
            current = Action.objects.get(pk=action.pk)
            try:
                status_update_create(
                    action=current, author=author, rag=Rag.GREEN,
                    commentary=f"Update {index}.", expected_version=current.version,
                )  # fmt: skip
                return
            except StatusConflictError:
                continue

    assert run_in_threads(update, THREADS) == []
    action.refresh_from_db()
    updates = StatusUpdate.objects.filter(action=action)
    assert updates.count() == THREADS
    assert sorted(updates.values_list("version", flat=True)) == list(range(1, THREADS + 1))
    assert {u.commentary for u in updates} == {f"Update {i}." for i in range(THREADS)}
    assert action.version == THREADS
    assert action.latest_update == updates.order_by("-version").first()


def test_different_actions_all_succeed():
    body = make_body()
    first = make_action(accountable_body=body)
    actions = [first] + [
        make_action(objective=first.objective, accountable_body=body) for _ in range(THREADS - 1)
    ]
    author = make_user()

    def update(index):
        status_update_create(
            action=Action.objects.get(pk=actions[index].pk), author=author, rag=Rag.AMBER,
            commentary="Escalated to the chair; recovery plan agreed with the lead agency.",
            expected_version=0,
        )  # fmt: skip

    assert run_in_threads(update, THREADS) == []
    assert StatusUpdate.objects.count() == THREADS
    assert set(Action.objects.values_list("current_rag", flat=True)) == {Rag.AMBER}

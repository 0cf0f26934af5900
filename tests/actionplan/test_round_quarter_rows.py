"""The quarter views read each action's row of the plan's latest round of the quarter, from the
copies the round services keep on it (RoundAction.quarter, return_rag, return_at): removing an
action from scope, bringing it back and opening a second round of the quarter move the row the
views read, and a return's RAG, time and commentary are the update's."""

from datetime import date

import pytest

from actionplan.models import Action, Rag
from actionplan.quarters import Quarter
from actionplan.round_models import RoundAction, RoundState
from actionplan.rounds import round_action_add, round_action_remove, round_close, round_open
from tests.actionplan.conftest import local, update
from tests.conftest import make_action, make_user

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")
AS_OF = date(2015, 12, 31)
RETURN = "Off track: the provider withdrew and a new one is being found."
BEFORE = "Slipping: the venue fell through and the team is finding another one."


def _view(action) -> Action:
    return Action.objects.for_dashboard(as_of=AS_OF, quarter=Q3).get(pk=action.pk)


def _rows_read() -> set[int]:
    return set(RoundAction.objects.filter(quarter=Q3.slug).values_list("pk", flat=True))


@pytest.fixture
def returned(time_machine):
    """An action with an Amber update in Q3 and a Red return to Q3's open round."""
    action = make_action()
    update(action, Rag.AMBER, local(2015, 11, 2, 10), commentary=BEFORE)
    time_machine.move_to(local(2016, 1, 4, 9), tick=False)
    reporting_round = round_open(plan=action.plan, quarter=Q3, opened_by=make_user())
    action.refresh_from_db()
    made = update(action, Rag.RED, local(2016, 1, 6, 10), commentary=RETURN)
    return action, reporting_round, made


def test_a_return_is_read_from_its_rows_copies(returned):
    action, reporting_round, made = returned
    entry = reporting_round.round_actions.get(action=action)
    assert (entry.quarter, entry.return_rag, entry.return_at) == (Q3.slug, Rag.RED, made.created_at)
    row = _view(action)
    assert (row.rag_as_of, row.update_at_as_of) == (Rag.RED, made.created_at)
    assert (row.commentary_as_of, row.round_state) == (RETURN, RoundState.NOT_SIGNED_OFF)


def test_removed_from_scope_shows_the_latest_update_and_back_in_shows_the_return(returned):
    action, reporting_round, _ = returned
    round_action_remove(reporting_round=reporting_round, action=action, reason="Merged.")
    row = _view(action)
    assert (row.rag_as_of, row.commentary_as_of, row.round_state) == (Rag.AMBER, BEFORE, None)
    round_action_add(reporting_round=reporting_round, action=action, reason="Split again.")
    assert _view(action).round_state == RoundState.NOT_SIGNED_OFF


def test_a_second_round_of_the_quarter_is_the_one_read(returned, time_machine):
    action, first, _ = returned
    round_close(reporting_round=first)
    time_machine.move_to(local(2016, 1, 20, 9), tick=False)
    second = round_open(plan=action.plan, quarter=Q3, opened_by=make_user())
    assert _rows_read() == set(second.round_actions.values_list("pk", flat=True))
    round_action_remove(reporting_round=second, action=action, reason="Done elsewhere.")
    assert _rows_read() == set()
    assert _view(action).round_state is None

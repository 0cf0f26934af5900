"""The quarter's Board pack reads its reporting round: signed-off returns as they are, a return
not signed off marked so, no return shown as "No return" (never an earlier status)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from actionplan.quarters import Quarter
from actionplan.rag import Rag
from actionplan.rounds import round_open, sign_off_create
from actionplan.services import status_update_create
from reports.packs import build_pack_data
from reports.services import board_pack_html
from tests.conftest import make_action, make_user

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")
LONDON = ZoneInfo("Europe/London")


def _update(
    action, author, rag, at, commentary="Some concern: the work is slower than planned this time."
):
    action.refresh_from_db()
    return status_update_create(
        action=action, author=author, rag=rag, commentary=commentary,
        expected_version=action.version,
        created_at=datetime.fromisoformat(at).replace(tzinfo=LONDON),
    )  # fmt: skip


@pytest.fixture
def plan_with_round(business_support):
    """1.1.1 returned and signed off, 1.1.2 returned not signed off, 1.1.3 Green last quarter
    with no return, 1.1.4 Blue before the quarter (out of scope)."""
    author, chair = make_user(), make_user()
    first = make_action(reference="1.1.1")
    plan = first.plan
    first.accountable_body.chairs.add(chair)
    actions = [first] + [
        make_action(plan=plan, reference=ref, accountable_body=first.accountable_body)
        for ref in ["1.1.2", "1.1.3", "1.1.4"]
    ]
    _update(actions[0], author, Rag.AMBER, "2015-09-10T10:00")
    _update(actions[2], author, Rag.GREEN, "2015-09-10T10:00", commentary="Old news.")
    _update(actions[3], author, Rag.BLUE, "2015-09-10T10:00")
    with time_machine.travel("2016-01-04 09:00 +0000", tick=False):
        reporting_round = round_open(plan=plan, quarter=Q3, opened_by=business_support)
    # Returns made in January, after the quarter ended: the round's, so the pack's.
    signed = _update(actions[0], author, Rag.GREEN, "2016-01-06T10:00", commentary="Signed.")
    off_track = "Off track: the provider withdrew and a new one is being found."
    _update(actions[1], author, Rag.RED, "2016-01-07T10:00", commentary=off_track)
    entry = reporting_round.round_actions.get(action=actions[0])
    sign_off_create(entry=entry, decided_by=chair, decision="approved", seen_update_id=signed.pk)
    return plan


def test_the_pack_shows_returns_marks_unsigned_and_never_an_old_status(plan_with_round):
    data = build_pack_data(plan=plan_with_round, quarter=Q3, today=date(2016, 2, 1))
    items = {item.action.reference: item for item in data.actions}
    assert items["1.1.1"].rag.label == "Green" and items["1.1.1"].round_state == "signed off"
    assert items["1.1.1"].commentary == "Signed."
    assert items["1.1.1"].previous_rag.label == "Amber"
    assert items["1.1.2"].rag.label == "Red" and items["1.1.2"].not_signed_off
    assert items["1.1.3"].no_return and not items["1.1.3"].rag.rated
    assert items["1.1.3"].commentary == ""
    assert items["1.1.4"].rag.label == "Blue" and items["1.1.4"].round_state is None
    returns = data.returns
    assert (returns.in_scope, returns.received, returns.signed_off, returns.missing) == (3, 2, 1, 1)


def test_the_pack_html_says_so(plan_with_round):
    html = board_pack_html(
        plan=plan_with_round, quarter=Q3, produced_by=make_user(),
        produced_at=datetime(2016, 2, 1, tzinfo=LONDON),
    )  # fmt: skip
    assert "3 returns: <strong>2</strong> received, <strong>1</strong> signed off" in html
    assert "<strong>1</strong> missing" in html
    assert html.count(">Not signed off</strong>") == 1
    assert ">No return</strong>" in html
    assert "Old news." not in html  # 1.1.3's earlier commentary


def test_a_quarter_without_a_round_is_as_before(db):
    action = make_action()
    _update(action, make_user(), Rag.GREEN, "2015-11-10T10:00")
    data = build_pack_data(plan=action.plan, quarter=Q3, today=date(2016, 2, 1))
    assert data.returns is None and data.actions[0].round_state is None
    assert data.actions[0].rag.label == "Green"

"""A pack worker that dies mid-render (killed, restarted, out of memory) leaves its request
rendering. Every change to a request moves its heartbeat, updated_at, so that a request rendering
with no change for PACK_STALLED_AFTER seconds is known to have lost its worker."""

from datetime import date, timedelta

import pytest

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPackRequest
from reports.pdf import RenderedPdf
from tests.reports.conftest import at, make_small_plan

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")
NINE = at(date(2026, 1, 5), 9)


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NINE, tick=False)
    return time_machine


def _stand_in(html, **kwargs):
    return RenderedPdf(b"%PDF-1.7 stand-in", 1)


def test_a_new_request_has_a_heartbeat(plan, business_support, clock):
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    pack_request.refresh_from_db()
    assert pack_request.updated_at == pack_request.requested_at == NINE


def test_claiming_a_request_moves_its_heartbeat(plan, business_support, clock, monkeypatch):
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    clock.shift(timedelta(minutes=5))
    monkeypatch.setattr(services, "board_pack_create", lambda **kwargs: None)

    services.board_pack_request_run(request_id=pack_request.pk)

    pack_request.refresh_from_db()
    assert pack_request.status == BoardPackRequest.Status.RENDERING
    assert pack_request.updated_at == NINE + timedelta(minutes=5)


def test_progress_and_the_outcome_move_the_heartbeat(plan, business_support, clock, monkeypatch):
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    heartbeats = []

    def render(html, progress):
        clock.shift(timedelta(minutes=2))
        progress("Laying out the pages")
        heartbeats.append(BoardPackRequest.objects.get(pk=pack_request.pk).updated_at)
        clock.shift(timedelta(minutes=3))
        return _stand_in(html)

    monkeypatch.setattr(services, "render_pdf", render)
    services.board_pack_request_run(request_id=pack_request.pk)

    pack_request.refresh_from_db()
    assert heartbeats == [NINE + timedelta(minutes=2)]
    assert pack_request.status == BoardPackRequest.Status.READY
    assert pack_request.updated_at == pack_request.finished_at == NINE + timedelta(minutes=5)

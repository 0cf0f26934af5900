"""A pack worker that dies mid-render (killed, restarted, out of memory) leaves its request
rendering. Every change to a request moves its heartbeat, updated_at, so that a request rendering
with no change for PACK_STALLED_AFTER seconds is known to have lost its worker."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPack, BoardPackRequest
from reports.pdf import RenderedPdf
from tests.reports.conftest import at, make_small_plan

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")
NINE = at(date(2026, 1, 5), 9)
TEN_MINUTES = timedelta(seconds=600)  # PACK_STALLED_AFTER's default
Status = BoardPackRequest.Status


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NINE, tick=False)
    return time_machine


def _stand_in(html, **kwargs):
    return RenderedPdf(b"%PDF-1.7 stand-in", 1)


def make_request(plan, requested_by, **kwargs) -> BoardPackRequest:
    """A request in any state, last changed (its heartbeat) at nine unless given."""
    kwargs.setdefault("requested_at", NINE)
    kwargs.setdefault("updated_at", kwargs["requested_at"])
    return BoardPackRequest.objects.create(
        plan=plan, quarter=Q3.slug, period=Q3.label, requested_by=requested_by, **kwargs
    )


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


@pytest.mark.parametrize(
    "quiet_for, stalled",
    [
        (TEN_MINUTES - timedelta(microseconds=1), False),
        (TEN_MINUTES, False),
        (TEN_MINUTES + timedelta(microseconds=1), True),
    ],
)
def test_a_rendering_request_stalls_once_quiet_for_longer_than_the_limit(
    plan, business_support, quiet_for, stalled
):
    pack_request = make_request(plan, business_support, status=Status.RENDERING)
    found = BoardPackRequest.objects.stalled(now=NINE + quiet_for)
    assert list(found) == ([pack_request] if stalled else [])


def test_the_limit_is_the_pack_stalled_after_setting(plan, business_support, settings):
    settings.PACK_STALLED_AFTER = 60
    pack_request = make_request(plan, business_support, status=Status.RENDERING)
    assert not BoardPackRequest.objects.stalled(now=NINE + timedelta(seconds=60)).exists()
    assert BoardPackRequest.objects.stalled(now=NINE + timedelta(seconds=61)).get() == pack_request


def test_the_reaper_marks_only_stalled_rendering_requests_failed(
    plan, business_support, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(services, "render_pdf", _stand_in)
    kept = services.board_pack_create(plan=plan, quarter=Q3, produced_by=business_support)
    finished = NINE + timedelta(minutes=1)
    stalled = make_request(plan, business_support, status=Status.RENDERING, progress="Joining")
    left_alone = [
        make_request(plan, business_support, status=Status.QUEUED),
        make_request(plan, business_support, status=Status.READY, pack=kept, finished_at=finished),
        make_request(
            plan, business_support, status=Status.FAILED, error="Refused", finished_at=finished
        ),
        make_request(
            plan, business_support, status=Status.RENDERING, updated_at=NINE + TEN_MINUTES
        ),
    ]
    before = list(BoardPackRequest.objects.filter(pk__in=[r.pk for r in left_alone]).values())
    now = NINE + TEN_MINUTES + timedelta(seconds=1)

    with django_assert_num_queries(1):  # one UPDATE
        assert services.board_pack_requests_reap(now=now) == 1

    stalled.refresh_from_db()
    assert stalled.status == Status.FAILED
    assert stalled.error == (
        "The pack worker stopped while producing this pack, so it was not produced. "
        "Produce it again."
    )
    assert stalled.finished_at == stalled.updated_at == now
    assert stalled.progress == "" and stalled.pack is None
    assert list(BoardPackRequest.objects.filter(pk__in=[r.pk for r in left_alone]).values()) == (
        before
    )
    assert list(BoardPack.objects.all()) == [kept]  # nothing kept for the stalled request


def test_reaping_again_finds_nothing(plan, business_support):
    make_request(plan, business_support, status=Status.RENDERING)
    later = NINE + timedelta(hours=1)
    assert services.board_pack_requests_reap(now=later) == 1
    assert services.board_pack_requests_reap(now=later + timedelta(hours=1)) == 0


def test_a_worker_reaps_stalled_requests_before_producing_its_own(
    plan, business_support, clock, monkeypatch
):
    abandoned = make_request(plan, business_support, status=Status.RENDERING)
    clock.shift(timedelta(hours=1))
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    seen = []

    def render(html, **kwargs):
        seen.append(BoardPackRequest.objects.get(pk=abandoned.pk).status)
        return _stand_in(html)

    monkeypatch.setattr(services, "render_pdf", render)
    services.board_pack_request_run(request_id=pack_request.pk)

    assert seen == [Status.FAILED]
    abandoned.refresh_from_db()
    assert abandoned.error.startswith("The pack worker stopped")
    assert abandoned.finished_at == NINE + timedelta(hours=1)
    pack_request.refresh_from_db()
    assert pack_request.status == Status.READY


def test_a_worker_leaves_a_rendering_request_that_is_still_moving(
    plan, business_support, clock, monkeypatch
):
    other = make_request(plan, business_support, status=Status.RENDERING)
    clock.shift(TEN_MINUTES)
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    monkeypatch.setattr(services, "render_pdf", _stand_in)
    services.board_pack_request_run(request_id=pack_request.pk)
    other.refresh_from_db()
    assert other.status == Status.RENDERING


def _reap(*args) -> str:
    out = io.StringIO()
    call_command("reap_board_packs", *args, stdout=out)
    return out.getvalue()


def test_the_command_says_how_many_it_marked_failed(plan, business_support, clock):
    for _ in range(2):
        make_request(plan, business_support, status=Status.RENDERING)
    make_request(plan, business_support, status=Status.QUEUED)
    clock.shift(timedelta(hours=1))

    assert _reap() == "Marked 2 stalled Board pack requests as failed.\n"
    assert BoardPackRequest.objects.filter(status=Status.FAILED).count() == 2
    assert _reap() == "Marked 0 stalled Board pack requests as failed.\n"


def test_the_command_run_quietly_speaks_only_when_it_marked_something(
    plan, business_support, clock
):
    make_request(plan, business_support, status=Status.RENDERING)
    clock.shift(timedelta(hours=1))

    assert _reap("-v", "0") == "Marked 1 stalled Board pack request as failed.\n"
    assert _reap("-v", "0") == ""

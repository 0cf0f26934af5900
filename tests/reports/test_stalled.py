"""A pack worker that dies mid-render (killed, restarted, out of memory) leaves its request
rendering. Every change to a request moves its heartbeat, updated_at, so that a request rendering
with no change for PACK_STALLED_AFTER seconds is known to have lost its worker."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPack, BoardPackRequest
from reports.pdf import RenderedPdf
from reports.tasks import produce_board_pack
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
    # Another quarter's pack: the same one, still rendering, would be the pending request.
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3.previous(), requested_by=business_support
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


def _pack_list(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("reports:pack-list")).content.decode()


REFRESH = '<meta http-equiv="refresh"'
STALLED = (
    "Stalled</strong> The pack worker stopped responding at 5 Jan 2026, 09:00, so this pack "
    "will not be finished. Produce it again; this request will be marked failed."
)
WORKER_HINT = "It may not be running: ask your system administrator to check"


def test_the_list_says_a_pack_has_stalled_and_stops_reloading_for_it(
    client, plan, business_support, clock
):
    make_request(plan, business_support, status=Status.RENDERING, progress="Joining 40 pages")
    clock.shift(TEN_MINUTES + timedelta(seconds=1))

    html = _pack_list(client, business_support)

    assert STALLED in html
    assert "Joining 40 pages" not in html
    assert REFRESH not in html
    assert "updates itself" not in html
    assert BoardPackRequest.objects.get().status == Status.RENDERING  # the page writes nothing


def test_at_the_limit_a_rendering_pack_is_not_yet_stalled(client, plan, business_support, clock):
    make_request(plan, business_support, status=Status.RENDERING, progress="Joining 40 pages")
    clock.shift(TEN_MINUTES)

    html = _pack_list(client, business_support)

    assert "Rendering</strong>: Joining 40 pages" in html
    assert "Stalled" not in html
    assert REFRESH in html


def test_the_list_still_reloads_for_a_live_pack_beside_a_stalled_one(
    client, plan, business_support, clock
):
    make_request(plan, business_support, status=Status.RENDERING)
    clock.shift(timedelta(hours=1))
    make_request(plan, business_support, status=Status.RENDERING, requested_at=timezone.now())

    html = _pack_list(client, business_support)

    assert html.count("Stalled</strong>") == 1
    assert html.count("Rendering</strong>") == 1
    assert REFRESH in html


def test_a_pack_queued_too_long_asks_for_the_worker_to_be_checked(
    client, plan, business_support, clock
):
    make_request(plan, business_support, status=Status.QUEUED)
    clock.shift(timedelta(minutes=25))

    html = _pack_list(client, business_support)

    assert "Queued</strong>: waiting for the pack worker for 25\xa0minutes. " + WORKER_HINT in html
    assert REFRESH in html  # it runs as soon as a worker starts


def test_a_pack_queued_for_a_short_while_gives_no_hint(client, plan, business_support, clock):
    make_request(plan, business_support, status=Status.QUEUED)
    clock.shift(TEN_MINUTES)

    html = _pack_list(client, business_support)

    assert "Queued</strong>: waiting for the pack worker" in html
    assert "waiting for the pack worker for" not in html
    assert WORKER_HINT not in html


def test_a_stalled_pack_can_be_produced_again(
    client, plan, business_support, clock, monkeypatch, django_capture_on_commit_callbacks
):
    stalled = make_request(plan, business_support, status=Status.RENDERING)
    clock.shift(timedelta(hours=1))
    client.force_login(business_support)
    with django_capture_on_commit_callbacks():
        client.post(reverse("reports:pack-new"), {"plan": plan.slug, "quarter": Q3.slug})
    again = BoardPackRequest.objects.exclude(pk=stalled.pk).get()
    monkeypatch.setattr(services, "render_pdf", _stand_in)

    produce_board_pack.call(again.pk)

    stalled.refresh_from_db()
    again.refresh_from_db()
    assert stalled.status == Status.FAILED
    assert (again.plan, again.quarter, again.status) == (plan, Q3.slug, Status.READY)
    html = _pack_list(client, business_support)
    assert "Failed</strong> The pack worker stopped while producing this pack" in html
    assert reverse("reports:pack-download", args=[again.pack.pk]) in html
    assert REFRESH not in html


def test_pack_list_with_stalled_and_waiting_requests_has_a_fixed_query_count(
    client, plan, business_support, clock, django_assert_num_queries
):
    for status in [Status.RENDERING, Status.RENDERING, Status.QUEUED, Status.QUEUED]:
        make_request(plan, business_support, status=status)
    clock.shift(timedelta(hours=1))
    for status in [Status.RENDERING, Status.QUEUED]:
        make_request(plan, business_support, status=status, requested_at=timezone.now())
    client.force_login(business_support)
    url = reverse("reports:pack-list")
    client.get(url)
    # session, user, the second factor (accounts.middleware), the user's groups (permission and
    # nav), the nav's "chairs a body?" check, requests (+plan, requester, and whether each has
    # stalled or waited long), packs
    with django_assert_num_queries(7):
        html = client.get(url).content.decode()
    assert html.count("Stalled</strong>") == 2
    assert html.count(WORKER_HINT) == 2
    assert html.count("Rendering</strong>") == 1


def test_a_worker_marked_stalled_that_was_only_slow_keeps_nothing(
    plan, business_support, clock, monkeypatch, settings, caplog
):
    # A step slower than PACK_STALLED_AFTER: another worker (or the command) marks the request
    # failed meanwhile. People were told to produce it again, so it stays failed.
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )

    def slow_render(html, progress):
        clock.shift(TEN_MINUTES + timedelta(seconds=1))
        assert services.board_pack_requests_reap(now=timezone.now()) == 1
        progress("Writing the PDF")
        return _stand_in(html)

    monkeypatch.setattr(services, "render_pdf", slow_render)
    with pytest.raises(services.RequestNotRenderingError, match="raise PACK_STALLED_AFTER"):
        services.board_pack_request_run(request_id=pack_request.pk)

    pack_request.refresh_from_db()
    assert pack_request.status == Status.FAILED
    assert pack_request.error == services.STALLED_MESSAGE
    assert pack_request.progress == "" and pack_request.finished_at == NINE + TEN_MINUTES + (
        timedelta(seconds=1)
    )
    assert not BoardPack.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    assert "raise PACK_STALLED_AFTER" in caplog.text  # the worker's log says what to change

"""Packs are produced in the background: the request is queued, the worker renders it, and the
pack list shows its progress and then the kept pack (or a clear failure)."""

import io
import logging
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPack, BoardPackRequest
from reports.pdf import PackRenderError
from reports.tasks import produce_board_pack
from tests.reports.conftest import make_small_plan

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


def _request_pack(client, plan, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("reports:pack-new"), {"plan": plan.slug, "quarter": Q3.slug}, follow=True
        )
    return response, callbacks


def test_producing_queues_the_pack_and_the_list_shows_it_pending(
    client, plan, business_support, django_capture_on_commit_callbacks
):
    response, callbacks = _request_pack(
        client, plan, business_support, django_capture_on_commit_callbacks
    )

    pack_request = BoardPackRequest.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reports:pack-list")
    assert pack_request.status == BoardPackRequest.Status.QUEUED
    assert pack_request.requested_by == business_support
    assert len(callbacks) == 1  # the task is enqueued once the request is committed
    assert not BoardPack.objects.exists()
    html = response.content.decode()
    assert "Board pack for Q3 2015/16: 1 October - 31 December 2015 queued" in html
    assert "Queued</strong>: waiting for the pack worker" in html
    assert '<meta http-equiv="refresh" content="3">' in html  # only while something is pending


def test_the_worker_renders_a_queued_pack_and_the_list_offers_it(
    client, plan, business_support, django_capture_on_commit_callbacks
):
    _request_pack(client, plan, business_support, django_capture_on_commit_callbacks)
    pack_request = BoardPackRequest.objects.get()

    pack_id = produce_board_pack.call(pack_request.pk)

    pack_request.refresh_from_db()
    pack = BoardPack.objects.get()
    assert pack_id == pack.pk
    assert pack_request.status == BoardPackRequest.Status.READY
    assert pack_request.pack == pack and pack_request.finished_at
    assert pack.produced_by == business_support
    assert pack.as_of == date(2015, 12, 31)
    content = pack.read_verified()
    assert len(PdfReader(io.BytesIO(content)).pages) == pack.page_count
    html = client.get(reverse("reports:pack-list")).content.decode()
    assert reverse("reports:pack-download", args=[pack.pk]) in html
    assert "Being produced" not in html  # nothing pending, nothing failed
    assert 'http-equiv="refresh"' not in html


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_queued_task(client, plan, business_support, monkeypatch):
    # The real backend end to end: the request commits, the task is stored in the database,
    # and `manage.py db_worker --batch` (what ./run.sh serve starts) picks it up. Transactional,
    # because the worker commits and closes connections as it does in production.
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: _stand_in())
    client.force_login(business_support)
    client.post(reverse("reports:pack-new"), {"plan": plan.slug, "quarter": Q3.slug})
    assert DBTaskResult.objects.get().task_path == "reports.tasks.produce_board_pack"

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert BoardPackRequest.objects.get().status == BoardPackRequest.Status.READY
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def _stand_in():
    from reports.pdf import RenderedPdf

    return RenderedPdf(b"%PDF-1.7 stand-in", 1)


def test_progress_is_recorded_while_rendering(plan, business_support, monkeypatch):
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    seen = []

    def render(html, progress):
        progress("Laying out the pages")
        seen.append(BoardPackRequest.objects.get(pk=pack_request.pk).progress)
        return _stand_in()

    monkeypatch.setattr(services, "render_pdf", render)
    services.board_pack_request_run(request_id=pack_request.pk)
    assert seen == ["Laying out the pages"]
    pack_request.refresh_from_db()
    assert pack_request.status == BoardPackRequest.Status.READY and pack_request.progress == ""


def test_a_rendering_failure_is_shown_and_leaves_no_pack(
    client, plan, business_support, monkeypatch, settings
):
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )

    def refuse(html, **kwargs):
        raise PackRenderError("Board packs load only the app's static files, not 'file:///x'")

    monkeypatch.setattr(services, "render_pdf", refuse)
    with pytest.raises(PackRenderError):
        produce_board_pack.call(pack_request.pk)

    pack_request.refresh_from_db()
    assert pack_request.status == BoardPackRequest.Status.FAILED
    assert pack_request.pack is None and pack_request.finished_at
    assert not BoardPack.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    client.force_login(business_support)
    html = client.get(reverse("reports:pack-list")).content.decode()
    assert "Failed</strong> Board packs load only the app&#x27;s static files" in html
    assert 'http-equiv="refresh"' not in html


def test_a_failure_to_keep_leaves_no_row_no_file_and_a_failed_request(
    plan, business_support, monkeypatch, settings, caplog
):
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: _stand_in())
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )

    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(BoardPack.objects, "create", refuse)
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
        produce_board_pack.call(pack_request.pk)

    pack_request.refresh_from_db()
    assert pack_request.status == BoardPackRequest.Status.FAILED
    assert pack_request.error.startswith("Producing the pack failed unexpectedly")
    assert "database went away" not in pack_request.error  # details go to the log only
    assert "Board pack request failed" in caplog.text
    assert not BoardPack.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_a_requester_who_lost_the_right_to_produce_packs_gets_nothing(
    plan, business_support, monkeypatch
):
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: _stand_in())
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    business_support.groups.clear()

    with pytest.raises(PermissionError):
        produce_board_pack.call(pack_request.pk)

    pack_request.refresh_from_db()
    assert pack_request.status == BoardPackRequest.Status.FAILED
    assert "may no longer produce Board packs" in pack_request.error
    assert not BoardPack.objects.exists()


def test_a_request_runs_once(plan, business_support, monkeypatch):
    monkeypatch.setattr(services, "render_pdf", lambda html, **kwargs: _stand_in())
    pack_request = services.board_pack_request_create(
        plan=plan, quarter=Q3, requested_by=business_support
    )
    produce_board_pack.call(pack_request.pk)
    assert produce_board_pack.call(pack_request.pk) is None  # delivered twice: nothing more
    assert BoardPack.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "chair", "outsider"])
def test_only_those_allowed_can_queue_a_pack(client, request, plan, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("reports:pack-new"), {"plan": plan.slug, "quarter": Q3.slug})
    assert response.status_code == 403
    assert not BoardPackRequest.objects.exists()


def test_pack_list_with_pending_requests_has_a_fixed_query_count(
    client, plan, business_support, django_assert_num_queries, settings
):
    # Five pending packs (one per quarter: one plan and quarter has one pending request).
    settings.PACK_PENDING_PER_PERSON = 5
    quarter = Q3
    for _ in range(5):
        services.board_pack_request_create(
            plan=plan, quarter=quarter, requested_by=business_support
        )
        quarter = quarter.previous()
    client.force_login(business_support)
    url = reverse("reports:pack-list")
    client.get(url)
    # session, user, the second factor (accounts.middleware), the user's groups (permission and
    # nav), the nav's "chairs a body?" check, requests (+plan, requester), packs (+plan, producer)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count("waiting for the pack worker") == 5

"""The Board pack pages: choosing, previewing, producing, listing and downloading packs.

Who may reach each of them is in the one permission matrix, tests/accounts/test_permissions.py.
"""

import hashlib
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPack
from reports.pdf import RenderedPdf
from reports.services import board_pack_create
from tests.conftest import make_user
from tests.reports.conftest import at, make_small_plan, make_update

pytestmark = pytest.mark.django_db

Q3 = Quarter.parse("2015-Q3")


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


@pytest.fixture
def kept_pack(plan, business_support, monkeypatch):
    """A kept pack whose PDF is a stand-in, so that pages that only list or serve it stay fast."""
    monkeypatch.setattr(
        services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 stand-in", 1)
    )
    return board_pack_create(plan=plan, quarter=Q3, produced_by=business_support)


def test_unknown_pack_is_404_for_those_allowed_and_403_for_others(
    client, business_support, outsider
):
    url = reverse("reports:pack-download", args=[999999])
    client.force_login(business_support)
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_a_kept_pack_never_changes_when_statuses_change(client, plan, business_support):
    pack = board_pack_create(plan=plan, quarter=Q3, produced_by=business_support)
    client.force_login(business_support)
    first = client.get(reverse("reports:pack-download", args=[pack.pk]))

    # A late update, dated in the quarter, changes what a new pack would say.
    make_update(plan.actions.get(), "red", at(date(2015, 12, 20)))
    again = client.get(reverse("reports:pack-download", args=[pack.pk]))
    newer = board_pack_create(plan=plan, quarter=Q3, produced_by=business_support)

    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == (
        f'attachment; filename="{plan.slug}-board-pack-2015-Q3.pdf"'
    )
    assert "no-store" in first["Cache-Control"]
    assert hashlib.sha256(first.content).hexdigest() == pack.sha256
    assert again.content == first.content
    assert newer.sha256 != pack.sha256
    assert "No action was Red or overdue" in _pdf_text(first.content)
    assert "(1 Red, 0 overdue)" in _pdf_text(newer.read_verified())


def _pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_a_tampered_file_is_not_served(client, kept_pack, business_support):
    with kept_pack.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 something else")
    client.raise_request_exception = False
    client.force_login(business_support)
    response = client.get(reverse("reports:pack-download", args=[kept_pack.pk]))
    assert response.status_code == 500


def test_new_pack_page_offers_the_plans_quarters_with_the_last_complete_one_chosen(
    client, wscb_plan, board_member
):
    client.force_login(board_member)
    html = client.get(reverse("reports:pack-new")).content.decode()
    assert '<option value="2015-Q3">Q3 2015/16: 1 October - 31 December 2015</option>' in html
    assert '<option value="2016-Q4" selected>' in html
    assert "2017-Q1" not in html


def test_new_pack_page_stops_at_the_quarter_now_running(client, wscb_plan, board_member):
    with time_machine.travel(datetime(2016, 1, 10, 12, tzinfo=UTC), tick=False):
        client.force_login(board_member)
        html = client.get(reverse("reports:pack-new")).content.decode()
    assert '<option value="2015-Q3" selected>' in html
    assert '<option value="2015-Q4">' in html  # running, so offered but not chosen
    assert "2016-Q1" not in html


def test_preview_of_a_quarter_still_running_says_so(client, wscb_plan, board_member):
    with time_machine.travel(datetime(2015, 11, 20, 12, tzinfo=UTC), tick=False):
        client.force_login(board_member)
        response = client.get(
            reverse("reports:pack-preview"), {"plan": wscb_plan.slug, "quarter": "2015-Q3"}
        )
    html = response.content.decode()
    assert "20 November 2015 (the quarter had not ended when this pack was produced)" in html


def test_preview_button_redirects_to_the_preview_page(client, plan, board_member):
    client.force_login(board_member)
    response = client.post(
        reverse("reports:pack-new"), {"plan": plan.slug, "quarter": Q3.slug, "preview": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('reports:pack-preview')}?plan={plan.slug}&quarter=2015-Q3"
    )
    assert not BoardPack.objects.exists()


def test_preview_renders_the_pack_template_as_a_web_page(client, plan, board_member):
    client.force_login(board_member)
    response = client.get(
        reverse("reports:pack-preview"), {"plan": plan.slug, "quarter": "2015-Q3"}
    )
    html = response.content.decode()
    assert "Preview only" in html
    assert "Q3 2015/16: 1 October - 31 December 2015" in html
    assert "/static/reports/pack.css" in html
    assert "no-store" in response["Cache-Control"]
    assert not BoardPack.objects.exists()


def test_a_quarter_outside_the_plan_is_refused_with_a_message(client, plan, business_support):
    client.force_login(business_support)
    response = client.post(reverse("reports:pack-new"), {"plan": plan.slug, "quarter": "2013-Q1"})
    assert response.status_code == 200
    assert "Choose one of the quarters listed." in response.content.decode()
    assert not BoardPack.objects.exists()


def test_nav_links_to_packs_only_for_those_allowed(client, wscb_plan, board_member, owner):
    client.force_login(board_member)
    assert "Board packs</a>" in client.get(reverse("actionplan:plan-list")).content.decode()
    client.force_login(owner)
    assert "Board packs</a>" not in client.get(reverse("actionplan:plan-list")).content.decode()


def test_pack_list_query_count_is_fixed(
    client, plan, business_support, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 x", 1))
    for _ in range(5):
        board_pack_create(plan=plan, quarter=Q3, produced_by=make_user())
    client.force_login(business_support)
    url = reverse("reports:pack-list")
    client.get(url)  # the first request records the session's activity time
    # session, user, the second factor (accounts.middleware), the user's groups (permission and
    # nav), the nav's "chairs a body?" check, requests still pending or failed (+plan, requester),
    # packs (+plan, producer)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count("Download PDF") == 5


def test_a_failure_leaves_no_row_and_no_file(plan, business_support, monkeypatch, settings):
    monkeypatch.setattr(services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 x", 1))

    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(BoardPack.objects, "create", refuse)
    with pytest.raises(RuntimeError):
        board_pack_create(plan=plan, quarter=Q3, produced_by=business_support)
    assert not BoardPack.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]

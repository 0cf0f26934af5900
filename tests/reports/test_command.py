import io

import pytest
from django.core.management import CommandError, call_command

from reports import services
from reports.models import BoardPack
from reports.pdf import RenderedPdf
from tests.reports.conftest import make_small_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return make_small_plan(actions=1)


def _run(**options) -> str:
    out = io.StringIO()
    call_command("board_pack", stdout=out, **options)
    return out.getvalue()


def test_command_keeps_the_pack_and_writes_a_copy(plan, business_support, tmp_path):
    target = tmp_path / "pack.pdf"

    out = _run(plan=plan.slug, quarter="2015-Q3", output=str(target))

    pack = BoardPack.objects.get()
    assert pack.produced_by == business_support  # the first business-support user
    assert pack.period == "Q3 2015/16: 1 October - 31 December 2015"
    assert target.read_bytes() == pack.read_verified()
    assert f"{pack.page_count} pages" in out
    assert pack.sha256 in out


def test_command_records_the_named_producer(plan, business_support, board_member, monkeypatch):
    monkeypatch.setattr(services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 x", 1))
    _run(plan=plan.slug, quarter="2015q3", user="board")
    assert BoardPack.objects.get().produced_by == board_member


def test_unknown_plan_is_a_clear_error(plan, business_support):
    with pytest.raises(CommandError, match="No plan 'nope'. Plans: ") as error:
        _run(plan="nope", quarter="2015-Q3")
    assert plan.slug in str(error.value)


@pytest.mark.parametrize("quarter", ["Q3 2015", "2015-Q5", "2015/16 Q3", "October 2015"])
def test_malformed_quarter_explains_the_naming(plan, business_support, quarter):
    with pytest.raises(CommandError) as error:
        _run(plan=plan.slug, quarter=quarter)
    assert "financial year starts in (April)" in str(error.value)
    assert "2015-Q3 = October-December 2015" in str(error.value)


def test_a_quarter_not_yet_begun_is_refused(plan, business_support):
    with pytest.raises(CommandError, match="has not started yet"):
        _run(plan=plan.slug, quarter="2999-Q1")


def test_without_a_business_support_user_asks_for_one(plan):
    with pytest.raises(CommandError, match="pass --user USERNAME"):
        _run(plan=plan.slug, quarter="2015-Q3")


def test_a_producer_who_may_not_produce_packs_is_refused(plan, owner):
    with pytest.raises(CommandError, match="owner cannot produce Board packs"):
        _run(plan=plan.slug, quarter="2015-Q3", user="owner")
    assert not BoardPack.objects.exists()

"""Board business support land on a page of their own work: packs, the plan, people."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.two_factor import authenticator_of
from actionplan.quarters import Quarter
from reports import services
from reports.models import BoardPackRequest
from reports.pdf import RenderedPdf
from tests.conftest import PASSWORD, make_action, make_plan, make_role, totp_code
from tests.reports.conftest import at, make_small_plan, make_update

pytestmark = pytest.mark.django_db


def test_business_support_land_on_their_own_work_after_signing_in(client, business_support):
    client.post(reverse("login"), {"username": "support", "password": PASSWORD})
    code = totp_code(authenticator_of(business_support))
    response = client.post(reverse("accounts:two-factor-verify"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:support-home")
    html = response.content.decode()
    assert "<h1>Business support</h1>" in html
    for link in [reverse("reports:pack-new"), reverse("reports:pack-list"),
                 reverse("actionplan:person-list"),
                 reverse("admin:actionplan_ownerrole_changelist"),
                 reverse("admin:actionplan_action_changelist")]:  # fmt: skip
        assert f'href="{link}"' in html


def test_support_home_counts_the_work(client, business_support, monkeypatch, time_machine):
    time_machine.move_to("2015-11-15 12:00 +0000", tick=False)  # Q3 2015/16
    monkeypatch.setattr(
        services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 stand-in", 1)
    )
    small = make_small_plan(actions=3)  # each updated on 1 November: none needs an update
    make_update(small.actions.first(), "amber", at(date(2015, 9, 1)))  # older, not latest
    services.board_pack_create(
        plan=small, quarter=Quarter.parse("2015-Q2"), produced_by=business_support
    )
    BoardPackRequest.objects.create(
        plan=small, quarter="2015-Q3", period="Q3 2015/16", requested_by=business_support
    )
    client.force_login(business_support)
    html = client.get(reverse("reports:support-home")).content.decode()
    assert "The latest kept pack is for Q2 2015/16" in html and "(Small test plan)" in html
    assert "1 pack being produced." in html
    assert "Small test plan</a>: 3 actions, 0 still need an update for Q3 2015/16" in html
    assert (
        "Child Sexual Exploitation (CSE) Action Plan for Implementation 2015-18</a>: 42 actions, "
        "42 still need an update for Q3 2015/16" in html
    )


def test_support_home_without_staff_access_points_to_an_administrator(client, business_support):
    business_support.is_staff = False
    business_support.save()
    client.force_login(business_support)
    html = client.get(reverse("reports:support-home")).content.decode()
    assert "ask an administrator to give your account access" in html
    assert reverse("admin:accounts_user_changelist") not in html


def test_support_home_query_count_is_fixed(
    client, business_support, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(
        services, "render_pdf", lambda html, **_: RenderedPdf(b"%PDF-1.7 stand-in", 1)
    )
    for number in range(8):
        plan = make_plan(title=f"Plan {number}")
        for _ in range(number % 3):
            make_action(plan=plan, owners=[make_role()])
        services.board_pack_create(
            plan=plan, quarter=Quarter.parse("2015-Q3"), produced_by=business_support
        )
    client.force_login(business_support)
    url = reverse("reports:support-home")
    client.get(url)
    # session, user, the second factor (accounts.middleware), the user's groups, the reporting
    # quarter (the plans' date range, open rounds, the latest updates: the plan's period is over),
    # the latest pack (+plan, producer), packs being produced, actions needing an update by plan,
    # plans (+action counts), active people, the nav's "chairs a body?" check
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.content.decode().count("still need") == 9  # WSCB and 8 plans

import pytest
from django.urls import reverse

from tests.conftest import WSCB_SLUG, app_url_names, make_user

pytestmark = pytest.mark.django_db


def _sample_kwargs(name, pattern, plan):
    action = plan.actions.get(reference="1.1.1")
    # pk names the URL's own object: a body for the body pages, else an action.
    pk = action.accountable_body_id if name.startswith("actionplan:body-") else action.pk
    values = {
        "slug": plan.slug,
        "pk": pk,
        "fmt": "csv",
        "uidb64": "MQ",
        "token": "x-y",
        "entry_pk": pk,
    }
    return {key: values[key] for key in pattern.pattern.regex.groupindex}


# Public on purpose: the health check (for load balancers), and the accessibility statement:
# the footer links to it from the sign-in page, and someone who cannot sign in must be able to
# read how to report it (tested below and in the matrix); and password reset, its form and its
# link, for someone who cannot sign in; and the invitation e-mail's link, for someone who has
# no password yet.
PUBLIC_URL_NAMES = {
    "healthz", "accessibility", "password_reset", "password_reset_confirm",
    "accounts:invitation-accept",
}  # fmt: skip
# Sign-out answers POST alone, from anyone (GET is 405, signed in or not): the permission
# matrix has its rows.
POST_ONLY_FOR_ANYONE = {"logout"}


def test_every_page_requires_login(client, wscb_plan):
    names = [
        (name, pattern)
        for name, pattern in app_url_names()
        if name not in PUBLIC_URL_NAMES | POST_ONLY_FOR_ANYONE
    ]
    assert len(names) >= 5
    for name, pattern in names:
        url = reverse(name, kwargs=_sample_kwargs(name, pattern, wscb_plan))
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_plan_page_lists_priorities_objectives_and_actions(client, wscb_plan):
    client.force_login(make_user())
    response = client.get(reverse("actionplan:plan-detail", args=[WSCB_SLUG]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Priority 4: Pursue and Disrupt" in html
    assert "heading not given in the source plan" in html
    actions = wscb_plan.actions.all()
    assert len(actions) == 42
    for action in actions:
        assert f">{action.reference}</a>" in html


def test_plan_page_query_count_is_fixed(client, wscb_plan, django_assert_num_queries):
    client.force_login(make_user())
    url = reverse("actionplan:plan-detail", args=[WSCB_SLUG])
    client.get(url)  # the first request records the session's activity time
    # session, user, the second factor (accounts.middleware), plan, priorities, objectives, actions
    # (+objective, priority, body, latest update, author), owner links (+role, agency), due date
    # revisions, the nav's "chairs a body?" check and the user's groups (the nav asks
    # can_produce_reports)
    with django_assert_num_queries(11):
        client.get(url)


def test_action_page_shows_every_field(client, wscb_plan):
    client.force_login(make_user())
    action = wscb_plan.actions.get(reference="1.1.3")
    html = client.get(action.get_absolute_url()).content.decode()
    assert "Undertake the campaign and evaluate it" in html
    assert "WSCB Business Support Team" in html
    assert "Increase in levels of awareness" in html
    assert "Campaign: 31 January 2016" in html
    assert "Campaign : January 2016 Evaluation : March 2016" in html
    assert "Not yet rated" in html
    assert "3.1.3" in html  # related action, linked from 3.1.3's "(Links with 1.1)"


def test_unknown_action_is_404(client, wscb_plan):
    client.force_login(make_user())
    assert client.get(reverse("actionplan:action-detail", args=[999999])).status_code == 404


def test_login_page_renders_with_our_template(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Skip to main content" in response.content
    assert b'<html lang="en-GB">' in response.content


def test_accessibility_statement_is_public_and_linked_from_the_footer(client, settings, db):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@partnership.example"
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("accessibility")}"' in login_page
    response = client.get(reverse("accessibility"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Accessibility statement for Actionplan" in html
    assert 'href="mailto:access@partnership.example"' in html
    for section in ["How we test this service", "Content that may not be accessible",
                    "Reporting accessibility problems", "last reviewed on"]:  # fmt: skip
        assert section in html

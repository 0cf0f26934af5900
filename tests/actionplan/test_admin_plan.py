"""The admin's plan and priority pages list the headings under them, by number and title, each
linked to its own page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_plans_page_lists_its_priorities_with_links(admin_client, wscb_plan):
    priority = wscb_plan.priorities.order_by("number").first()
    page = admin_client.get(reverse("admin:actionplan_plan_change", args=[wscb_plan.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="priorities-0-number"' in html and 'name="priorities-0-statement"' not in html
    assert reverse("admin:actionplan_priority_change", args=[priority.pk]) in html


def test_a_prioritys_page_lists_its_objectives_with_links(admin_client, wscb_plan):
    priority = wscb_plan.priorities.order_by("number").first()
    objective = priority.objectives.order_by("sort_key").first()
    page = admin_client.get(reverse("admin:actionplan_priority_change", args=[priority.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="objectives-0-number"' in html and 'name="objectives-0-statement"' not in html
    assert reverse("admin:actionplan_objective_change", args=[objective.pk]) in html

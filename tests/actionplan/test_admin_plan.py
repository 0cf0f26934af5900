"""The admin's plan and priority pages list the headings under them, by number and title, each
linked to its own page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("level", ["plan", "priority"])
def test_a_page_lists_the_headings_under_it_with_links(admin_client, wscb_plan, level):
    priority = wscb_plan.priorities.order_by("number").first()
    parent, child, inline = (
        (wscb_plan, priority, "priorities")
        if level == "plan"
        else (priority, priority.objectives.first(), "objectives")
    )
    page = admin_client.get(reverse(f"admin:actionplan_{level}_change", args=[parent.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="{inline}-0-number"' in html and f'name="{inline}-0-statement"' not in html
    assert reverse(f"admin:actionplan_{child._meta.model_name}_change", args=[child.pk]) in html

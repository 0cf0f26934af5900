from datetime import date

import pytest
import time_machine
from django.urls import reverse

from actionplan.models import OwnerRole, Rag
from actionplan.services import due_date_revision_create, status_update_create
from tests.conftest import make_action, make_body, make_role, make_user

pytestmark = pytest.mark.django_db


def test_my_actions_lists_only_the_actions_of_roles_held(client, owner, target_action):
    client.force_login(owner)
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    role = OwnerRole.objects.get(title="Chair of Missing Children, CSE and Trafficking Group")
    refs = role.action_links.values_list("action__reference", flat=True)
    assert len(refs) == 7
    for ref in refs:
        assert f">{ref}</a>" in html
    assert ">1.1.1</a>" not in html  # a police action


def test_my_actions_sorted_by_due_date_with_status_and_overdue(client, db):
    role = make_role()
    user = make_user(username="multi")
    user.roles.add(role)
    later = make_action(owners=[role], due_date="2016-03-31", description="Later action")
    make_action(
        objective=later.objective, owners=[role], due_date="2015-09-30", description="Sooner"
    )
    status_update_create(
        action=later, author=user, rag=Rag.BLUE, commentary="Done.", expected_version=0
    )
    client.force_login(user)
    with time_machine.travel("2016-06-01 12:00 +0000", tick=False):
        html = client.get(reverse("actionplan:my-actions")).content.decode()
    html = html.split('id="needs-update"')[1]  # the lists, not the legend
    assert html.index("Sooner") < html.index("Later action")
    assert html.count("tag--overdue") == 1  # the sooner one; the later one is Blue
    assert "Not yet rated" in html and ">Blue</strong>" in html


def test_empty_state_when_owning_nothing(client, outsider):
    client.force_login(outsider)
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "You do not own any actions yet" in html


def test_home_sends_owners_to_my_actions(client, owner):
    client.force_login(owner)
    assert client.get(reverse("home"))["Location"] == reverse("actionplan:my-actions")


def test_my_actions_query_count_is_fixed(client, db, django_assert_num_queries):
    role = make_role()
    user = make_user(username="many")
    user.roles.add(role)
    body = make_body()
    first = make_action(owners=[role], accountable_body=body)
    for _ in range(30):
        action = make_action(
            objective=first.objective, owners=[role, make_role()], accountable_body=body
        )
        status_update_create(
            action=action, author=user, rag=Rag.GREEN, commentary="Fine.", expected_version=0
        )
        due_date_revision_create(
            action=action, author=user, due_date=date(2030, 1, 31), reason="Re-baselined."
        )
    client.force_login(user)
    url = reverse("actionplan:my-actions")
    client.get(url)
    # session, user, the second factor (accounts.middleware), the reporting quarter (the plans' date
    # range, open rounds, the latest updates: the plan's period is over), the user's roles (for co-
    # owners), actions (+body, latest update), their due date revisions, their owner links (+role,
    # agency), the outstanding returns of open rounds (+round, action), the nav's "chairs a body?"
    # check and the user's groups (can_update_action, asked of each card)
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.content.decode().split('id="up-to-date"')[1].count("tag--green") == 30


def test_action_page_query_count_is_fixed(client, owner, target_action, django_assert_num_queries):
    for version in range(20):
        status_update_create(
            action=target_action, author=owner, rag=Rag.GREEN, commentary=f"Update {version}.",
            expected_version=version,
        )  # fmt: skip
    client.force_login(owner)
    url = target_action.get_absolute_url()
    client.get(url)
    # session, user, the second factor (accounts.middleware), the reporting quarter (the plans' date
    # range, open rounds, the latest updates), action (+plan, objective, priority, body, latest
    # update, author), owner links (+role, agency), the roles' holders, due date revisions,
    # measures, milestones, related, can_update_action's groups, chaired bodies and held roles, the
    # next action needing an update (this one has its update for the quarter), history (+authors),
    # and its changes (plan_edits.action_changes): its own, its owners', its measures' and its
    # related actions' history records (+who); the trail's pin is in test_plan_edit_queries.py
    with django_assert_num_queries(22):
        response = client.get(url)
    assert response.content.decode().count("Update 1") == 11  # "Update 1" and "Update 10-19"


def test_what_needs_an_update_comes_first_then_the_rest_then_completed_folded(client, db):
    role, other = make_role(title="Head of Safeguarding"), make_role(title="Police lead")
    user = make_user(username="lead")
    user.roles.add(role)
    first = make_action(owners=[role], due_date="2016-09-30", description="Updated already")
    objective = first.objective
    make_action(objective=objective, owners=[role, other], due_date="2016-12-31",
                description="Needs an update, due later")  # fmt: skip
    make_action(objective=objective, owners=[role], due_date="2016-05-31",
                description="Needs an update, due sooner")  # fmt: skip
    done = [make_action(objective=objective, owners=[role], description=f"Done {n}")
            for n in range(2)]  # fmt: skip
    with time_machine.travel("2016-04-20 12:00 +0000", tick=False):  # Q1 2016/17
        status_update_create(action=first, author=user, rag=Rag.GREEN, commentary="Fine.",
                             expected_version=0)  # fmt: skip
        for action in done:
            status_update_create(action=action, author=user, rag=Rag.BLUE, commentary="Done.",
                                 expected_version=0)  # fmt: skip
        client.force_login(user)
        html = client.get(reverse("actionplan:my-actions")).content.decode()
    order = ["Need your update for Q1 2016/17 (2)", "Needs an update, due sooner",
             "Needs an update, due later", "Updated for Q1 2016/17 (1)", "Updated already",
             '<details class="completed">', "<summary>Completed actions (Blue): 2</summary>",
             "Done 0", "Done 1", "</details>"]  # fmt: skip
    position = html.index('id="needs-update"')  # after the legend
    for text in order:
        position = html.index(text, position)  # each after the one before (else ValueError)
    assert '<details class="completed" open' not in html  # folded away
    # Each card says who else owns the action (never the person's own roles).
    card = html.split("Needs an update, due later")[1].split("</li>")[0]
    assert "<dt>Co-owners</dt><dd>Police lead, Test Agency</dd>" in card
    assert "Head of Safeguarding" not in card
    card = html.split("Needs an update, due sooner")[1].split("</li>")[0]
    assert "<dt>Co-owners</dt><dd>None</dd>" in card
    assert html.count('>Update<span class="visually-hidden"> action ') == 5


def test_nothing_to_update_says_so(client, db, time_machine):
    time_machine.move_to("2016-04-20 12:00 +0000", tick=False)
    role = make_role()
    user = make_user(username="lead")
    user.roles.add(role)
    action = make_action(owners=[role])
    status_update_create(
        action=action, author=user, rag=Rag.GREEN, commentary="Fine.", expected_version=0
    )
    client.force_login(user)
    html = client.get(reverse("actionplan:my-actions")).content.decode()
    assert "Need your update for Q1 2016/17 (0)" in html
    assert "None: every action you own has an update for Q1 2016/17, or is complete." in html

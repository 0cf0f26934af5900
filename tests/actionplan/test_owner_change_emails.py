"""When actions become someone's to update, or stop being theirs, they are e-mailed as well as
told in the app (issue 17): one e-mail per person and change, sent by the background worker
through a real SMTP server (aiosmtpd) after the change commits, never twice."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from actionplan.models import OwnerChange, OwnerChangeEmail, OwnerChangeNotice, Rag
from actionplan.owner_emails import UNREACHABLE, send_due
from actionplan.services import action_owners_set, status_update_create
from actionplan.tasks import send_owner_change_emails
from tests.conftest import (
    admin_user_form_data,
    make_action,
    make_role,
    make_user,
    run_in_threads,
    run_task_worker,
)

SECRET = "Confidential: names the child at risk"


def _world():
    """`old` held by Olive and Sam, `new` by Nina and Sam; Nora (no address) and Ivy
    (inactive) hold `new` too. One action owned by `old`, with commentary never to be sent."""
    old, new = make_role(title="Old role"), make_role(title="New role")
    people = {
        name: make_user(username=name, first_name=name.title(), email=f"{name}@example.org")
        for name in ["olive", "nina", "sam"]
    }
    people["nora"] = make_user(username="nora", email="")
    people["ivy"] = make_user(username="ivy", email="ivy@example.org", is_active=False)
    old.holders.add(people["olive"], people["sam"])
    new.holders.add(people["nina"], people["sam"], people["nora"], people["ivy"])
    action = make_action(reference="2.1.4", description="Train staff in CSE", owners=[old])
    status_update_create(
        action=action, author=people["olive"], rag=Rag.GREEN, commentary=SECRET,
        expected_version=0,
    )  # fmt: skip
    return action, {"old": old, "new": new}, people


def _recipients(inbox) -> list[str]:
    return sorted(message["X-Envelope-To"] for message in inbox.messages)


@pytest.mark.django_db
def test_a_change_emails_each_person_who_gains_or_loses_it_once(
    smtp_inbox, django_capture_on_commit_callbacks
):
    action, roles, _ = _world()
    with django_capture_on_commit_callbacks() as callbacks:
        action_owners_set(action=action, roles=[roles["new"]])
    assert len(callbacks) == 1 and smtp_inbox.messages == []  # queued, not sent in the change
    assert send_owner_change_emails.call() == 2
    # Sam still holds a role of it; Nora has no address, Ivy is switched off.
    assert _recipients(smtp_inbox) == ["nina@example.org", "olive@example.org"]
    (nina,) = smtp_inbox.to("nina@example.org")
    assert nina["Subject"] == "Your actions have changed: 1 action now yours to update"
    text = nina.get_body(("plain",)).get_content()
    html = nina.get_body(("html",)).get_content()
    update = "http://127.0.0.1:8000" + reverse("actionplan:action-update", args=[action.pk])
    assert "Now yours to update" in text and update in text and "2.1.4 Train staff" in text
    assert "<h1" in html and '<h2 style="font-size: 19px;">Now yours to update</h2>' in html
    assert f'<a href="{update}">Update action 2.1.4: Train staff in CSE</a>' in html
    assert SECRET not in nina.as_string()
    (olive,) = smtp_inbox.to("olive@example.org")
    assert olive["Subject"] == "Your actions have changed: 1 action no longer yours"
    page = "http://127.0.0.1:8000" + reverse("actionplan:action-detail", args=[action.pk])
    assert f'<a href="{page}">Read action 2.1.4: Train staff in CSE</a>' in (
        olive.get_body(("html",)).get_content()
    )
    assert "Now yours" not in olive.get_body(("plain",)).get_content()
    # The worker again: nothing goes twice.
    assert send_owner_change_emails.call() == 0
    assert len(smtp_inbox.messages) == 2


@pytest.mark.django_db
def test_changes_to_many_actions_before_it_goes_make_one_email_per_person(smtp_inbox):
    """As a plan revision changes the owners of many actions, each through action_owners_set:
    the e-mail not yet sent takes the later notices too."""
    action, roles, _ = _world()
    other = make_action(objective=action.objective, reference="2.1.5", owners=[roles["old"]])
    with transaction.atomic():
        action_owners_set(action=action, roles=[roles["new"]])
        action_owners_set(action=other, roles=[roles["new"]])
    assert send_due() == 2
    assert _recipients(smtp_inbox) == ["nina@example.org", "olive@example.org"]
    (nina,) = smtp_inbox.to("nina@example.org")
    assert nina["Subject"] == "Your actions have changed: 2 actions now yours to update"
    html = nina.get_body(("html",)).get_content()
    assert "Update action 2.1.4:" in html and "Update action 2.1.5:" in html
    # Once sent, a later change makes a new e-mail.
    action_owners_set(action=other, roles=[roles["old"]])
    assert send_due() == 2 and len(smtp_inbox.messages) == 4
    assert smtp_inbox.to("nina@example.org")[-1]["Subject"].endswith("1 action no longer yours")


@pytest.mark.django_db
def test_people_without_an_address_are_told_in_the_app_only(smtp_inbox):
    action, roles, people = _world()
    action_owners_set(action=action, roles=[roles["new"]])
    notice = OwnerChangeNotice.objects.get(person=people["nora"])
    assert notice.change == OwnerChange.GAINED and notice.email is None
    assert not OwnerChangeNotice.objects.filter(person=people["ivy"]).exists()
    assert set(OwnerChangeEmail.objects.values_list("person__username", flat=True)) == {
        "nina", "olive",
    }  # fmt: skip


@pytest.mark.django_db
def test_someone_switched_off_before_it_goes_is_not_emailed(smtp_inbox):
    action, roles, people = _world()
    action_owners_set(action=action, roles=[roles["new"]])
    people["nina"].is_active = False
    people["nina"].save()
    assert send_due() == 1
    assert _recipients(smtp_inbox) == ["olive@example.org"]
    closed = OwnerChangeEmail.objects.get(person=people["nina"])
    assert closed.sent_at is not None and closed.last_error == UNREACHABLE


@pytest.mark.django_db
def test_a_role_given_on_the_people_pages_sends_one_email_listing_its_actions(
    client, business_support, smtp_inbox, django_capture_on_commit_callbacks
):
    role = make_role(title="CSE lead")
    first = make_action(owners=[role])
    actions = [first] + [make_action(objective=first.objective, owners=[role]) for _ in range(4)]
    make_action(objective=first.objective, owners=[role], retired_on=date(2015, 12, 1))
    person = make_user(username="pat", first_name="Pat", email="pat@example.org")
    client.force_login(business_support)
    url = reverse("actionplan:person-edit", args=[person.pk])
    data = {"first_name": "Pat", "last_name": "Lee", "agency": "", "job_title": "", "bodies": [],
            "access": ""}  # fmt: skip
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, data | {"roles": [role.pk]})
    assert response.status_code == 302 and len(callbacks) == 1
    assert smtp_inbox.messages == []  # never from the request
    assert OwnerChangeNotice.objects.filter(person=person, change=OwnerChange.GAINED).count() == 5
    assert send_due() == 1
    (message,) = smtp_inbox.messages
    assert message["Subject"] == "Your actions have changed: 5 actions now yours to update"
    html = message.get_body(("html",)).get_content()
    assert html.count("Update action ") == 5
    assert all(f"Update action {action.reference}:" in html for action in actions)
    client.force_login(person)
    page = client.get(reverse("actionplan:my-actions")).content.decode()
    assert page.count("is now yours to update") == 5
    # Taking the role away: one more e-mail, listing what they lost.
    client.force_login(business_support)
    client.post(url, data | {"roles": []})
    assert send_due() == 1
    assert (
        smtp_inbox.messages[-1]["Subject"] == "Your actions have changed: 5 actions no longer yours"
    )


@pytest.mark.django_db
def test_an_edit_that_leaves_the_roles_alone_tells_nobody(client, business_support, owner):
    client.force_login(business_support)
    data = {"first_name": "Changed", "last_name": "Owner", "agency": "",
            "job_title": "", "bodies": [], "access": "",
            "roles": list(owner.roles.values_list("pk", flat=True))}  # fmt: skip
    response = client.post(reverse("actionplan:person-edit", args=[owner.pk]), data)
    assert response.status_code == 302
    assert not OwnerChangeNotice.objects.exists() and not OwnerChangeEmail.objects.exists()


@pytest.mark.django_db
def test_a_role_given_in_the_admin_tells_the_person(admin_client, smtp_inbox):
    role = make_role()
    make_action(owners=[role])
    person = make_user(username="pat", email="pat@example.org")
    url = reverse("admin:actionplan_ownerrole_change", args=[role.pk])
    data = {"title": role.title, "agency": role.agency_id, "holders": [person.pk]}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert OwnerChangeNotice.objects.get(person=person).change == OwnerChange.GAINED
    assert send_due() == 1 and _recipients(smtp_inbox) == ["pat@example.org"]


@pytest.mark.django_db
def test_a_role_given_on_the_admins_user_page_tells_the_person(admin_client, smtp_inbox):
    from actionplan.models import OwnerRole

    role = make_role()
    make_action(owners=[role])
    person = make_user(username="pat", email="pat@example.org")
    through = OwnerRole.holders.through
    field = through._meta.get_field("user")  # the inline's prefix, as admin_user_form_data's
    prefix = field.remote_field.get_accessor_name(model=through).replace("+", "")
    data = admin_user_form_data(person) | {
        f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-0-ownerrole": role.pk, f"{prefix}-0-user": person.pk,
    }  # fmt: skip
    response = admin_client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(person.roles.all()) == [role]
    assert OwnerChangeNotice.objects.get(person=person).change == OwnerChange.GAINED
    assert send_due() == 1 and _recipients(smtp_inbox) == ["pat@example.org"]


@pytest.mark.django_db
def test_smtp_down_is_retried_after_a_back_off_and_delivers_each_once(smtp_inbox):
    action, roles, _ = _world()
    action_owners_set(action=action, roles=[roles["new"]])
    now = timezone.now()
    smtp_inbox.stop()
    assert send_due(now=now) == 0
    waiting = list(OwnerChangeEmail.objects.filter(sent_at__isnull=True))
    assert len(waiting) == 2
    for email in waiting:
        assert email.attempts == 1 and email.claimed_at is None and email.last_error
        assert email.next_attempt_at == now + timedelta(seconds=60)
    smtp_inbox.start()
    assert send_due(now=now + timedelta(seconds=30)) == 0  # still backing off
    # What cron runs sends what still waits.
    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        call_command("run_rounds", "--now")
    assert _recipients(smtp_inbox) == ["nina@example.org", "olive@example.org"]
    assert send_due(now=now + timedelta(minutes=3)) == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_once_the_change_commits(smtp_inbox):
    action, roles, _ = _world()
    with transaction.atomic():
        action_owners_set(action=action, roles=[roles["new"]])
        assert not OwnerChangeEmail.objects.filter(sent_at__isnull=False).exists()
    assert smtp_inbox.messages == []
    run_task_worker()
    assert _recipients(smtp_inbox) == ["nina@example.org", "olive@example.org"]
    run_task_worker()
    call_command("run_rounds")  # nothing waits: queues nothing for owner changes
    run_task_worker()
    assert len(smtp_inbox.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(smtp_inbox):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers: run on PostgreSQL (SQLite serialises them anyway)")
    action, roles, _ = _world()
    action_owners_set(action=action, roles=[roles["new"]])
    results = []
    assert run_in_threads(lambda _: results.append(send_due()), 2) == []
    assert sorted(results) in ([0, 2], [1, 1])
    assert _recipients(smtp_inbox) == ["nina@example.org", "olive@example.org"]

"""Keeping a plan current in the app (issue 15): business support add, edit, retire and
reinstate actions and add priorities and objectives through the pages; each change is in the
action's audit trail; bad input changes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from actionplan.models import Action, ActionOwner, Measure, Objective, OwnerRole, Priority
from actionplan.plan_edit_forms import ActionForm
from actionplan.plan_edits import action_changes, action_retire
from actionplan.quarters import Quarter
from actionplan.services import ReportedValue, measure_values_record, status_update_create
from tests.conftest import WSCB_SLUG, make_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_client(client, business_support):
    client.force_login(business_support)
    return client


def edit_url(action, name="actionplan:action-edit"):
    return reverse(name, kwargs={"pk": action.pk})


def form_data(action, **changes) -> dict:
    """What the edit form posts when its fields are left as shown, with `changes`."""
    form = ActionForm(plan=action.plan, action=action)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, date):
            value = value.isoformat()
        data[name] = value
    data["reason"] = "Agreed by the Board on 12 January 2016"
    return data | changes


def snapshot(action) -> tuple:
    """Everything the edit form can change, as stored."""
    action = Action.objects.get(pk=action.pk)
    return (
        tuple(
            getattr(action, name)
            for name in (
                "description",
                "reference",
                "objective_id",
                "accountable_body_id",
                "timeframe",
                "due_date",
                "start_date",
                "retired_on",
            )
        ),  # fmt: skip
        list(action.owner_links.order_by("order").values_list("role_id", flat=True)),
        list(action.measures.order_by("order").values_list("text", flat=True)),
        sorted(action.related.values_list("pk", flat=True)),
        action.history.count(),
    )


def test_editing_the_timeframe_fills_the_due_date_from_it_and_says_what_changed(
    support_client, target_action, business_support
):
    data = form_data(target_action, timeframe="End March 2017", due_date="")
    response = support_client.post(edit_url(target_action), data, follow=True)

    target_action.refresh_from_db()
    assert (target_action.timeframe, target_action.due_date) == (
        "End March 2017",
        date(2017, 3, 31),
    )
    html = response.content.decode()
    assert f"Action {target_action.reference} saved: timeframe and due date changed." in html
    assert "Changes to this action" in html and "End March 2017" in html
    assert "Agreed by the Board on 12 January 2016" in html
    change = action_changes(target_action)[0]
    assert (change.by, change.reason) == ("support", "Agreed by the Board on 12 January 2016")
    assert {(f.label, f.after) for f in change.fields} == {
        ("timeframe", "End March 2017"),
        ("due date", "31 Mar 2017"),
    }


def test_a_given_due_date_is_kept_and_an_undated_timeframe_leaves_none(
    support_client, target_action
):
    support_client.post(edit_url(target_action), form_data(target_action, due_date="2016-06-30"))
    target_action.refresh_from_db()
    assert target_action.due_date == date(2016, 6, 30)

    support_client.post(edit_url(target_action), form_data(target_action, timeframe="Ongoing",
                                                           due_date=""))  # fmt: skip
    target_action.refresh_from_db()
    assert (target_action.timeframe, target_action.due_date) == ("Ongoing", None)


def test_changing_owners_shows_only_the_real_changes(support_client, target_action):
    kept = target_action.owner_links.get().role
    police = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    data = form_data(target_action, owner_1=str(police.pk), owner_2=str(kept.pk))

    support_client.post(edit_url(target_action), data)

    links = ActionOwner.objects.filter(action=target_action).order_by("order")
    assert [link.role for link in links] == [police, kept]
    trail = [(c.what, c.detail) for c in action_changes(target_action)]
    assert ("Owner added", str(police)) in trail
    assert ("Owner moved", f"{kept}, now second") in trail
    assert not any(what == "Owner removed" for what, _ in trail)


def test_owners_may_not_repeat(support_client, target_action):
    role = str(target_action.owner_links.get().role_id)
    before = snapshot(target_action)
    response = support_client.post(edit_url(target_action),
                                   form_data(target_action, owner_2=role))  # fmt: skip
    assert "Choose each owner role once." in response.content.decode()
    assert snapshot(target_action) == before


def test_accountable_body_objective_and_reference_changes_name_what_they_were(
    support_client, target_action
):
    objective = Objective.objects.get(priority__plan=target_action.plan, number="1.1")
    body = target_action.accountable_body
    other_body = type(body).objects.exclude(pk=body.pk).first()
    data = form_data(target_action, objective=str(objective.pk),
                     accountable_body=str(other_body.pk), reference="1.1.9")  # fmt: skip

    support_client.post(edit_url(target_action), data)

    rows = {f.label: (f.before, f.after) for f in action_changes(target_action)[0].fields}
    assert rows["accountable body"] == (body.name, other_body.name)
    assert rows["objective"][1] == str(objective)
    assert rows["ref"] == ("2.1.1", "1.1.9")


def test_reference_must_be_free_in_the_plan_and_written_as_numbers(support_client, target_action):
    before = snapshot(target_action)
    for reference, message in [
        ("1.1.1", "Action 1.1.1 is already in this plan."),
        ("R3", "Write the reference as numbers and dots"),
    ]:
        response = support_client.post(edit_url(target_action),
                                       form_data(target_action, reference=reference))  # fmt: skip
        html = response.content.decode()
        assert message in html and "There is a problem" in html
    assert snapshot(target_action) == before


def test_bad_input_in_one_part_changes_nothing_in_the_others(support_client, target_action):
    """The start date after the due date is refused by the model's rule, after the form: the
    owners, measures and related actions posted with it are not written either."""
    police = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    other = target_action.plan.actions.exclude(pk=target_action.pk).first()
    before = snapshot(target_action)
    data = form_data(
        target_action, start_date="2017-01-01", due_date="2016-01-31", owner_2=str(police.pk),
        new_measure_1="A new measure", related=[str(other.pk)], timeframe="Changed",
    )  # fmt: skip

    response = support_client.post(edit_url(target_action), data)

    assert response.status_code == 200
    assert "The start date must be on or before the due date." in response.content.decode()
    assert snapshot(target_action) == before


def test_measures_are_added_changed_and_removed_with_the_trail(support_client, target_action):
    Measure.objects.create(action=target_action, text="Protocol in use", order=9)
    first, second = target_action.measures.order_by("order")[:2]
    data = form_data(target_action, **{
        f"measure_{first.pk}": "Flagging protocol agreed by all three agencies",
        f"measure_{second.pk}": "",
        "new_measure_1": "Audit of flags in six months",
    })  # fmt: skip

    response = support_client.post(edit_url(target_action), data, follow=True)

    texts = list(target_action.measures.order_by("order").values_list("text", flat=True))
    assert texts[0] == "Flagging protocol agreed by all three agencies"
    assert second.text not in texts and texts[-1] == "Audit of flags in six months"
    trail = action_changes(target_action)
    changed = [c for c in trail if c.what == "Measure changed"]
    assert [(f.before, f.after) for f in changed[0].fields] == [(first.text, texts[0])]
    assert ("Measure removed", second.text) in [(c.what, c.detail) for c in trail]
    assert trail[0].what == "Measure added" and trail[0].detail == "Audit of flags in six months"
    assert "measures changed" in response.content.decode()


def test_a_measure_with_reported_values_cannot_be_removed_and_nothing_else_is_saved(
    support_client, target_action, business_support
):
    measure = make_measure(target_action, text="Children flagged")
    update = status_update_create(
        action=target_action, author=business_support, rag="green",
        commentary="On track.", expected_version=target_action.version,
    )  # fmt: skip
    measure_values_record(
        update=update, quarter=Quarter.parse("2015-Q3"), reported=[ReportedValue(measure.pk, 15)]
    )
    before = snapshot(target_action)

    police = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    # The measures are written after the action's fields and owners: all are rolled back.
    data = form_data(target_action, timeframe="End March 2017", owner_2=str(police.pk),
                     **{f"measure_{measure.pk}": ""})  # fmt: skip
    response = support_client.post(edit_url(target_action), data)

    assert "has reported values, so it cannot be removed" in response.content.decode()
    assert snapshot(target_action) == before


def test_related_actions_change_on_both_sides_with_the_trail(support_client, target_action):
    other = target_action.plan.actions.get(reference="1.1.1")
    was = list(target_action.related.all())
    data = form_data(target_action, related=[str(other.pk)])

    support_client.post(edit_url(target_action), data)

    assert list(target_action.related.all()) == [other]
    assert target_action in other.related.all()
    mine = {(c.what, c.detail.split()[0]) for c in action_changes(target_action)}
    assert ("Related action added", "1.1.1") in mine
    assert {("Related action removed", a.reference) for a in was} <= mine
    theirs = [(c.what, c.detail.split()[0]) for c in action_changes(other)]
    assert ("Related action added", target_action.reference) in theirs


def test_a_reason_is_required(support_client, target_action):
    before = snapshot(target_action)
    data = form_data(target_action, timeframe="March 2017", reason=" ")
    response = support_client.post(edit_url(target_action), data)
    assert "Enter the reason for the change" in response.content.decode()
    assert snapshot(target_action) == before


def test_saving_unchanged_says_nothing_changed_and_writes_nothing(support_client, target_action):
    before = snapshot(target_action)
    response = support_client.post(edit_url(target_action), form_data(target_action), follow=True)
    assert "Nothing changed on action 2.1.1." in response.content.decode()
    assert snapshot(target_action) == before


def test_adding_an_action_with_owners_measures_and_related(support_client, wscb_plan, time_machine):
    time_machine.move_to(date(2016, 5, 4))
    objective = Objective.objects.get(priority__plan=wscb_plan, number="2.1")
    role = OwnerRole.objects.get(title="Head of Protecting Vulnerable People")
    body = wscb_plan.actions.first().accountable_body
    related = wscb_plan.actions.get(reference="2.1.1")
    data = {
        "description": "Review the flagging protocol", "reference": "2.1.9",
        "objective": objective.pk, "accountable_body": body.pk, "timeframe": "Sept 2016",
        "owner_1": role.pk, "new_measure_1": "Protocol reviewed", "related": [related.pk],
        "reason": "Added by the Board in April",
    }  # fmt: skip

    response = support_client.post(
        reverse("actionplan:action-add", kwargs={"slug": WSCB_SLUG}), data, follow=True
    )

    action = wscb_plan.actions.get(reference="2.1.9")
    assert (action.added_on, action.due_date) == (date(2016, 5, 4), date(2016, 9, 30))
    assert action.owner_roles() == [role]
    assert [m.text for m in action.measures.all()] == ["Protocol reviewed"]
    assert list(action.related.all()) == [related]
    assert "Action 2.1.9 is added to the plan." in response.content.decode()
    assert action_changes(action)[-1].what == "Added"


def test_adding_an_action_with_a_taken_reference_writes_nothing(support_client, wscb_plan):
    count = Action.objects.count()
    objective = Objective.objects.get(priority__plan=wscb_plan, number="2.1")
    response = support_client.post(
        reverse("actionplan:action-add", kwargs={"slug": WSCB_SLUG}),
        {"description": "X", "reference": "2.1.1", "objective": objective.pk,
         "accountable_body": wscb_plan.actions.first().accountable_body_id,
         "timeframe": "March 2016", "reason": "Test"},
    )  # fmt: skip
    assert "Action 2.1.1 is already in this plan." in response.content.decode()
    assert Action.objects.count() == count


def test_retiring_asks_to_confirm_then_retires(support_client, target_action, time_machine):
    time_machine.move_to(date(2016, 2, 1))
    url = edit_url(target_action, "actionplan:action-retire")
    assert 'value="2016-02-01"' in support_client.get(url).content.decode()  # today
    data = {"retired_on": "2016-01-01", "reason": "Merged into 2.1.2 by the Board"}

    confirm = support_client.post(url, data).content.decode()
    assert "Check before you retire this action" in confirm and "What retiring means" in confirm
    target_action.refresh_from_db()
    assert target_action.retired_on is None

    page = support_client.post(url, data | {"confirm": "yes"}, follow=True).content.decode()
    target_action.refresh_from_db()
    assert target_action.retired_on == date(2016, 1, 1)
    assert "Action 2.1.1 is retired from 1 January 2016." in page
    assert "Retired on 1 Jan 2016: Merged into 2.1.2 by the Board" in page
    assert "Update the status" not in page and "Reinstate this action" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retired_on": "2016-01-01", "reason": ""}, "Enter why the action is retired."),
        ({"retired_on": "2016-02-30", "reason": "x"}, "The date must be a real date"),
        ({"retired_on": "2016-03-01", "reason": "x"}, "cannot be in the future"),
    ],
)
def test_retiring_refuses_bad_input(support_client, target_action, time_machine, data, message):
    time_machine.move_to(date(2016, 2, 1))
    url = edit_url(target_action, "actionplan:action-retire")
    response = support_client.post(url, data | {"confirm": "yes"})
    assert message in response.content.decode()
    target_action.refresh_from_db()
    assert target_action.retired_on is None


def test_reinstating_needs_a_reason_and_brings_it_back(support_client, target_action):
    retire = {"retired_on": "2016-01-01", "reason": "Merged", "confirm": "yes"}
    support_client.post(edit_url(target_action, "actionplan:action-retire"), retire)
    url = edit_url(target_action, "actionplan:action-reinstate")

    assert "Enter why the action is reinstated." in support_client.post(url, {}).content.decode()
    page = support_client.post(url, {"reason": "Kept by the Board"}, follow=True)

    target_action.refresh_from_db()
    assert target_action.retired_on is None
    html = page.content.decode()
    assert "Action 2.1.1 is back in the plan." in html and "Update the status" in html
    assert action_changes(target_action)[0].reason == "Reinstated: Kept by the Board"


def test_retire_and_reinstate_of_the_wrong_state_send_back_to_the_action(
    support_client, target_action
):
    response = support_client.get(edit_url(target_action, "actionplan:action-reinstate"))
    assert response["Location"] == target_action.get_absolute_url()


def test_adding_a_priority_and_an_objective(support_client, wscb_plan, business_support):
    priorities = reverse("actionplan:priority-add", kwargs={"slug": WSCB_SLUG})
    taken = support_client.post(priorities, {"number": "1", "title": "Again"})
    assert "Priority 1 is already in this plan." in taken.content.decode()

    page = support_client.post(priorities, {"number": "9", "title": "Online harm"}, follow=True)
    priority = Priority.objects.get(plan=wscb_plan, number=9)
    assert "Priority 9 is added to the plan." in page.content.decode()
    assert priority.history.get().history_user == business_support

    objectives = reverse("actionplan:objective-add", kwargs={"slug": WSCB_SLUG})
    for number, message in [("2.1", "Objective 2.1 is already in this plan."),
                            ("nine", "Write the number as numbers and dots")]:  # fmt: skip
        response = support_client.post(objectives, {"priority": priority.pk, "number": number,
                                                    "title": "T"})  # fmt: skip
        assert message in response.content.decode()
    page = support_client.post(
        objectives, {"priority": priority.pk, "number": "9.1", "title": "Awareness"}, follow=True
    )
    assert "Objective 9.1 is added to the plan." in page.content.decode()
    assert Objective.objects.get(priority=priority, number="9.1").title == "Awareness"
    assert "No actions under this objective yet." in page.content.decode()


def test_the_plan_page_offers_the_edits_to_business_support_only(
    client, support_client, owner, wscb_plan
):
    url = reverse("actionplan:plan-detail", args=[WSCB_SLUG])
    html = support_client.get(url).content.decode()
    assert "Add an action" in html and "Add a priority" in html and "Add an objective" in html
    client.force_login(owner)
    assert "Add an action" not in client.get(url).content.decode()


def test_the_plan_page_lists_retired_actions_apart(support_client, target_action, business_support):
    action_retire(action=target_action, on=date(2016, 1, 1), reason="Merged", by=business_support)
    html = support_client.get(reverse("actionplan:plan-detail", args=[WSCB_SLUG])).content.decode()
    tables, retired = html.split('id="retired-actions"')
    assert "Retired actions (1)" in retired and f">{target_action.reference}</a>" in retired
    assert f">{target_action.reference}</a>" not in tables


def test_the_measures_page_link_stays_for_quantifying(support_client, target_action):
    assert Measure.objects.filter(action=target_action).exists()
    html = support_client.get(edit_url(target_action)).content.decode()
    assert "A measure's numbers (baseline, target) are set on its own page" in html


def test_edit_page_queries_do_not_grow_with_measures_and_related(
    support_client, target_action, django_assert_num_queries
):
    url = edit_url(target_action)
    support_client.get(url)
    others = list(target_action.plan.actions.exclude(pk=target_action.pk)[:10])
    target_action.related.add(*others)
    for number in range(5):
        Measure.objects.create(action=target_action, text=f"Measure {number}", order=10 + number)
    # session, user, the second factor, the user's groups (can_edit_plan), action (+plan,
    # objective, priority, body), owner links (+role, agency), measures, related, the owner
    # roles (+agency), the plan's objectives (+priority), its other actions, bodies, and the
    # nav's "chairs a body?" check
    with django_assert_num_queries(13):
        html = support_client.get(url).content.decode()
    assert html.count('name="related"') == 41 and "Measure 4" in html

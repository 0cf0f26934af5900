"""The WSCB plan as loaded from fixtures/, checked against the source text."""

import json
from datetime import date

import pytest

from accounts.models import Agency
from actionplan.models import (
    AccountableBody,
    Action,
    ActionOwner,
    Measure,
    Milestone,
    Objective,
    OwnerRole,
    Priority,
)
from actionplan.plan_source import build_fixture
from actionplan.services import plan_load
from tests.conftest import ROOT, WSCB_FIXTURE

pytestmark = pytest.mark.django_db


def _owners(action):
    return [(role.agency.name, role.title) for role in action.owner_roles()]


def _measures(action):
    return list(action.measures.values_list("text", flat=True))


def test_counts_match_the_source(wscb_plan):
    assert wscb_plan.priorities.count() == 4
    assert Objective.objects.filter(priority__plan=wscb_plan).count() == 13
    assert wscb_plan.actions.count() == 42


def test_priorities_and_statements(wscb_plan):
    titles = list(wscb_plan.priorities.values_list("number", "title"))
    assert titles == [
        (1, "Prevention and Education"),
        (2, "Recognition and Identification"),
        (3, "Intervention and Support"),
        (4, "Pursue and Disrupt"),
    ]
    fourth = wscb_plan.priorities.get(number=4)
    assert fourth.statement.startswith("Being pro-active across multi agency partnerships")


def test_objective_1_2_heading_is_marked_as_not_given(wscb_plan):
    objective = Objective.objects.get(priority__plan=wscb_plan, number="1.2")
    assert objective.title == ""
    assert objective.display_title == "(heading not given in the source plan)"
    assert objective.actions.count() == 2


def test_action_1_1_1_field_by_field(wscb_plan):
    action = wscb_plan.actions.get(reference="1.1.1")
    assert action.description.startswith("Commission a communications / publicity campaign")
    assert action.description.endswith("including the publicising of helplines and support centres")
    assert _owners(action) == [
        ("West Mercia Police", "Head of Protecting Vulnerable People"),
        ("West Mercia Police", "Head of Corporate Communications"),
    ]
    assert _measures(action) == ["Options report to Board and decision made"]
    assert action.accountable_body.name == "West Mercia Police"
    assert action.timeframe == "End November 2015"
    assert action.due_date == date(2015, 11, 30)


def test_action_1_1_3_has_milestones(wscb_plan):
    action = wscb_plan.actions.get(reference="1.1.3")
    assert action.timeframe == "Campaign : January 2016 Evaluation : March 2016"
    milestones = list(action.milestones.values_list("label", "due_date"))
    assert milestones == [("Campaign", date(2016, 1, 31)), ("Evaluation", date(2016, 3, 31))]
    assert action.due_date == date(2016, 3, 31)
    assert _measures(action) == [
        "Increase in levels of awareness",
        "Increase in CSE referrals received to children and young people",
    ]


def test_action_1_3_1_rejoined_from_split_cells(wscb_plan):
    action = wscb_plan.actions.get(reference="1.3.1")
    assert action.description == (
        "Review existing CSE training strategy and refresh in line with CSE Strategy 2015-2017. "
        "To include training pathway, suite of training materials and evaluation framework."
    )
    assert _owners(action) == [
        ("Worcestershire Safeguarding Children Board", "Chair of Workforce Development Group")
    ]
    assert len(_measures(action)) == 3
    assert action.accountable_body.name == "Improving Frontline Practice Sub Group"
    assert action.due_date == date(2015, 11, 30)


def test_garbled_2_1_4_and_2_1_5_are_separated(wscb_plan):
    first = wscb_plan.actions.get(reference="2.1.4")
    second = wscb_plan.actions.get(reference="2.1.5")
    assert first.description.endswith("Develop and embed risk indicator toolkit for professionals")
    assert _measures(first) == [
        "Percentage of referrals where screening tool has been completed",
        "Risk indicator toolkit available for professionals",
    ]
    assert first.timeframe == "November 2015 November 2015"
    assert first.due_date == date(2015, 11, 30)
    assert second.description == (
        "Complete full review of existing CSE Pathway to align with CSE Strategy 2015-18"
    )
    assert _measures(second) == ["Refreshed pathway in place"]
    assert second.due_date == date(2015, 7, 31)


def test_flattened_2_2_and_2_3_are_rebuilt(wscb_plan):
    action = wscb_plan.actions.get(reference="2.2.1")
    assert _owners(action) == [
        ("Worcestershire Safeguarding Children Board", "Chair of Workforce Development Group")
    ]
    assert _measures(action) == ["Increased reporting of CSE concerns across all key partners."]
    assert action.accountable_body.name == "Improving Frontline Practice Sub Group"
    perpetrators = wscb_plan.actions.get(reference="2.3.2")
    assert perpetrators.accountable_body.name == "Vulnerable Children Sub Group"
    assert perpetrators.due_date == date(2016, 1, 31)
    assert _measures(perpetrators) == ["Toolkit produced and promoted through WSCB website."]


def test_multi_owner_cells_are_split_into_roles(wscb_plan):
    action = wscb_plan.actions.get(reference="4.3.1")
    assert [agency for agency, _ in _owners(action)] == [
        "West Mercia Police",
        "Youth Offending Service",
        "National Probation Service",
        "Community Rehabilitation Company",
    ]
    assert action.owners_as_written == "Police/YOS/Probation/CRC"
    assert len(_measures(action)) == 3
    assert action.accountable_body.name == "CSE Strategic Group"  # 4.3 lost its header row


def test_role_variants_are_one_role(wscb_plan):
    chair = OwnerRole.objects.get(title="Chair of Missing Children, CSE and Trafficking Group")
    refs = sorted(chair.action_links.values_list("action__reference", flat=True))
    assert refs == ["2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.1.5", "3.1.1", "4.1.3"]
    assert not OwnerRole.objects.filter(title__icontains="Subgroup Chair").exists()


def test_related_actions_link_both_ways(wscb_plan):
    screening = wscb_plan.actions.get(reference="2.1.4")
    training = wscb_plan.actions.get(reference="1.3.1")
    assert training in screening.related.all()
    assert screening in training.related.all()
    comms = wscb_plan.actions.get(reference="3.1.3")
    assert {a.reference for a in comms.related.all()} == {"1.1.1", "1.1.2", "1.1.3"}


def test_every_due_date_is_in_the_plan_period(wscb_plan):
    dates = wscb_plan.actions.values_list("due_date", flat=True)
    assert min(dates) == date(2015, 7, 31)
    assert max(dates) == date(2016, 7, 31)


def test_loading_twice_changes_nothing(wscb_plan):
    models = [
        Priority,
        Objective,
        Action,
        ActionOwner,
        Measure,
        Milestone,
        OwnerRole,
        Agency,
        AccountableBody,
    ]
    before = {model: list(model.objects.order_by("pk").values()) for model in models}
    related_before = sorted(Action.related.through.objects.values_list("from_action", "to_action"))
    plan_load(path=WSCB_FIXTURE)
    assert {model: list(model.objects.order_by("pk").values()) for model in models} == before
    related_after = sorted(Action.related.through.objects.values_list("from_action", "to_action"))
    assert related_after == related_before


def test_committed_fixture_is_built_from_the_source_document():
    source = json.loads((ROOT / "fixtures/source/wscb_cse_action_plan.json").read_text())
    assert build_fixture(source) == json.loads(WSCB_FIXTURE.read_text())

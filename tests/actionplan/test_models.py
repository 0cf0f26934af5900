import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actionplan.models import Action, Priority, reference_sort_key
from tests.conftest import make_action, make_plan

pytestmark = pytest.mark.django_db


def test_reference_is_unique_within_a_plan():
    action = make_action(reference="1.1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_action(objective=action.objective, reference="1.1.1")
    make_action(reference="1.1.1", plan=make_plan())  # another plan may reuse it


def test_clean_explains_a_duplicate_reference():
    action = make_action(reference="1.1.1")
    twin = Action(plan=action.plan, objective=action.objective, reference="1.1.1")
    with pytest.raises(ValidationError) as error:
        twin.clean()
    assert error.value.message_dict["reference"] == [
        "Another action in this plan has this reference."
    ]


def test_priority_number_is_unique_within_a_plan():
    plan = make_plan()
    Priority.objects.create(plan=plan, number=1, title="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        Priority.objects.create(plan=plan, number=1, title="Again")


def test_natural_order_puts_1_2_10_after_1_2_9():
    refs = ["1.2.10", "1.2.9", "1.10.1", "1.2.1", "2.1.1"]
    assert sorted(refs, key=reference_sort_key) == ["1.2.1", "1.2.9", "1.2.10", "1.10.1", "2.1.1"]


def test_bad_reference_is_rejected_with_a_message():
    with pytest.raises(ValueError, match="not a reference"):
        reference_sort_key("1.2a")

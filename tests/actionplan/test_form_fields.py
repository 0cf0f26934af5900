"""The fields the app's forms share (actionplan/form_fields.py): one date picker that is given
its value as 2016-03-31, one message for a date that is not real, and a reason's limits."""

from datetime import date

import pytest

from actionplan.forms import AsOfForm, DueDateRevisionForm
from actionplan.plan_edit_forms import ReinstateForm, RetireForm
from actionplan.quarters import Quarter
from actionplan.round_forms import RoundOpenForm, RoundScopeForm

TODAY = date(2016, 1, 4)


def _as_of(data):
    return AsOfForm(data, today=TODAY, quarters=[Quarter(2015, 3)])


def _round_open(data):
    return RoundOpenForm(data, today=TODAY, quarters=[Quarter(2015, 3)])


@pytest.mark.parametrize(
    ("make", "name", "what"),
    [
        (RetireForm, "retired_on", "The date"),
        (DueDateRevisionForm, "due_date", "The due date"),
        (_as_of, "as_of", "The date"),
        (_round_open, "deadline", "The date"),
    ],
)
def test_every_date_field_says_the_same_of_a_date_that_is_not_real(make, name, what):
    form = make({name: "2016-02-30"})
    assert not form.is_valid()
    assert form.errors[name] == [f"{what} must be a real date, for example 31/3/2016."]


def test_the_date_picker_is_given_its_value_as_iso():
    html = str(RetireForm(initial={"retired_on": date(2016, 3, 31)})["retired_on"])
    assert 'type="date"' in html and 'value="2016-03-31"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "required"),
    [
        (RetireForm, "Enter why the action is retired."),
        (ReinstateForm, "Enter why the action is reinstated."),
        (RoundScopeForm, "Enter the reason, for the round's record."),
    ],
)
def test_a_reason_is_required_and_kept_to_its_length(form_class, required):
    kwargs = {"plan": None} if form_class is RoundScopeForm else {}
    assert form_class({"reason": ""}, **kwargs).errors["reason"] == [required]
    too_long = form_class({"reason": "x" * 1001}, **kwargs)
    assert too_long.errors["reason"] == ["Keep the reason to 1000 characters or fewer."]
    assert 'rows="3"' in str(form_class(**kwargs)["reason"])

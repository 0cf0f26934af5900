"""Business support quantify a measure on a page of its own: unit, baseline, target, direction,
tolerance; bad input is refused with a message and nothing is saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actionplan.models import Measure, MeasureValue

pytestmark = pytest.mark.django_db


def _url(measure):
    return reverse("actionplan:measure-quantify", kwargs={"pk": measure.pk})


@pytest.fixture
def measure(target_action):
    return target_action.measures.order_by("order").first()


def _form(**more):
    data = {"unit": "percentage", "baseline_value": "40", "target_value": "90",
            "direction": "higher", "frequency": "quarterly", "tolerance_percent": "5"}  # fmt: skip
    return data | more


def test_business_support_quantify_a_measure(client, business_support, measure, owner):
    MeasureValue.objects.create(measure=measure, quarter="2015-Q3", value=88, recorded_by=owner)
    client.force_login(business_support)
    page = client.get(measure.action.get_absolute_url()).content.decode()
    assert f'href="{_url(measure)}">Quantify it' in page
    response = client.post(_url(measure), _form(data_source="Agency returns"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.unit, measure.target_value, measure.data_source) == (
        "percentage", Decimal(90), "Agency returns"
    )  # fmt: skip
    assert (measure.current_rag, measure.current_quarter) == ("amber", "2015-Q3")


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ({"target_value": ""}, "Give a target for a quantified measure."),
        ({"target_value": "120"}, "A percentage is between 0 and 100."),
        ({"target_value": "ten"}, "Enter the target as a number"),
        ({"direction": "range", "target_upper": ""}, "Give the high end of the target range."),
        ({"quarter_targets": "Autumn: 50"}, "is not a quarter"),
    ],
)
def test_bad_numbers_are_refused_and_nothing_is_saved(
    client, business_support, measure, more, message
):
    client.force_login(business_support)
    response = client.post(_url(measure), _form(**more))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Measure.objects.get(pk=measure.pk).unit


def test_only_business_support_quantify(client, owner, chair, measure):
    for person in (owner, chair):
        client.force_login(person)
        assert client.get(_url(measure)).status_code == 403
        assert "Quantify it" not in client.get(measure.action.get_absolute_url()).content.decode()

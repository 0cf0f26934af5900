"""The rules of quantified measures (actionplan.measures): banding at its boundaries for every
direction, parsing what people type, and the trend in words."""

from decimal import Decimal as D  # noqa: N817 - short, for tables of values

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from actionplan.measures import (
    Direction,
    Target,
    Unit,
    band,
    format_value,
    parse_quarter_targets,
    parse_value,
    travel,
    trend_sentence,
)
from actionplan.models import Measure, MeasureValue
from actionplan.rag import Rag
from tests.conftest import make_action, make_user

HIGHER = Target(value=D(20), direction=Direction.HIGHER)  # tolerance 5% of 20 = 1
LOWER = Target(value=D(20), direction=Direction.LOWER)
RANGE = Target(value=D(40), upper=D(60), direction=Direction.RANGE)  # 2 below, 3 above


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25", Rag.GREEN),
        ("20", Rag.GREEN),  # on target
        ("19.99", Rag.AMBER),
        ("19", Rag.AMBER),  # exactly the tolerance below
        ("18.99", Rag.RED),
        ("0", Rag.RED),
    ],
)
def test_higher_is_better_bands(value, expected):
    assert band(D(value), HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15", Rag.GREEN),
        ("20", Rag.GREEN),
        ("20.01", Rag.AMBER),
        ("21", Rag.AMBER),
        ("21.01", Rag.RED),
    ],
)
def test_lower_is_better_bands(value, expected):
    assert band(D(value), LOWER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40", Rag.GREEN),
        ("60", Rag.GREEN),
        ("50", Rag.GREEN),
        ("38", Rag.AMBER),  # 5% of 40 below the low end
        ("37.99", Rag.RED),
        ("63", Rag.AMBER),  # 5% of 60 above the high end
        ("63.01", Rag.RED),
    ],
)
def test_within_a_range_bands(value, expected):
    assert band(D(value), RANGE) == expected


def test_tolerance_is_a_percentage_of_the_target():
    wide = Target(value=D(100), direction=Direction.HIGHER, tolerance_percent=D(10))
    assert band(D(90), wide) == Rag.AMBER
    assert band(D("89.9"), wide) == Rag.RED


def test_a_target_of_zero_has_no_amber():
    zero = Target(value=D(0), direction=Direction.LOWER)
    assert band(D(0), zero) == Rag.GREEN
    assert band(D("0.1"), zero) == Rag.RED


def test_yes_no_is_green_or_red():
    yes = Target(value=D(1), unit=Unit.YES_NO)
    assert band(D(1), yes) == Rag.GREEN
    assert band(D(0), yes) == Rag.RED


def test_no_value_or_no_target_has_no_band():
    assert band(None, HIGHER) is None
    assert band(D(1), None) is None


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1,234", Unit.NUMBER, D(1234)),
        ("1,234,567.5", Unit.NUMBER, D("1234567.5")),
        (" 12 ", Unit.NUMBER, D(12)),
        ("-3", Unit.NUMBER, D(-3)),
        ("12%", Unit.PERCENTAGE, D(12)),
        ("12.5 %", Unit.PERCENTAGE, D("12.5")),
        ("100", Unit.PERCENTAGE, D(100)),
        ("0", Unit.PERCENTAGE, D(0)),
        ("£1.2k", Unit.CURRENCY, D(1200)),
        ("£1,200", Unit.CURRENCY, D(1200)),
        ("2m", Unit.CURRENCY, D(2000000)),
        ("18 days", Unit.DAYS, D(18)),
        ("1 day", Unit.DAYS, D(1)),
        ("Yes", Unit.YES_NO, D(1)),
        ("n", Unit.YES_NO, D(0)),
        ("", Unit.NUMBER, None),
        ("   ", Unit.PERCENTAGE, None),
    ],
)
def test_values_people_type_are_read(text, unit, expected):
    assert parse_value(text, unit) == expected


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("1,5", Unit.NUMBER, "a comma may only separate thousands"),
        ("12,34", Unit.NUMBER, "a comma may only separate thousands"),
        ("12%", Unit.NUMBER, "not a percentage"),
        ("£12", Unit.NUMBER, "not money"),
        ("1.2k", Unit.NUMBER, "Enter a number"),
        ("101", Unit.PERCENTAGE, "between 0 and 100"),
        ("-1%", Unit.PERCENTAGE, "between 0 and 100"),
        ("-2", Unit.DAYS, "cannot be negative"),
        ("maybe", Unit.YES_NO, "Write yes or no"),
        ("twelve", Unit.NUMBER, "Enter a number"),
        ("1e5", Unit.NUMBER, "Enter a number"),
        ("NaN", Unit.NUMBER, "Enter a number"),
        ("12345678901", Unit.NUMBER, "too large"),
        ("1.23456", Unit.NUMBER, "four decimal places"),
    ],
)
def test_values_that_cannot_be_read_say_why(text, unit, message):
    with pytest.raises(ValueError, match=message):
        parse_value(text, unit)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (D(1234), Unit.NUMBER, "1,234"),
        (D("12.50"), Unit.PERCENTAGE, "12.5%"),
        (D(1200), Unit.CURRENCY, "£1,200"),
        (D(1), Unit.DAYS, "1 day"),
        (D(18), Unit.DAYS, "18 days"),
        (D(0), Unit.YES_NO, "No"),
        (None, Unit.NUMBER, "No value"),
    ],
)
def test_values_are_written_as_people_write_them(value, unit, expected):
    assert format_value(value, unit) == expected


def test_travel_follows_the_measure_direction():
    assert travel(D(18), D(12), Direction.HIGHER) == "improved"
    assert travel(D(18), D(12), Direction.LOWER) == "deteriorated"
    assert travel(D(12), D(12), Direction.LOWER) == "unchanged"
    assert travel(D(50), D(30), Direction.RANGE, RANGE) == "improved"
    assert travel(D(70), D(55), Direction.RANGE, RANGE) == "deteriorated"
    assert travel(None, D(1), Direction.HIGHER) is None


def test_trend_in_words():
    sentence = trend_sentence(
        [D(12), None, D(18)], unit=Unit.NUMBER, direction=Direction.HIGHER, target=HIGHER
    )
    assert sentence == "Improved from 12 to 18, against a target of 20; Red."
    assert (
        trend_sentence([D(19)], unit=Unit.NUMBER, direction=Direction.HIGHER, target=HIGHER)
        == "19 reported, against a target of 20; Amber."
    )
    assert trend_sentence([], unit=Unit.NUMBER, direction=Direction.HIGHER, target=HIGHER) == (
        "No values reported yet, against a target of 20."
    )


def test_quarter_targets_are_read_by_quarter():
    assert parse_quarter_targets("2015-Q3: 18; 2015-Q4=20", Unit.NUMBER) == {
        "2015-Q3": D(18),
        "2015-Q4": D(20),
    }
    with pytest.raises(ValueError, match="2015-Q3: 18"):
        parse_quarter_targets("2015-Q3 18", Unit.NUMBER)
    with pytest.raises(ValueError, match="not a quarter"):
        parse_quarter_targets("Autumn: 18", Unit.NUMBER)


@pytest.mark.django_db
def test_a_quantified_measure_needs_a_target_and_a_range_in_order():
    measure = Measure(action=make_action(), text="Referrals", unit=Unit.PERCENTAGE)
    with pytest.raises(ValidationError) as error:
        measure.clean()
    assert "Give a target" in str(error.value)
    measure.target_value, measure.direction, measure.target_upper = D(60), Direction.RANGE, D(50)
    measure.quarter_targets = "2015-Q3 = 120"
    with pytest.raises(ValidationError) as error:
        measure.clean()
    assert set(error.value.message_dict) == {"target_upper", "quarter_targets"}
    assert "between 0 and 100" in str(error.value)


@pytest.mark.django_db
def test_a_missing_value_without_a_note_is_refused_by_the_database():
    measure = Measure.objects.create(
        action=make_action(), text="Referrals", unit=Unit.NUMBER, target_value=D(20)
    )
    with pytest.raises(IntegrityError):
        MeasureValue.objects.create(
            measure=measure, quarter="2015-Q3", value=None, recorded_by=make_user()
        )

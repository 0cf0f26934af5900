from datetime import date

import pytest

from actionplan.timeframes import TimeframeError, parse_timeframe


@pytest.mark.parametrize(
    ("text", "start", "due"),
    [
        ("End November 2015", None, date(2015, 11, 30)),
        ("End August 2015", None, date(2015, 8, 31)),
        ("End March 2016", None, date(2016, 3, 31)),
        ("November 2015", None, date(2015, 11, 30)),
        ("July 2016", None, date(2016, 7, 31)),
        ("Nov 2015", None, date(2015, 11, 30)),
        ("30 September 2015", None, date(2015, 9, 30)),
        ("31 October 2015", None, date(2015, 10, 31)),
        ("1 January 2016", None, date(2016, 1, 1)),
        ("September - December 2015", date(2015, 9, 1), date(2015, 12, 31)),
        ("November 2016 - February 2017", date(2016, 11, 1), date(2017, 2, 28)),
        ("November 2015 November 2015", None, date(2015, 11, 30)),
        ("February 2016", None, date(2016, 2, 29)),
    ],
)
def test_every_source_form_gives_its_dates(text, start, due):
    timeframe = parse_timeframe(text)
    assert (timeframe.start, timeframe.due, timeframe.milestones) == (start, due, [])
    assert timeframe.text == text


def test_milestones_are_parsed_and_due_is_the_last():
    timeframe = parse_timeframe("Campaign : January 2016 Evaluation : March 2016")
    assert timeframe.milestones == [
        ("Campaign", date(2016, 1, 31)),
        ("Evaluation", date(2016, 3, 31)),
    ]
    assert timeframe.due == date(2016, 3, 31)
    assert timeframe.start is None


@pytest.mark.parametrize(
    "text",
    ["", "Ongoing", "Q3 2015", "November 2015 December 2015", "Smarch 2015", "2015", "TBC"],
)
def test_unknown_forms_are_an_error_naming_the_text(text):
    with pytest.raises(TimeframeError) as error:
        parse_timeframe(text)
    assert (repr(text) in str(error.value)) or not text


def test_impossible_day_is_an_error():
    with pytest.raises(TimeframeError, match="does not exist"):
        parse_timeframe("31 February 2016")


def test_range_that_ends_before_it_starts_is_an_error():
    with pytest.raises(TimeframeError, match="ends before it starts"):
        parse_timeframe("December 2016 - January 2016")

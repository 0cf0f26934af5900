"""Turn a plan's timeframe text into dates, keeping the text itself verbatim elsewhere.

The forms below are every form the WSCB plan uses. Anything else is an error that names the
text: a silent guess at a deadline would be worse than no date at all.

    End November 2015 / November 2015 / Nov 2015   -> due on the month's last day
    30 September 2015                              -> due on that day
    September - December 2015                      -> start 1 September, due 31 December
    Campaign : January 2016 Evaluation : March 2016 -> milestones; due is the last one
    November 2015 November 2015                    -> one date written twice

and what other partnerships' plans write (read when a plan is imported):

    Apr-17 / Sept 2017 / by end of March 2016      -> the month's last day
    31/03/2016 / 2016-03-31                        -> that day
    Q3 2015/16 / end of Q3 2015-16                 -> the financial quarter's last day
    by end of Q3                                   -> the same, in the year passed as `year`
                                                      (an imported plan's first year)
    Ongoing / TBC / To be confirmed in ...         -> UndatedTimeframeError: no due date, by design
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from actionplan.quarters import Quarter

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = r"(?P<{}>[A-Za-z]{{3,9}})\.?"
_YEAR = r"(?P<{}>\d{{4}})"

_DAY_DATE = re.compile(rf"^(?P<day>\d{{1,2}})\s+{_MONTH.format('month')}\s+{_YEAR.format('year')}$")
_MONTH_DATE = re.compile(
    rf"^(?:end\s+(?:of\s+)?)?{_MONTH.format('month')}\s+{_YEAR.format('year')}$", re.I
)
_MONTH_RANGE = re.compile(
    rf"^{_MONTH.format('first')}(?:\s+{_YEAR.format('first_year')})?\s*[-–]\s*"
    rf"{_MONTH.format('last')}\s+{_YEAR.format('year')}$"
)
_SHORT_MONTH = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.?[-\s'/]+(?P<year>\d{2})$")
_DMY = re.compile(r"^(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})$")
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")
_QUARTER = re.compile(
    r"^Q(?P<number>[1-4])(?:\s+(?P<year>\d{4})\s*[/-]\s*(?P<next>\d{2}|\d{4}))?$", re.I
)
_LEAD_IN = re.compile(r"^(?:by|before|no later than|due)?\s*(?:the\s+)?(?:end\s+of\s+)?", re.I)
_UNDATED = re.compile(
    r"^(?:ongoing|on-going|tbc|tba|to be (?:confirmed|agreed|decided)\b.*|n/?a)$", re.I
)
_MILESTONE = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z ]*?)\s*:\s*(?P<when>.+?)(?=\s+[A-Za-z][A-Za-z ]*?\s*:|$)"
)


class TimeframeError(ValueError):
    pass


class UndatedTimeframeError(TimeframeError):
    """A timeframe that says, on purpose, that there is no date ("Ongoing", "TBC")."""


@dataclass(frozen=True)
class Timeframe:
    text: str
    due: date
    start: date | None = None
    milestones: list[tuple[str, date]] = field(default_factory=list)


def parse_timeframe(text: str, *, year: int | None = None) -> Timeframe:
    """Parse one timeframe cell; raise TimeframeError naming the text if the form is unknown.
    `year`: the financial year a quarter written without one ("by end of Q3") falls in."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise TimeframeError("The timeframe is empty: write when the action is due.")
    if _UNDATED.match(cleaned):
        raise UndatedTimeframeError(
            f"The timeframe {text!r} gives no date, so there is no due date."
        )
    single = _parse_date(cleaned) or _parse_other_date(cleaned, text, year)
    if single:
        return Timeframe(text=text, due=single)
    if match := _MONTH_RANGE.match(cleaned):
        return _month_range(text, match)
    if ":" in cleaned:
        return _milestones(text, cleaned)
    if repeated := _repeated_date(cleaned):
        return Timeframe(text=text, due=repeated)
    raise TimeframeError(
        f"Cannot read the timeframe {text!r}: use a form such as 'November 2015', "
        "'30 September 2015', 'September - December 2015' or 'Campaign: January 2016'."
    )


def _parse_date(text: str) -> date | None:
    """A single date: a day, or a month (meaning its last day)."""
    if match := _DAY_DATE.match(text):
        year, month = int(match["year"]), _month(match["month"], text)
        try:
            return date(year, month, int(match["day"]))
        except ValueError:
            raise TimeframeError(
                f"The timeframe {text!r} names a day that does not exist."
            ) from None
    if match := _MONTH_DATE.match(text):
        return _month_end(int(match["year"]), _month(match["month"], text))
    return None


def _parse_other_date(cleaned: str, text: str, year: int | None) -> date | None:
    """The forms other plans write: a lead-in ("by end of"), "Apr-17", numeric dates and
    financial quarters."""
    bare = _LEAD_IN.sub("", cleaned, count=1).strip() or cleaned
    if bare != cleaned and (day := _parse_date(bare)):
        return day
    if match := _SHORT_MONTH.match(bare):
        return _month_end(2000 + int(match["year"]), _month(match["month"], text))
    if match := _DMY.match(bare) or _ISO.match(bare):
        try:
            return date(int(match["year"]), int(match["month"]), int(match["day"]))
        except ValueError:
            raise TimeframeError(
                f"The timeframe {text!r} names a day that does not exist."
            ) from None
    if match := _QUARTER.match(bare):
        return _quarter_end(match, text, year)
    return None


def _quarter_end(match: re.Match, text: str, year: int | None) -> date:
    if match["year"]:
        first = int(match["year"])
        following = int(match["next"]) % 100
        if following != (first + 1) % 100:
            raise TimeframeError(f"The timeframe {text!r} names a financial year that is not one.")
    elif year is not None:
        first = year
    else:
        raise TimeframeError(f"The timeframe {text!r} names a quarter but not its year.")
    return Quarter(first, int(match["number"])).end


def _month(name: str, text: str) -> int:
    try:
        return _MONTHS[name.lower()]
    except KeyError:
        raise TimeframeError(f"The timeframe {text!r} has an unknown month {name!r}.") from None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_range(text: str, match: re.Match) -> Timeframe:
    year = int(match["year"])
    first, last = _month(match["first"], text), _month(match["last"], text)
    first_year = int(match["first_year"]) if match["first_year"] else year - (first > last)
    start, due = date(first_year, first, 1), _month_end(year, last)
    if start > due:
        raise TimeframeError(f"The timeframe {text!r} ends before it starts.")
    return Timeframe(text=text, start=start, due=due)


def _milestones(text: str, cleaned: str) -> Timeframe:
    milestones = []
    for match in _MILESTONE.finditer(cleaned):
        when = _parse_date(match["when"].strip())
        if when is None:
            raise TimeframeError(
                f"Cannot read the date {match['when']!r} in the timeframe {text!r}."
            )
        milestones.append((match["label"].strip(), when))
    if not milestones:
        raise TimeframeError(f"Cannot read the milestones in the timeframe {text!r}.")
    return Timeframe(text=text, due=max(when for _, when in milestones), milestones=milestones)


def _repeated_date(cleaned: str) -> date | None:
    """'November 2015 November 2015': a table cell that says the same date for two sub-actions."""
    words = cleaned.split()
    for size in (2, 3):
        if len(words) % size or len(words) == size:
            continue
        chunks = {" ".join(words[i : i + size]) for i in range(0, len(words), size)}
        if len(chunks) == 1:
            return _parse_date(chunks.pop())
    return None

"""UK public-sector financial-year quarters: Q1 = April-June ... Q4 = January-March.

A quarter is named by the calendar year its financial year starts in: "2015-Q3" is
October-December 2015, in financial year 2015/16; "2015-Q4" is January-March 2016.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

_NAME = re.compile(r"^(?P<year>\d{4})-?Q(?P<number>[1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the calendar year the financial year starts in (April)
    number: int  # 1-4

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        match = _NAME.match(text.strip())
        if not match:
            raise ValueError(
                f"{text!r} is not a quarter: write the financial year's first year and the "
                "quarter, e.g. 2015-Q3 for October-December 2015 (Q1 = April-June)."
            )
        quarter = cls(int(match["year"]), int(match["number"]))
        # Quarters whose financial year is in the calendar: 0000-Q4 (January-March 0001)
        # has days, but its financial year, 0000/01, starts in year 0.
        if not FIRST <= quarter <= LAST:
            raise ValueError(
                f"{text.strip()} is outside the calendar: choose a quarter between "
                f"{FIRST.slug} and {LAST.slug}."
            )
        return quarter

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def slug(self) -> str:
        return f"{self.year:04d}-Q{self.number}"  # four digits, as parse() reads it

    @property
    def financial_year(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def short_label(self) -> str:
        """e.g. "Q3 2015/16"."""
        return f"Q{self.number} {self.financial_year}"

    @property
    def label(self) -> str:
        """e.g. "Q3 2015/16: 1 October - 31 December 2015"."""
        start, end = self.start, self.end
        first = f"{start.day} {start:%B}" + (f" {start.year}" if start.year != end.year else "")
        return f"{self.short_label}: {first} - {end.day} {end:%B %Y}"

    def __str__(self):
        return self.slug


# The first and last quarters whose financial years are in the calendar (Quarter.parse).
FIRST, LAST = Quarter(1, 1), Quarter(9998, 4)


def quarters_between(first: date, last: date) -> list[Quarter]:
    quarter, end = Quarter.containing(first), Quarter.containing(last)
    result = []
    while quarter <= end:
        result.append(quarter)
        quarter = quarter.next()
    return result


def financial_year_quarters(days: Iterable[date], *, today: date) -> list[Quarter]:
    """The quarters a plan is looked back to or reported on: every quarter of the financial
    years from the earliest of `days` to the latest (today's year if there are none), except
    those that have not begun by `today`."""
    days = list(days) or [today]
    first, last = Quarter.containing(min(days)), Quarter.containing(max(days))
    quarters = quarters_between(Quarter(first.year, 1).start, Quarter(last.year, 4).start)
    return [quarter for quarter in quarters if quarter.start <= today]

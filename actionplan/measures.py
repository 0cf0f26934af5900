"""Quantified measures: the one home of their rules.

- Units, directions and frequencies: `Unit`, `Direction`, `Frequency` (the model's choices).
- Reading a value as a person types it: `parse_value()`, with messages a person can act on.
  "1,234", "12%", "£1.2k" are read only where they cannot mean anything else.
- Banding a value against its target: `band()` gives Green, Amber or Red (the RAG scale of
  actionplan.rag); Amber is within the tolerance (a percentage of the target, 5 by default)
  on the wrong side of the target.
- Direction of travel between two values: `travel()`, and the sentence that says a measure's
  trend in words: `trend_sentence()`.
- Writing a value the way it was reported: `format_value()`.

No query here: the model (actionplan.models.Measure, MeasureValue) and the pages read these.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models

from actionplan.quarters import Quarter
from actionplan.rag import DETERIORATED, IMPROVED, UNCHANGED, Rag

DEFAULT_TOLERANCE_PERCENT = Decimal(5)
# The largest value kept (MeasureValue.value: 14 digits, 4 after the point).
LARGEST = Decimal("9999999999")


class Unit(models.TextChoices):
    NUMBER = "number", "Number"
    PERCENTAGE = "percentage", "Percentage"
    DAYS = "days", "Days"
    CURRENCY = "currency", "Currency (£)"
    YES_NO = "yes-no", "Yes or no"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    RANGE = "range", "Within a range"


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually (in Q4)"


# Parsing -----------------------------------------------------------------------------------

_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$|^-?\.\d+$")
_SUFFIX = {"k": Decimal(1000), "m": Decimal(1000000)}
_DAYS_WORD = re.compile(r"\s*days?$", re.IGNORECASE)


def parse_value(text: str, unit: str) -> Decimal | None:
    """The value `text` means in `unit`, or None for an empty box (a missing value).

    Raises ValueError with a message for the person. A comma only ever separates thousands
    ("1,234"; "1,5" is refused, not guessed); "%" only for percentages; "£" and a "k" or "m"
    multiplier only for currency; percentages are within 0-100; yes/no is "yes" or "no".
    """
    text = (text or "").strip()
    if not text:
        return None
    if unit == Unit.YES_NO:
        return _parse_yes_no(text)
    number = _strip_unit_marks(text, unit)
    multiplier = Decimal(1)
    if unit == Unit.CURRENCY and number[-1:].lower() in _SUFFIX:
        multiplier, number = _SUFFIX[number[-1].lower()], number[:-1].strip()
    value = _parse_number(number) * multiplier
    _check_range(value, unit)
    return value.normalize() if value == value.to_integral() else value


def infer_quantity(text: str) -> tuple[str, Decimal] | None:
    """The unit and value a figure written on its own means, for an imported "Target" cell:
    "12%" a percentage, "£1.2k" money, "yes" or "no" yes/no, "1,234" a number; None for
    anything else ("Reduce by a third", "1,5"), which is not guessed."""
    text = (text or "").strip()
    if text.lower() in _YES | _NO:
        unit = Unit.YES_NO
    elif text.endswith("%"):
        unit = Unit.PERCENTAGE
    elif text.startswith("£"):
        unit = Unit.CURRENCY
    elif _DAYS_WORD.search(text) and text[:1].isdigit():
        unit = Unit.DAYS
    else:
        unit = Unit.NUMBER
    try:
        value = parse_value(text, unit)
    except ValueError:
        return None
    return None if value is None else (unit, value)


def _parse_yes_no(text: str) -> Decimal:
    word = text.lower()
    if word in _YES:
        return Decimal(1)
    if word in _NO:
        return Decimal(0)
    raise ValueError(f"Write yes or no (you wrote “{text}”).")


def _strip_unit_marks(text: str, unit: str) -> str:
    if text.endswith("%"):
        if unit != Unit.PERCENTAGE:
            raise ValueError("This measure is not a percentage: write the number without %.")
        text = text[:-1].strip()
    if text.startswith("£"):
        if unit != Unit.CURRENCY:
            raise ValueError("This measure is not money: write the number without £.")
        text = text[1:].strip()
    if unit == Unit.DAYS:
        text = _DAYS_WORD.sub("", text)
    return text


def _parse_number(text: str) -> Decimal:
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif "," in text:
        raise ValueError(
            f"“{text}” is not a number we can read: a comma may only separate thousands "
            "(1,234). Write a decimal with a point, e.g. 1.5."
        )
    if not _PLAIN.match(text):
        raise ValueError(f"Enter a number, e.g. 1,234 or 12.5 (you wrote “{text}”).")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        raise ValueError(f"Enter a number (you wrote “{text}”).") from None
    if abs(value) > LARGEST:
        raise ValueError(f"That number is too large: at most {LARGEST:,}.")
    if value != value.quantize(Decimal("0.0001"), rounding="ROUND_HALF_EVEN"):
        raise ValueError("Use at most four decimal places.")
    return value


def _check_range(value: Decimal, unit: str) -> None:
    if unit == Unit.PERCENTAGE and not 0 <= value <= 100:
        raise ValueError("A percentage is between 0 and 100.")
    if unit == Unit.DAYS and value < 0:
        raise ValueError("A number of days cannot be negative.")


def format_value(value: Decimal | None, unit: str) -> str:
    """A value as people write it: "1,234", "12.5%", "£1,200", "18 days", "Yes"."""
    if value is None:
        return "No value"
    if unit == Unit.YES_NO:
        return "Yes" if value else "No"
    number = value.normalize()
    number = number.quantize(Decimal(1)) if number == number.to_integral() else number
    text = f"{number:,}"
    if unit == Unit.PERCENTAGE:
        return f"{text}%"
    if unit == Unit.CURRENCY:
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    if unit == Unit.DAYS:
        return f"{text} day" if number == 1 else f"{text} days"
    return text


# Banding -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a value is banded against: the target (the low end of a range), the high end of a
    range, the direction and the tolerance as a percentage."""

    value: Decimal
    direction: str = Direction.HIGHER
    upper: Decimal | None = None  # the high end, for Direction.RANGE
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT
    unit: str = Unit.NUMBER


def band(value: Decimal | None, target: Target | None) -> str | None:
    """Green, Amber or Red for `value` against `target`; None with no value or no target.

    - Higher is better: Green at or above the target; Amber below it by at most the
      tolerance (a percentage of the target); Red further below.
    - Lower is better: the mirror image.
    - Within a range: Green inside it (ends included); Amber outside by at most the
      tolerance of the nearer end; Red further out.
    - Yes or no: Green when it is the target's answer, else Red (there is no "nearly yes").
    A target of 0 has no Amber band (5 % of 0 is 0)."""
    if value is None or target is None:
        return None
    if target.unit == Unit.YES_NO:
        return Rag.GREEN if value == target.value else Rag.RED
    if target.direction == Direction.RANGE:
        return _band_range(value, target)
    shortfall = (
        target.value - value if target.direction == Direction.HIGHER else value - target.value
    )
    if shortfall <= 0:
        return Rag.GREEN
    return Rag.AMBER if shortfall <= _tolerance(target.value, target) else Rag.RED


def _band_range(value: Decimal, target: Target) -> str:
    low, high = target.value, target.upper if target.upper is not None else target.value
    if low <= value <= high:
        return Rag.GREEN
    edge = low if value < low else high
    return Rag.AMBER if abs(value - edge) <= _tolerance(edge, target) else Rag.RED


def _tolerance(edge: Decimal, target: Target) -> Decimal:
    return abs(edge) * target.tolerance_percent / 100


# Direction of travel and the trend in words -----------------------------------------------


def travel(now: Decimal | None, before: Decimal | None, direction: str, target=None) -> str | None:
    """improved, unchanged or deteriorated from `before` to `now`, by the measure's direction
    (for a range: nearer to it or further away); None unless both values are known."""
    if now is None or before is None:
        return None
    if direction == Direction.RANGE and target is not None:
        change = _distance(before, target) - _distance(now, target)
    else:
        change = now - before if direction != Direction.LOWER else before - now
    return IMPROVED if change > 0 else UNCHANGED if change == 0 else DETERIORATED


def _distance(value: Decimal, target: Target) -> Decimal:
    high = target.upper if target.upper is not None else target.value
    return max(target.value - value, value - high, Decimal(0))


_TRAVEL_WORDS = {IMPROVED: "Improved", UNCHANGED: "Unchanged", DETERIORATED: "Worsened"}


def trend_sentence(
    values: Iterable[Decimal | None], *, unit: str, direction: str, target: Target | None
) -> str:
    """The trend in words, from the first known value to the latest: "Improved from 12 to 18
    against a target of 20; Amber." The latest value's band ends it."""
    known = [value for value in values if value is not None]
    target_words = _target_words(target, unit) if target else "with no target set"
    if not known:
        return f"No values reported yet, {target_words}."
    latest = known[-1]
    rag = band(latest, target)
    rag_words = f"; {Rag(rag).label}" if rag else ""
    if len(known) == 1:
        return f"{format_value(latest, unit)} reported, {target_words}{rag_words}."
    words = _TRAVEL_WORDS[travel(latest, known[0], direction, target)]
    first, last = format_value(known[0], unit), format_value(latest, unit)
    if words == "Unchanged":
        return f"Unchanged at {last}, {target_words}{rag_words}."
    return f"{words} from {first} to {last}, {target_words}{rag_words}."


def _target_words(target: Target, unit: str) -> str:
    if target.direction == Direction.RANGE and target.upper is not None:
        low, high = format_value(target.value, unit), format_value(target.upper, unit)
        return f"against a target range of {low} to {high}"
    return f"against a target of {format_value(target.value, unit)}"


# Per-quarter targets, as written in one box: "2015-Q3: 18; 2015-Q4: 20" -------------------


def parse_quarter_targets(text: str, unit: str) -> dict[str, Decimal]:
    """Per-quarter targets as typed ("2015-Q3: 18; 2015-Q4: 20"), by quarter slug. Raises
    ValueError naming the part it cannot read."""
    targets = {}
    for part in filter(None, (piece.strip() for piece in re.split(r"[;\n]", text or ""))):
        name, sep, value = part.partition(":") if ":" in part else part.partition("=")
        if not sep:
            raise ValueError(f"Write each quarter's target as 2015-Q3: 18 (not “{part}”).")
        quarter = Quarter.parse(name)
        parsed = parse_value(value, unit)
        if parsed is None:
            raise ValueError(f"Give a target for {quarter.slug}.")
        targets[quarter.slug] = parsed
    return targets

"""The plan's table, mapped, as a PlanDraft: its headings, actions, owners, bodies and dates,
and every problem, by row and column, in words a business support officer can act on.

Headings come from section rows (text only in the first cell, or merged across the table, or
in Word a paragraph between tables) or from columns mapped to the first and second level:

    Key Priority 1 / Prevention and Education   label, number, then the title on its own row
    Overarching priority: Increasing ...         the first level's statement (a "label: text")
    Key Target Areas/Objectives                  a line naming the next level: skipped
    1.1 Undertake a public awareness campaign    a second-level heading: number and title
    Theme: Early help                            a heading named by its level, not numbered

Nothing is invented: a heading the file does not give (an action 1.2.1 with no 1.2 above it)
is created with no title, which the app shows as "(heading not given in the source plan)", and
listed; a reference the file does not give is made and listed.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from actionplan.importing.mapping import FIELDS
from actionplan.importing.owners import BodyMatch, Directory, OwnerPart, split_owner_cell
from actionplan.importing.tables import LABELLED, Table, cell_text, names_a_level, parse_heading
from actionplan.measures import infer_quantity, parse_value
from actionplan.models import NO_HEADING, REFERENCE_RE
from actionplan.rag import Rag
from actionplan.timeframes import TimeframeError, UndatedTimeframeError, parse_timeframe

_ACTION_REF = re.compile(
    r"^(?P<ref>[A-Za-z]{1,3}\s?\d+(?:\.\d+)*|\d+(?:\.\d+)+|\d+(?=\.))\.?\s+(?P<rest>\S.*)$", re.S
)
_RELATED = re.compile(
    r"\((?:see|links?\s+(?:to|with))\s+(?P<refs>\d+(?:\.\d+)+(?:\s*(?:,|and|&)\s*\d+(?:\.\d+)+)*)\)",
    re.I,
)
_BULLET = re.compile(r"^[\s•·▪‣◦*\-–]+")
_RAG_WORDS = {
    Rag.BLUE: {"blue", "b", "complete", "completed", "done", "achieved", "fully achieved"},
    Rag.GREEN: {"green", "g", "on track", "on target", "good progress"},
    Rag.AMBER: {"amber", "a", "at risk", "some concerns", "partially achieved", "in progress"},
    Rag.RED: {"red", "r", "off track", "not achieved", "behind"},
}
# The longest text each field holds (the models' max_length).
MAX_LENGTHS = {"timeframe": 200, "accountable_body": 200, "reference": 20, "title": 200}


@dataclass
class Problem:
    row: int | None
    column: str
    message: str
    blocking: bool = False


@dataclass
class ActionDraft:
    row: int
    reference: str
    description: str
    reference_as_written: str = ""
    reference_made: bool = False
    owners_as_written: str = ""
    owner_keys: list[str] = field(default_factory=list)
    body_as_written: str = ""
    body_key: str = ""
    timeframe: str = ""
    start: date | None = None
    due: date | None = None
    milestones: list[tuple[str, date]] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    # From "Baseline"/"Target" columns: a number that quantifies the first measure (unit, value).
    target: tuple[str, Decimal] | None = None
    baseline: Decimal | None = None
    rag: str = ""
    status_as_written: str = ""
    commentary: str = ""
    status_date: date | None = None
    related: list[str] = field(default_factory=list)
    # From a "Retired on" column (the plan's own export has one): None, in the plan.
    retired_on: date | None = None
    retired_reason: str = ""


@dataclass
class ObjectiveDraft:
    number: str
    title: str = ""
    given: bool = True
    actions: list[ActionDraft] = field(default_factory=list)

    @property
    def display_title(self) -> str:
        return self.title or NO_HEADING


@dataclass
class PriorityDraft:
    number: int
    title: str = ""
    statement: str = ""
    given: bool = True
    objectives: list[ObjectiveDraft] = field(default_factory=list)
    awaiting_title: bool = False

    @property
    def display_title(self) -> str:
        return self.title or NO_HEADING


@dataclass
class PlanDraft:
    priorities: list[PriorityDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    owners: dict[str, OwnerPart] = field(default_factory=dict)
    bodies: dict[str, BodyMatch] = field(default_factory=dict)
    priority_label: str = "Priority"
    objective_label: str = "Objective"

    @property
    def actions(self) -> list[ActionDraft]:
        return [a for p in self.priorities for o in p.objectives for a in o.actions]

    @property
    def retired(self) -> list[ActionDraft]:
        return [a for a in self.actions if a.retired_on]

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


def first_year(period: str) -> int | None:
    """The first year of a plan period as written ("2015-18" -> 2015)."""
    match = re.search(r"\b(\d{4})\b", period or "")
    return int(match[1]) if match else None


def build_draft(table: Table, mapping: list[str], details: dict, directory: Directory) -> PlanDraft:
    """The plan as it will be created. Reads nothing from the database but `directory`."""
    builder = _Builder(table, mapping, details, directory)
    for row in table.rows:
        if row.kind == "section" and not builder.level_columns:
            builder.section(row.number, row.text)
        elif row.kind == "action":
            builder.action(row.number, row.cells)
    return builder.finish()


class _Builder:
    def __init__(self, table, mapping, details, directory):
        self.header, self.mapping, self.details = table.header, mapping, details
        self.directory = directory
        self.draft = PlanDraft()
        self.year = first_year(details.get("period", ""))
        self.level_columns = "level1" in mapping or "level2" in mapping
        self.priority: PriorityDraft | None = None
        self.objective: ObjectiveDraft | None = None
        self.labels: list[str] = []
        self.column_values = {"level1": None, "level2": None}
        self.references: set[str] = set()

    def problem(self, row, field_name, message, *, blocking=False):
        self.draft.problems.append(Problem(row, self._column(field_name), message, blocking))

    def _column(self, field_name: str) -> str:
        if field_name in self.mapping:
            index = self.mapping.index(field_name)
            header = self.header[index] if index < len(self.header) else ""
            return f"{_column_letter(index)} ({header})" if header else _column_letter(index)
        return ""

    def cell(self, cells, field_name):
        if field_name not in self.mapping:
            return ""
        index = self.mapping.index(field_name)
        return cells[index] if index < len(cells) else ""

    def text(self, cells, field_name) -> str:
        return cell_text(self.cell(cells, field_name)).strip()

    # Headings

    def section(self, number: int, text: str):
        if self._is_statement(text):
            self.priority.statement = LABELLED.match(text)["title"].strip()
            return
        label, ref, title = parse_heading(text)
        if ref or label:
            level = self._level(label, ref)
            self._heading(number, level, ref, title, label)
        else:
            self._plain_section(number, text)

    def _level(self, label: str, ref: str) -> int:
        if label:
            key = label.lower()
            if key not in self.labels:
                self.labels.append(key)
                if len(self.labels) == 1:
                    self.draft.priority_label = label
                elif len(self.labels) == 2:
                    self.draft.objective_label = label
            return min(self.labels.index(key) + 1, 2)
        return min(ref.count(".") + 1, 2)

    def _heading(self, row, level, ref, title, label):
        title = title.strip().rstrip(":").strip()
        if level == 1:
            self._start_priority(row, ref, title)
        else:
            self._start_objective(row, ref, title, given=True)

    def _start_priority(self, row, ref, title, *, given=True):
        number = int(ref.split(".")[0]) if ref else self._next_priority_number()
        existing = next((p for p in self.draft.priorities if p.number == number), None)
        if existing:
            self.priority, self.objective = existing, None
            if title and existing.title and title != existing.title:
                self.problem(
                    row, "", f"Heading {number} appears twice with different titles.", blocking=True
                )
            return
        if len(title) > MAX_LENGTHS["title"]:
            self.problem(
                row,
                "",
                f"The heading is longer than {MAX_LENGTHS['title']} characters: "
                "shorten it in the file.",
                blocking=True,
            )
        self.priority = PriorityDraft(
            number=number, title=title, given=given, awaiting_title=given and not title
        )
        self.objective = None
        self.draft.priorities.append(self.priority)
        if not ref and given:
            self.problem(row, "", f"The heading '{title}' has no number: it is numbered {number}.")

    def _next_priority_number(self) -> int:
        return max((p.number for p in self.draft.priorities), default=0) + 1

    def _start_objective(self, row, ref, title, *, given):
        priority = self._ensure_priority(row, ref)
        number = ref if ref and ref.count(".") == 1 else self._next_objective_number(priority)
        if ref and ref.count(".") > 1:
            self.problem(
                row,
                "",
                f"The heading {ref} is a third level of heading: Actionplan "
                "has two, so it is kept as a second-level heading numbered "
                f"{number}.",
            )
        existing = next((o for o in priority.objectives if o.number == number), None)
        if existing:
            self.objective = existing
            if title and not existing.title:
                existing.title, existing.given = title, True
            return
        self.objective = ObjectiveDraft(number=number, title=title, given=given and bool(title))
        priority.objectives.append(self.objective)
        if given and title and not ref:
            self.problem(row, "", f"The heading '{title}' has no number: it is numbered {number}.")

    def _ensure_priority(self, row, ref) -> PriorityDraft:
        wanted = int(ref.split(".")[0]) if ref and "." in ref else None
        if self.priority is None or (wanted is not None and wanted != self.priority.number):
            existing = next((p for p in self.draft.priorities if p.number == wanted), None)
            if existing:
                self.priority = existing
            else:
                self._start_priority(row, str(wanted) if wanted else "", "", given=False)
                self.problem(
                    row,
                    "",
                    f"No first-level heading is given above row {row}: one "
                    f"numbered {self.priority.number} is made, with no title.",
                )
        return self.priority

    def _next_objective_number(self, priority) -> str:
        taken = {o.number for o in priority.objectives}
        k = len(priority.objectives) + 1
        while f"{priority.number}.{k}" in taken:
            k += 1
        return f"{priority.number}.{k}"

    def _is_statement(self, text: str) -> bool:
        """ "Overarching priority: ..." under a first-level heading, before anything else: the
        heading's statement (a label that is not the level's own)."""
        labelled, priority = LABELLED.match(text), self.priority
        return bool(
            labelled
            and priority
            and not priority.objectives
            and not priority.statement
            and not priority.awaiting_title
            and labelled["label"].lower() not in self.labels
        )

    def _plain_section(self, row, text):
        labelled = LABELLED.match(text)
        priority = self.priority
        if priority and priority.awaiting_title and not labelled:
            priority.title, priority.awaiting_title = text.rstrip(":").strip(), False
        elif priority and not priority.objectives and labelled and not priority.statement:
            priority.statement = labelled["title"].strip()
        elif names_a_level(text) and (priority is None or not priority.objectives):
            if self.draft.objective_label != text:
                self.problem(
                    row,
                    "",
                    f"'{text}' is read as the name of the headings below it, not as a heading.",
                )
            if priority:
                self.draft.objective_label = text
        elif priority and not priority.objectives:
            self._start_objective(row, "", text, given=True)
        else:
            self._start_priority(row, "", text)

    # Actions

    def action(self, number: int, cells: list):
        if self.level_columns:
            self._headings_from_columns(number, cells)
        description = self.text(cells, "description")
        written_ref = self.text(cells, "reference")
        if "reference" not in self.mapping and (match := _ACTION_REF.match(description)):
            written_ref, description = match["ref"], match["rest"].strip()
        if not description:
            self.problem(number, "description", "This row has no action text: it is left out.")
            return
        objective = self._objective_for(number, written_ref)
        action = ActionDraft(row=number, reference="", description=description)
        self._reference(action, objective, written_ref)
        objective.actions.append(action)
        self._owners(action, cells)
        self._body(action, cells)
        self._dates(action, cells)
        action.measures = _lines(self.text(cells, "measures"))
        self._quantity(action, cells)
        self._status(action, cells)
        self._retired(action, cells)
        action.related = _related(description)

    def _retired(self, action, cells):
        """A date in the "Retired on" column: the action left the plan that day. Not a date
        stops the import: read as empty, a revision would bring a retired action back. A day
        still to come stops it too, as the retire page refuses one: an action is retired on the
        day it leaves the plan."""
        value = self.cell(cells, "retired_on")
        reason = self.text(cells, "retired_reason")
        if not cell_text(value).strip():
            if reason:
                self.problem(
                    action.row, "retired_reason",
                    "A reason for retiring is given but no retired date: the action is in the "
                    "plan.",
                )  # fmt: skip
            return
        day = _read_date(value)
        if day is None:
            self.problem(
                action.row, "retired_on",
                f"'{cell_text(value).strip()}' is not a date: give the day the action was "
                "retired (e.g. 1 Apr 2016), or leave the cell empty if it is in the plan.",
                blocking=True,
            )  # fmt: skip
            return
        if day > timezone.localdate():
            self.problem(
                action.row, "retired_on",
                f"'{cell_text(value).strip()}' is in the future: an action is retired on the "
                "day it leaves the plan, so give a day up to today, or leave the cell empty "
                "while it is in the plan.",
                blocking=True,
            )  # fmt: skip
            return
        action.retired_on, action.retired_reason = day, reason

    def _quantity(self, action, cells):
        """A "Target" (and "Baseline") cell that is a plain figure quantifies the action's first
        measure; words ("Reduce by a third") are kept as a sentence of the measure instead."""
        target_text, baseline_text = self.text(cells, "target"), self.text(cells, "baseline")
        if not target_text:
            if baseline_text:
                action.measures.append(f"Baseline: {baseline_text}")
            return
        read = infer_quantity(target_text)
        if read is None:
            self.problem(
                action.row, "target",
                f"“{target_text}” is not a figure: kept as a measure's words, not a target.",
            )  # fmt: skip
            action.measures.append(f"Target: {target_text}")
            return
        action.target = read
        if baseline_text:
            try:
                action.baseline = parse_value(baseline_text, read[0])
            except ValueError as error:
                self.problem(action.row, "baseline", f"Baseline not read: {error}")
                action.measures.append(f"Baseline: {baseline_text}")

    def _headings_from_columns(self, row, cells):
        for level, name in ((1, "level1"), (2, "level2")):
            value = self.text(cells, name)
            if name in self.mapping and value and value != self.column_values[name]:
                self.column_values[name] = value
                label, ref, title = parse_heading(value)
                if label and not ref:
                    title = title or value
                title = "" if title == NO_HEADING else title
                if level == 1:
                    self._start_priority(row, ref, title)
                else:
                    self._start_objective(row, ref, title, given=bool(title))

    def _objective_for(self, row, ref) -> ObjectiveDraft:
        numeric = _numeric_reference(ref)
        parent = numeric.rsplit(".", 1)[0] if numeric.count(".") == 2 else ""
        if parent and (
            self.objective is None or (self.objective.number != parent and self.objective.actions)
        ):
            self._ensure_priority(row, parent)
            found = next((o for o in self.priority.objectives if o.number == parent), None)
            if found is None:
                self._start_objective(row, parent, "", given=False)
                self.problem(
                    row,
                    "reference",
                    f"{self.draft.objective_label} {parent} has no "
                    "heading in the file: it is created with none, and shows as "
                    f"'{NO_HEADING}'.",
                )
            else:
                self.objective = found
        if self.objective is None:
            priority = self._ensure_priority(row, "")
            self.objective = ObjectiveDraft(
                number=self._next_objective_number(priority), given=False
            )
            priority.objectives.append(self.objective)
        return self.objective

    def _reference(self, action, objective, written):
        numeric = _numeric_reference(written)
        if numeric and numeric not in self.references and len(numeric) <= MAX_LENGTHS["reference"]:
            action.reference = numeric
            if numeric != written:
                action.reference_as_written = written[:40]
        else:
            k = len(objective.actions) + 1
            while f"{objective.number}.{k}" in self.references:
                k += 1
            action.reference, action.reference_made = f"{objective.number}.{k}", True
            action.reference_as_written = written[:40]
            why = f"'{written}' is used twice" if numeric else "the file gives none"
            if written and not numeric:
                why = f"'{written}' is not a reference of numbers and dots"
            self.problem(
                action.row,
                "reference",
                f"Reference {action.reference} is made for this action: {why}.",
            )
        self.references.add(action.reference)

    def _owners(self, action, cells):
        written = self.text(cells, "owners")
        action.owners_as_written = written
        for part in split_owner_cell(written, self.directory) if written else []:
            self.draft.owners.setdefault(part.key, part)
            action.owner_keys.append(part.key)
        if "owners" in self.mapping and not written:
            self.problem(action.row, "owners", "No owner is given: the action has no owner yet.")

    def _body(self, action, cells):
        written = self.text(cells, "accountable_body")
        action.body_as_written = written
        name = written or self.details.get("partnership", "") or "The Board"
        if len(name) > MAX_LENGTHS["accountable_body"]:
            self.problem(
                action.row,
                "accountable_body",
                "The accountable body is longer than "
                f"{MAX_LENGTHS['accountable_body']} characters: shorten it.",
                blocking=True,
            )
            return
        match = self.draft.bodies.get(BodyMatch(text=name).key) or self.directory.body_for(name)
        self.draft.bodies[match.key] = match
        action.body_key = match.key
        if not written:
            self.problem(
                action.row, "accountable_body", f"No accountable body is given: '{name}' is used."
            )

    def _dates(self, action, cells):
        raw = self.cell(cells, "timeframe")
        if isinstance(raw, dict):
            action.timeframe, action.due = _date_cell(raw)
        else:
            action.timeframe = raw.strip()
            self._parse_timeframe(action)
        for name, attribute in (("due_date", "due"), ("start_date", "start")):
            value = self.cell(cells, name)
            if cell_text(value).strip():
                day = _read_date(value)
                if day is None:
                    self.problem(
                        action.row, name, f"'{cell_text(value)}' is not a date: it is left out."
                    )
                else:
                    setattr(action, attribute, day)
        if not action.timeframe and action.due:
            action.timeframe = f"{action.due.day} {action.due:%B %Y}"
        if action.start and action.due and action.start > action.due:
            self.problem(
                action.row,
                "start_date",
                "The start date is after the due date: the start date is left out.",
            )
            action.start = None
        if len(action.timeframe) > MAX_LENGTHS["timeframe"]:
            self.problem(
                action.row,
                "timeframe",
                f"The timeframe is longer than {MAX_LENGTHS['timeframe']} characters: shorten it.",
                blocking=True,
            )

    def _parse_timeframe(self, action):
        if not action.timeframe:
            if "due_date" not in self.mapping:
                self.problem(action.row, "timeframe", "No timeframe is given: no due date.")
            return
        try:
            parsed = parse_timeframe(action.timeframe, year=self.year)
        except UndatedTimeframeError:
            self.problem(
                action.row,
                "timeframe",
                f"'{action.timeframe}' gives no date: it is kept as written, with no due date.",
            )
            return
        except TimeframeError:
            self.problem(
                action.row,
                "timeframe",
                f"'{action.timeframe}' cannot be read as a "
                "date: it is kept as written, with no due date.",
            )
            return
        action.due, action.start, action.milestones = parsed.due, parsed.start, parsed.milestones
        if re.search(r"\bQ[1-4]\b", action.timeframe) and not re.search(r"\d{4}", action.timeframe):
            self.problem(
                action.row,
                "timeframe",
                f"'{action.timeframe}' names no year: read "
                f"in the plan's first year, {self.year}/{(self.year + 1) % 100:02d} "
                f"(due {action.due:%-d %B %Y}). Check it.",
            )

    def _status(self, action, cells):
        if self.details.get("status_from", "none") == "none":
            return
        written = self.text(cells, "status")
        action.commentary = self.text(cells, "commentary")
        if not written:
            return
        action.status_as_written = written
        action.rag = _rag_for(written)
        if not action.rag:
            self.problem(
                action.row,
                "status",
                f"The status '{written}' is not one of Blue, "
                "Green, Amber or Red: no status is imported for this action.",
            )
            return
        action.status_date = self._status_date(action, cells)

    def _status_date(self, action, cells) -> date:
        chosen = (
            date.fromisoformat(self.details.get("status_date") or "")
            if self.details.get("status_date")
            else timezone.localdate()
        )
        if self.details.get("status_from") == "column" and "status_date" in self.mapping:
            day = _read_date(self.cell(cells, "status_date"))
            if day:
                return day
            self.problem(
                action.row, "status_date", f"No status date is given: {chosen:%-d %B %Y} is used."
            )
        return chosen

    def finish(self) -> PlanDraft:
        actions = self.draft.actions
        if not actions:
            self.problem(
                None,
                "",
                "No actions were found under the header row: check the "
                "column chosen for the action text.",
                blocking=True,
            )
        for priority in self.draft.priorities:
            if priority.awaiting_title:
                priority.given = False
        self._check_related(actions)
        for name in sorted(set(self.mapping) - {""}):
            if name not in FIELDS:
                self.problem(None, "", f"Unknown column choice {name!r}.", blocking=True)
        return self.draft

    def _check_related(self, actions):
        by_objective = {}
        for priority in self.draft.priorities:
            for objective in priority.objectives:
                by_objective[objective.number] = [a.reference for a in objective.actions]
        for action in actions:
            resolved = []
            for ref in action.related:
                found = [ref] if ref in self.references else by_objective.get(ref, [])
                if not found:
                    self.problem(
                        action.row,
                        "description",
                        f"The action links to {ref}, "
                        "which is not in the plan: the link is left out.",
                    )
                resolved += [r for r in found if r != action.reference]
            action.related = list(dict.fromkeys(resolved))


def _numeric_reference(written: str) -> str:
    """The reference as numbers and dots ("R3" -> "3", "2.1." -> "2.1"), or "" if none."""
    candidate = re.sub(r"^[A-Za-z]{1,3}\s?", "", written.strip()).rstrip(".")
    return candidate if REFERENCE_RE.match(candidate) else ""


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"column {letters}"


def _lines(text: str) -> list[str]:
    items = [_BULLET.sub("", line).strip() for line in text.splitlines()]
    return [item for item in items if item]


def _related(description: str) -> list[str]:
    refs = []
    for match in _RELATED.finditer(description):
        refs += re.findall(r"\d+(?:\.\d+)+", match["refs"])
    return refs


def _rag_for(text: str) -> str:
    word = " ".join(re.sub(r"[^a-z ]", " ", text.lower()).split())
    for rag, words in _RAG_WORDS.items():
        if word in words:
            return rag
    return ""


def _date_cell(cell: dict) -> tuple[str, date]:
    """An Excel date cell: its text as the sheet shows it, and the due date it means."""
    day = date.fromisoformat(cell["date"])
    if cell.get("month"):
        return f"{day:%b-%y}", parse_timeframe(f"{day:%B %Y}").due
    return f"{day.day} {day:%B %Y}", day


def _read_date(value) -> date | None:
    if isinstance(value, dict):
        return date.fromisoformat(value["date"])
    text = cell_text(value).strip()
    if not text:
        return None
    try:
        return parse_timeframe(text).due
    except TimeframeError:
        return None

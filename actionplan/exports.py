"""The plan as a spreadsheet: one row per action, the same columns everywhere it is exported.

Cells a spreadsheet would read as a formula are neutralised (CSV/formula injection): the plan
holds text typed by many people, and a cell such as =HYPERLINK(...) must stay text. A cell
that starts with a formula character (=, +, -, @, their full-width forms, a tab or a carriage
return) is prefixed with an apostrophe, as OWASP advises. In a CSV file every field is quoted,
and a formula character after a `,` or `;`, or at the start past spaces, tabs and quotes,
gets an apostrophe too: a spreadsheet whose locale separates fields with the other character splits
the line there, whatever the quotes say, and would read what follows as a new cell.

CSV and JSON keep the machine columns (COLUMNS) for imports and scripts. The Excel file is for
people: headings in words, real date cells, sized and wrapped columns, the heading row frozen,
and above the table what it shows (the "as at" date and the filters used), with an Overdue
column judged on that date.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from accounts.validators import CONTROL_CHARACTERS
from actionplan.measure_charts import series_for
from actionplan.models import Action, RoundState
from actionplan.rag import Rag, is_overdue
from actionplan.templatetags.plan_tags import NOBODY_HOLDS_ROLE

COLUMNS = [
    "ref",
    "priority",
    "objective",
    "action",
    "owners",
    "measures",
    "accountable_body",
    "timeframe",
    "start_date",
    "due_date",
    "status",
    "status_date",
    "commentary",
    "retired_on",
    "retired_reason",
]
# A dashboard's export has one more column, last: where the action stands in the reporting
# round of the quarter it shows (for_dashboard's round_state), in words; empty out of a round.
ROUND_COLUMN = "round_return"
ROUND_WORDS = dict(RoundState.choices)
# The measures' values (a second sheet, or a CSV of their own): one row per measure per quarter.
MEASURE_COLUMNS = [
    "ref",
    "measure",
    "unit",
    "quarter",
    "value",
    "target",
    "against_target",
    "estimated",
    "note",
    "baseline",
    "better_is",
    "data_source",
    "recorded_by",
    "recorded_at",
]
_FORMULA_CHARACTERS = "=+-@\uff1d\uff0b\uff0d\uff20"  # and the full-width ＝＋－＠
_FORMULA_STARTS = (*_FORMULA_CHARACTERS, "\t", "\r")
_FORMULA_AFTER_SEPARATOR = re.compile(rf"((?:^|[,;])[\s\"]*)([{re.escape(_FORMULA_CHARACTERS)}])")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def neutralise(value: str) -> str:
    """Prefix a cell that would start a formula with an apostrophe, as OWASP advises."""
    if value and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: str) -> str:
    """A cell for a CSV file: neutralised at its start and after every separator."""
    return _FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", neutralise(value))


def _status(action) -> tuple[str, datetime | None, str]:
    """(RAG, when, commentary): as of a date for rows from with_status_as_of() (dashboards),
    else the current status."""
    if hasattr(action, "rag_as_of"):
        return action.rag_as_of or "", action.update_at_as_of, action.commentary_as_of or ""
    latest = action.latest_update
    if latest is None:
        return "", None, ""
    return action.current_rag, latest.created_at, latest.commentary


def _values(action) -> dict:
    """One export row with its dates as dates. Reads the objective, priority, body, owners and
    measures: use Action.objects.for_export() (or for_dashboard() with the objective and
    priority joined and measures prefetched) so that a whole plan costs a fixed number of
    queries."""
    objective = action.objective
    rag, updated_at, commentary = _status(action)
    values = {
        "ref": action.reference,
        "priority": f"{objective.priority.number}. {objective.priority.title}",
        "objective": f"{objective.number} {objective.display_title}",
        "action": action.description,
        "owners": "\n".join(str(role) for role in action.owner_roles()),
        "measures": "\n".join(measure.text for measure in action.measures.all()),
        "accountable_body": action.accountable_body.name,
        "timeframe": action.timeframe,
        "start_date": action.start_date,
        "due_date": action.due_date,
        "status": Rag(rag).label if rag else "",
        "status_date": timezone.localtime(updated_at).date() if updated_at else None,
        "commentary": commentary,
        "retired_on": action.retired_on,
        "retired_reason": action.retired_reason,
    }
    if hasattr(action, "round_state"):
        values[ROUND_COLUMN] = ROUND_WORDS.get(action.round_state, "")
    return values


def _reads_round(actions) -> bool:
    """Whether the rows carry a quarter's round state (for_dashboard()'s round_state)."""
    query = getattr(actions, "query", None)
    if query is not None:
        return "round_state" in query.annotations
    return any(hasattr(action, "round_state") for action in actions[:1])


def action_row(action) -> dict[str, str]:
    """One export row of the machine columns (CSV, JSON): dates as ISO text, empty if none."""
    return {
        key: value.isoformat() if isinstance(value, date) else (value or "")
        for key, value in _values(action).items()
    }


def printable(value: str) -> str:
    """Text a spreadsheet can hold: a control character stored before they were refused
    (accounts/validators.py) becomes U+FFFD, the replacement character, rather than failing
    the whole export (XLSX cannot hold one at all)."""
    return CONTROL_CHARACTERS.sub("\ufffd", value)


def export_rows(actions) -> list[dict[str, str]]:
    return [
        {key: neutralise(printable(value)) for key, value in action_row(a).items()} for a in actions
    ]


def measure_value_rows(actions) -> list[dict[str, str]]:
    """One row per quantified measure per quarter it has a value for (the quarter's latest:
    a correction replaces what it corrects), in plan and quarter order. Reads each action's
    measures: prefetch them (for_export does); the values are one query."""
    actions = list(actions)
    measures = [m for action in actions for m in action.measures.all()]
    refs = {action.pk: action.reference for action in actions}
    rows = []
    for series in series_for(measures):
        measure = series.measure
        for row in series.rows:
            if row.value is None:
                continue
            rows.append(_measure_value_row(refs[measure.action_id], series, row))
    return rows


def _measure_value_row(ref: str, series, row) -> dict[str, str]:
    measure, value = series.measure, row.value
    return {
        "ref": ref,
        "measure": measure.text,
        "unit": measure.get_unit_display(),
        "quarter": row.quarter.slug,
        "value": _number(value.value),
        "target": _number(row.target),
        "against_target": Rag(row.rag).label if row.rag else "",
        "estimated": "yes" if value.is_estimate else "",
        "note": value.note,
        "baseline": ""
        if measure.baseline_value is None
        else str(measure.baseline_value.normalize()),
        "better_is": measure.get_direction_display(),
        "data_source": measure.data_source,
        "recorded_by": str(value.recorded_by),
        "recorded_at": timezone.localtime(value.recorded_at).date().isoformat(),
    }


def _number(value) -> str:
    """A figure as plain digits ("20", "12.5"), never "2E+1"; empty for none."""
    return "" if value is None else f"{value.normalize():f}"


def _csv(rows, columns) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, lineterminator="\r\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents, en dashes).
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _safe(rows) -> list[dict[str, str]]:
    return [{key: neutralise(printable(value)) for key, value in row.items()} for row in rows]


def to_csv(actions) -> bytes:
    columns = [*COLUMNS, ROUND_COLUMN] if _reads_round(actions) else COLUMNS
    return _csv(export_rows(actions), columns)


def measures_to_csv(actions) -> bytes:
    """The actions' measures' values, one row per measure per quarter (MEASURE_COLUMNS)."""
    return _csv(_safe(measure_value_rows(actions)), MEASURE_COLUMNS)


def _sheet(sheet, title: str, columns: list[str], rows) -> None:
    sheet.title = title
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[column] for column in columns])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"


@dataclass(frozen=True)
class SheetColumn:
    key: str
    heading: str
    width: int  # in characters, as Excel measures a column
    is_date: bool = False


def _verbose(name: str) -> str:
    """A field's verbose name as a heading: "accountable body" -> "Accountable body"."""
    return capfirst(Action._meta.get_field(name).verbose_name)


# The Excel file's columns, in order: the machine columns in words, the due date in force on
# the "as at" date (and, if revised, from what and why), and whether the action was overdue.
SHEET_COLUMNS = [
    SheetColumn("ref", "Ref", 9),
    SheetColumn("priority", "Priority", 28),
    SheetColumn("objective", "Objective", 28),
    SheetColumn("action", _verbose("description"), 50),
    SheetColumn("owners", "Owners", 36),
    SheetColumn("people", "People in the owner roles", 40),
    SheetColumn("measures", "Measures", 40),
    SheetColumn("accountable_body", _verbose("accountable_body"), 24),
    SheetColumn("timeframe", _verbose("timeframe"), 16),
    SheetColumn("start_date", _verbose("start_date"), 13, is_date=True),
    SheetColumn("due_date", _verbose("due_date"), 13, is_date=True),
    SheetColumn("due_date_revision", "Due date revised", 30),
    SheetColumn("status", "Status", 10),
    SheetColumn(ROUND_COLUMN, "Return for the quarter's round", 16),
    SheetColumn("overdue", "Overdue", 10),
    SheetColumn("status_date", "Status date", 13, is_date=True),
    # "Commentary", as the import reads it back (the "As at" line says whose).
    SheetColumn("commentary", "Commentary", 60),
    # Empty for an action in the plan: the plan's export lists its retired ones too.
    SheetColumn("retired_on", _verbose("retired_on"), 13, is_date=True),
    SheetColumn("retired_reason", _verbose("retired_reason"), 30),
]
DATE_FORMAT = "d mmm yyyy"  # Excel's: 31 Dec 2015


def _sheet_columns(actions) -> list[SheetColumn]:
    """SHEET_COLUMNS, without the round's unless the rows carry it (a dashboard's export)."""
    if _reads_round(actions):
        return SHEET_COLUMNS
    return [column for column in SHEET_COLUMNS if column.key != ROUND_COLUMN]


@dataclass(frozen=True)
class SheetHeading:
    """What the Excel file says above its table: which rows, on which date, chosen how."""

    title: str
    as_at: date
    as_at_note: str = ""  # e.g. "the end of Q3 2015/16"
    filters: list[tuple[str, str]] = field(default_factory=list)  # (label, chosen values)
    unfiltered: str = "none, every action"
    reads_round: bool = False  # a quarter's view: its reporting round's returns

    def lines(self) -> list[str]:
        when = date_format(self.as_at, "j F Y")
        note = f", {self.as_at_note}" if self.as_at_note else ""
        chosen = "; ".join(f"{label}: {value}" for label, value in self.filters)
        status = "its latest update on or before that day"
        if self.reads_round:
            status += (
                " or, for an action in the quarter's reporting round, its return (no status "
                "if it made none; see the column “Return for the quarter's round”)"
            )
        return [
            self.title,
            f"As at {when}{note}: each action's status is {status}, and overdue is judged on "
            "that day by the due date in force then.",
            f"Filters: {chosen or self.unfiltered}.",
        ]


def _sheet_values(action, *, as_at: date) -> dict:
    """_values() for the Excel file: the due date in force on `as_at` (from the annotations
    of with_due_date_as_of(), which for_dashboard() includes) and overdue on that day."""
    values = _values(action)
    rag, _, _ = _status(action)
    due, reason = action.due_as_of, action.due_revision_reason_as_of
    overdue = getattr(action, "overdue_as_of", None)
    if overdue is None:
        overdue = is_overdue(due_date=due, rag=rag or None, on=as_at)
    revised = ""
    if reason is not None:
        revised = f"Revised from {date_format(action.due_date, 'j F Y')}: {reason}"
    return values | {
        "people": _people_text(action),
        "due_date": due,
        "due_date_revision": revised,
        "overdue": "Yes" if overdue else "No",
    }


def _people_text(action) -> str:
    """Who holds each owner role, a line a role: "Role (Agency): Name (e-mail), ..."."""
    lines = []
    for role, holders in action.owner_roles_with_people():
        people = ", ".join(_person_text(person) for person in holders)
        lines.append(f"{role}: {people or NOBODY_HOLDS_ROLE.lower()}")
    return "\n".join(lines)


def _person_text(person) -> str:
    name = person.get_full_name() or person.username
    return f"{name} ({person.email})" if person.email else name


def _sheet_cell(value):
    """Text made safe (printable, never a formula) and dates left as dates."""
    if isinstance(value, date) or value is None:
        return value
    return neutralise(printable(value))


def to_xlsx(actions, heading: SheetHeading) -> bytes:
    """The Excel file for people: the actions on the first sheet, their measures' values on a
    second, "Measure values" (one row per measure per quarter). `actions` need
    with_due_date_as_of(heading.as_at) (or for_dashboard(as_of=heading.as_at)) besides what
    action_row reads, and their measures prefetched."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Actions"
    workbook.properties.title = heading.title
    lines = heading.lines()
    for line in lines:
        sheet.append([printable(line)])
    sheet["A1"].font = Font(bold=True, size=14)
    columns = _sheet_columns(actions)
    sheet.append([column.heading for column in columns])
    header_row = len(lines) + 1
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    actions = list(actions)
    for action in actions:
        values = _sheet_values(action, as_at=heading.as_at)
        sheet.append([_sheet_cell(values[column.key]) for column in columns])
    for row in sheet.iter_rows(min_row=header_row + 1):
        for column, cell in zip(columns, row, strict=True):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.is_date:
                cell.number_format = DATE_FORMAT
            elif cell.value is not None:
                cell.data_type = "s"  # never a formula, whatever the text
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = get_column_letter(len(columns))
    sheet.freeze_panes = f"B{header_row + 1}"  # the headings, and the Ref column
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(sheet.max_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    values = _safe(measure_value_rows(actions))
    _sheet(workbook.create_sheet(), "Measure values", MEASURE_COLUMNS, values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(actions) -> bytes:
    rows = [action_row(action) for action in actions]
    return json.dumps(rows, indent=2, ensure_ascii=False).encode("utf-8")


FORMATS = ("csv", "xlsx", "json")


def render(actions, fmt: str, *, heading: SheetHeading | None = None) -> bytes:
    """The rows (a queryset, owners prefetched) in `fmt`; `heading` says what they are, above
    the Excel file's table (without one: "Actions", as at today). The Excel file's people in
    the owner roles take one more query, and its due dates in force a subquery if not there."""
    if fmt == "xlsx":
        heading = heading or SheetHeading(title="Actions", as_at=timezone.localdate())
        if "due_as_of" not in actions.query.annotations:
            actions = actions.with_due_date_as_of(heading.as_at)
        return to_xlsx(actions.with_owner_holders(), heading)
    return {"csv": to_csv, "json": to_json}[fmt](actions)


def render_plan(plan, fmt: str, *, today: date) -> bytes:
    """The whole plan in `fmt` as it stands today: the plan page's downloads, export_plan."""
    actions = Action.objects.filter(plan=plan).for_export().with_due_date_as_of(today)
    heading = SheetHeading(
        title=f"{plan.title}: every action",
        as_at=today,
        as_at_note="the day it was exported",
        unfiltered="none, every action of the plan",
    )
    return render(actions, fmt, heading=heading)

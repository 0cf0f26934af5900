"""The plan as a spreadsheet: one row per action, the same columns everywhere it is exported.

Cells a spreadsheet would read as a formula are neutralised (CSV/formula injection): the plan
holds text typed by many people, and a cell such as =HYPERLINK(...) must stay text. A cell
that starts with a formula character (=, +, -, @, their full-width forms, a tab or a carriage
return) is prefixed with an apostrophe, as OWASP advises. In a CSV file every field is quoted,
and a formula character after a `,` or `;`, or at the start past spaces, tabs and quotes,
gets an apostrophe too: a spreadsheet whose locale separates fields with the other character splits
the line there, whatever the quotes say, and would read what follows as a new cell.
"""

import csv
import io
import json
import re
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.validators import CONTROL_CHARACTERS
from actionplan.measure_charts import series_for
from actionplan.rag import Rag

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
]
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


def action_row(action) -> dict[str, str]:
    """One export row. Reads the objective, priority, body, owners and measures: use
    Action.objects.for_export() (or for_dashboard() with the objective and priority joined
    and measures prefetched) so that a whole plan costs a fixed number of queries."""
    objective = action.objective
    rag, updated_at, commentary = _status(action)
    return {
        "ref": action.reference,
        "priority": f"{objective.priority.number}. {objective.priority.title}",
        "objective": f"{objective.number} {objective.display_title}",
        "action": action.description,
        "owners": "\n".join(str(role) for role in action.owner_roles()),
        "measures": "\n".join(measure.text for measure in action.measures.all()),
        "accountable_body": action.accountable_body.name,
        "timeframe": action.timeframe,
        "start_date": action.start_date.isoformat() if action.start_date else "",
        "due_date": action.due_date.isoformat() if action.due_date else "",
        "status": Rag(rag).label if rag else "",
        "status_date": timezone.localtime(updated_at).date().isoformat() if updated_at else "",
        "commentary": commentary,
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
    return _csv(export_rows(actions), COLUMNS)


def measures_to_csv(actions) -> bytes:
    """The actions' measures' values, one row per measure per quarter (MEASURE_COLUMNS)."""
    return _csv(_safe(measure_value_rows(actions)), MEASURE_COLUMNS)


def to_xlsx(actions) -> bytes:
    """The actions on the first sheet; their measures' values on a second, "Measure values"."""
    actions = list(actions)
    workbook = Workbook()
    _sheet(workbook.active, "Actions", COLUMNS, export_rows(actions))
    values = _safe(measure_value_rows(actions))
    _sheet(workbook.create_sheet(), "Measure values", MEASURE_COLUMNS, values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def to_json(actions) -> bytes:
    rows = [action_row(action) for action in actions]
    return json.dumps(rows, indent=2, ensure_ascii=False).encode("utf-8")


RENDERERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}


def render(actions, fmt: str) -> bytes:
    return RENDERERS[fmt](actions)

"""Read an uploaded plan file (XLSX, CSV or DOCX) into a Grid of rows, checking it first.

Everything is checked before the file is parsed: its size, what its bytes say it is (not what
its name says), encryption, macros, and for the zipped formats (XLSX and DOCX are zip files)
the number of entries and their unzipped size, so that a small file that unzips to gigabytes
(a zip bomb) is refused unread. Rows and columns are counted as they are read and reading stops
at the limit. Formulas are read as the values Excel last calculated, never evaluated; external
links and embedded objects are never opened.

A cell is text, or an Excel date: {"date": "2017-04-01", "month": true} ("month" when the
cell shows only a month and year, as "Apr-17"), so that a Grid is plain JSON.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.conf import settings
from lxml import etree

from accounts.validators import CONTROL_CHARACTERS

FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".docx": "docx"}
MACRO_EXTENSIONS = {".xlsm", ".xltm", ".xlam", ".docm", ".dotm"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
_SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MONTH_ONLY_FORMAT = re.compile(r"^[^dhs]*m{3,}[^dhs]*y+[^dhs]*$", re.I)  # mmm-yy, mmmm yyyy
# A spreadsheet export puts an apostrophe before text that would start a formula (see
# actionplan/exports.py): reading it back takes the apostrophe off again.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@\uff1d\uff0b\uff0d\uff20\t\r])")
_NEUTRALISED_AFTER_SEPARATOR = re.compile(r"([,;][\s\"]*)'(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


class ImportFileError(ValueError):
    """The file cannot be imported; the message says why in words a person can act on."""


@dataclass
class Grid:
    """The rows of one table, as read. `across` holds the indexes of rows whose first cell
    was merged across the table (or, in Word, a paragraph between tables): section rows."""

    rows: list[list] = field(default_factory=list)
    across: list[int] = field(default_factory=list)
    sheet: str = ""

    def as_json(self) -> dict:
        return {"rows": self.rows, "across": self.across, "sheet": self.sheet}

    @classmethod
    def from_json(cls, data: dict) -> "Grid":
        return cls(rows=data["rows"], across=data["across"], sheet=data.get("sheet", ""))


def read_file(name: str, data: bytes) -> Grid:
    """Check and read an uploaded file; raise ImportFileError, never anything else."""
    fmt = check_file(name, data)
    try:
        grid = _READERS[fmt](data)
    except ImportFileError:
        raise
    except Exception as error:  # a damaged file can fail anywhere inside a parser
        raise ImportFileError(
            f"The file could not be read as {fmt.upper()}: it may be damaged or only partly "
            "saved. Open it in its own program, save it again and upload that copy."
        ) from error
    if not any(any(_text(cell) for cell in row) for row in grid.rows):
        raise ImportFileError("The file has no text in it: there is no plan to import.")
    return grid


def check_file(name: str, data: bytes) -> str:
    """The file's format, once its size, type, encryption, macros and zip shape pass."""
    suffix = PurePath(name).suffix.lower()
    if suffix in MACRO_EXTENSIONS:
        raise ImportFileError(
            "Files with macros (.xlsm, .docm) are not accepted: save the plan as an ordinary "
            ".xlsx workbook or .docx document and upload that."
        )
    if suffix not in FORMATS:
        raise ImportFileError(
            "Upload an Excel workbook (.xlsx), a CSV file or a Word document (.docx)."
        )
    if not data:
        raise ImportFileError("The file is empty.")
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFileError(
            f"The file is larger than {_megabytes(limit)}: split the plan or remove pictures."
        )
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(_ole_message(suffix, data))
    fmt = FORMATS[suffix]
    if fmt != "csv":
        _check_zip(data, fmt)
    elif data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise ImportFileError(
            "This file is not a CSV file (text separated by commas): it may be a workbook "
            "renamed. Upload it with its real name, or save it as CSV."
        )
    return fmt


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


def _ole_message(suffix: str, data: bytes) -> str:
    if _ENCRYPTED_MARK in data:
        return (
            "The file is protected with a password, so it cannot be read. Remove the password "
            "(in Excel or Word: File, Info, Protect, Encrypt with password, clear it) and "
            "upload it again."
        )
    return (
        "This is an old-style Excel or Word file (.xls or .doc), not the file its name says. "
        "Save it as a .xlsx workbook or .docx document and upload that."
    )


def _check_zip(data: bytes, fmt: str) -> None:
    """Refuse a zip that is damaged, not the format named, has macros or is a zip bomb, from
    its directory alone (nothing is unzipped here)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    # NotImplementedError: a damaged header can name a zip version or method zipfile lacks.
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ImportFileError(
            f"The file is not a readable {fmt.upper()} file: it may be damaged, only partly "
            "uploaded, or another kind of file renamed."
        ) from None
    names = {entry.filename for entry in entries}
    if len(entries) > settings.IMPORT_MAX_ZIP_ENTRIES:
        raise ImportFileError(
            "The file holds far more parts than a plan needs: it is refused as unsafe."
        )
    unzipped = sum(entry.file_size for entry in entries)
    if (
        unzipped > settings.IMPORT_MAX_UNZIPPED_BYTES
        or unzipped > len(data) * settings.IMPORT_MAX_ZIP_RATIO
    ):
        raise ImportFileError(
            "The file unpacks to far more than its size (a 'zip bomb'): it is refused as unsafe."
        )
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ImportFileError(
            "The file contains macros: save the plan as an ordinary .xlsx workbook or .docx "
            "document (without macros) and upload that."
        )
    if _MAIN_PART[fmt] not in names:
        other = "docx" if fmt == "xlsx" else "xlsx"
        named = " (it looks like a Word document)" if _MAIN_PART[other] in names else ""
        raise ImportFileError(f"The file is not the {fmt.upper()} file its name says{named}.")


def clean_text(value: str) -> str:
    """A cell's text as the plan will hold it: control characters (which the app refuses in
    typed text) dropped, non-breaking spaces made ordinary, an export's formula apostrophe
    taken off, and surrounding space trimmed. Line breaks are kept: they separate owners and
    measures."""
    value = CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = value.replace("\xa0", " ")
    value = _NEUTRALISED.sub("", value)
    return value.strip()


def _text(cell) -> str:
    return cell if isinstance(cell, str) else cell["date"]


def _check_width(width: int) -> None:
    if width > settings.IMPORT_MAX_COLUMNS:
        raise ImportFileError(
            f"The table has {width} columns; a plan can have at most "
            f"{settings.IMPORT_MAX_COLUMNS}. Delete the unused columns and upload it again."
        )


def _add_row(grid: Grid, row: list, *, across: bool = False) -> None:
    if len(grid.rows) >= settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            f"The file has more than {settings.IMPORT_MAX_ROWS} rows: split the plan, or "
            "delete the rows below the table."
        )
    while row and row[-1] == "":
        row.pop()
    _check_width(len(row))
    if across:
        grid.across.append(len(grid.rows))
    grid.rows.append(row)


# XLSX


def _read_xlsx(data: bytes) -> Grid:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        sheet = _first_sheet_with_rows(workbook)
        merged = _merged_ranges(data, workbook, sheet.title)
        grid = Grid(sheet=sheet.title)
        max_row, max_col = sheet.max_row, sheet.max_column
        if max_col:
            _check_width(max_col)
        if max_row and max_row > settings.IMPORT_MAX_ROWS * 2:  # blank rows are dropped later
            raise ImportFileError(
                f"The file has more than {settings.IMPORT_MAX_ROWS} rows: split the plan."
            )
        for cells in sheet.iter_rows(max_col=settings.IMPORT_MAX_COLUMNS + 1):
            _add_row(grid, [_xlsx_cell(cell) for cell in cells])
    finally:
        workbook.close()
    _apply_merges(grid, merged)
    return grid


def _first_sheet_with_rows(workbook):
    for sheet in workbook.worksheets:
        if getattr(sheet, "sheet_state", "visible") == "visible" and sheet.max_row:
            return sheet
    return workbook.worksheets[0]


def _xlsx_cell(cell):
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        month_only = bool(_MONTH_ONLY_FORMAT.match(cell.number_format or ""))
        return {"date": day.isoformat(), "month": month_only}
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool):
        value = "TRUE" if value else "FALSE"
    return clean_text(str(value))


def _merged_ranges(data: bytes, workbook, title: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges (min_row, min_col, max_row, max_col), 0-based: openpyxl's
    read-only mode does not read them, so they are read from the sheet's XML, streamed."""
    from openpyxl.utils.cell import range_boundaries

    path = next(ws._worksheet_path for ws in workbook.worksheets if ws.title == title)
    ranges = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path.lstrip("/")) as part:
        parser = etree.iterparse(
            part,
            events=("end",),
            tag=f"{_SPREADSHEET_NS}mergeCell",
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
        )
        for _, element in parser:
            min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
            ranges.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
            element.clear()
    return ranges


def _apply_merges(grid: Grid, merged) -> None:
    """Carry each merged cell's value down the rows it covers; a cell merged across most of
    the table's width makes its row a section row."""
    width = max((len(row) for row in grid.rows), default=0)
    for min_row, min_col, max_row, max_col in merged:
        if min_row >= len(grid.rows):
            continue
        top = grid.rows[min_row]
        value = top[min_col] if min_col < len(top) else ""
        for index in range(min_row + 1, min(max_row, len(grid.rows) - 1) + 1):
            row = grid.rows[index]
            row.extend([""] * (min_col + 1 - len(row)))
            row[min_col] = value
        if (
            max_col - min_col + 1 >= max(2, width // 2)
            and value != ""
            and min_row not in grid.across
        ):
            grid.across.append(min_row)
    grid.across.sort()


# CSV


def _read_csv(data: bytes) -> Grid:
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    grid = Grid(sheet="")
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        _add_row(grid, [clean_text(_NEUTRALISED_AFTER_SEPARATOR.sub(r"\1", cell)) for cell in row])
    return grid


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the byte-order mark Excel writes), else Windows-1252, as Excel
    on Windows saves "CSV" by default."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The CSV file's text is in an encoding that cannot be recognised: save it from "
            "Excel as 'CSV UTF-8' and upload that."
        ) from None


# DOCX


def _read_docx(data: bytes) -> Grid:
    """Every table of the document, in order, as one table (a plan's table often continues
    over several), with the paragraphs between them as section rows (headings typed between
    the tables)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    grid = Grid(sheet="")
    for element in document.element.body.iterchildren():
        tag = etree.QName(element).localname
        if tag == "p":
            text = clean_text(Paragraph(element, document).text)
            if text:
                _add_row(grid, [text], across=True)
        elif tag == "tbl":
            for row in Table(element, document).rows:
                _add_docx_row(grid, row)
    return grid


def _add_docx_row(grid: Grid, row) -> None:
    """A Word row: a cell spanning several columns is repeated by python-docx; keep it once,
    and a row that is one cell across the table is a section row."""
    cells = list(row.cells)
    _check_width(len(cells))
    values, previous = [], None
    for cell in cells:
        same = previous is not None and cell._tc is previous._tc
        values.append("" if same else clean_text(cell.text))
        previous = cell
    spans_table = len(cells) > 1 and all(cell._tc is cells[0]._tc for cell in cells)
    _add_row(grid, values, across=spans_table and values[0] != "")


_READERS = {"xlsx": _read_xlsx, "csv": _read_csv, "docx": _read_docx}

"""Reading an uploaded plan file: limits and refusals before parsing, then its rows."""

import io
import re
import zipfile
from datetime import date

import docx
import pytest
from openpyxl import Workbook

from actionplan.importing.reading import ImportFileError, read_file


def _xlsx(rows, *, merges=(), formats=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def test_xlsx_merged_cells_carry_down_and_a_merged_row_is_a_section():
    data = _xlsx(
        [["Ref", "Action", "Lead"], ["Priority 1: Prevention", None, None],
         ["1.1", "Do it", "Police"], ["1.2", "Do more", None]],
        merges=["A2:C2", "C3:C4"],
    )  # fmt: skip
    grid = read_file("plan.xlsx", data)
    assert grid.rows[3] == ["1.2", "Do more", "Police"]
    assert grid.across == [1]
    assert grid.rows[1] == ["Priority 1: Prevention"]


def test_xlsx_dates_are_dates_and_a_month_year_cell_says_so():
    rows = [["Action", "Timescale"], ["A", date(2017, 4, 1)], ["B", date(2015, 9, 30)]]
    data = _xlsx(rows, formats={"B2": "mmm-yy", "B3": "dd/mm/yyyy"})
    rows = read_file("plan.xlsx", data).rows
    assert rows[1][1] == {"date": "2017-04-01", "month": True}
    assert rows[2][1] == {"date": "2015-09-30", "month": False}


def test_xlsx_formulas_are_read_as_their_cached_values_never_evaluated():
    data = _xlsx([["Action", "Owner"], ["A", "=1+1"]])

    def cache(name, content):
        if name == "xl/worksheets/sheet1.xml":
            content = re.sub(rb'<c r="B2"[^>]*>', b'<c r="B2" t="str">', content)
            return re.sub(
                rb"<f>1\+1</f>(<v\s*/>|<v>[^<]*</v>)?", b"<f>1+1</f><v>Cached</v>", content
            )
        return content

    rows = read_file("plan.xlsx", _rezip(data, cache)).rows
    assert rows[1][1] == "Cached"  # what Excel last showed: never evaluated, never "=1+1"


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("utf-8 with BOM", "\ufeffAction,Lead\r\nRéview,Chair – Board\r\n".encode()),
        ("utf-8", "Action,Lead\nRéview,Chair – Board\n".encode()),
        ("windows-1252", "Action,Lead\r\nRéview,Chair – Board\r\n".encode("cp1252")),
    ],
)
def test_csv_encodings_are_detected(encoding, data):
    assert read_file("plan.csv", data).rows == [["Action", "Lead"], ["Réview", "Chair – Board"]]


def test_csv_semicolons_and_exported_formula_apostrophes():
    data = b"Action;Lead\n'=1+1;x\n"
    assert read_file("plan.csv", data).rows[1] == ["=1+1", "x"]


def test_docx_tables_continue_as_one_and_paragraphs_between_are_sections():
    document = docx.Document()
    document.add_paragraph("Action plan")
    for heading in ("1.1 First", "1.2 Second"):
        document.add_paragraph(heading)
        table = document.add_table(rows=2, cols=3)
        for col, text in enumerate(["Action", "Lead", "Timescale"]):
            table.cell(0, col).text = text
        for col, text in enumerate([f"{heading[:3]}.1 Act", "Police", "May 2016"]):
            table.cell(1, col).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    grid = read_file("plan.docx", buffer.getvalue())
    assert [row[0] for row in grid.rows] == [
        "Action plan", "1.1 First", "Action", "1.1.1 Act", "1.2 Second", "Action", "1.2.1 Act",
    ]  # fmt: skip
    assert grid.across == [0, 1, 4]


def test_docx_cell_merged_across_the_table_is_a_section_row():
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for col, text in enumerate(["Action", "Lead", "Timescale"]):
        table.cell(0, col).text = text
    table.cell(1, 0).merge(table.cell(1, 2)).text = "Priority 2"
    table.cell(2, 0).text = "Act"
    buffer = io.BytesIO()
    document.save(buffer)
    grid = read_file("plan.docx", buffer.getvalue())
    assert grid.rows[1] == ["Priority 2"]
    assert grid.across == [1]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    return buffer.getvalue()


def _with_macros() -> bytes:
    data = _xlsx([["Action"], ["A"]])
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    return buffer.getvalue()


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("plan.xlsx", b"", "empty"),
        ("plan.xlsm", b"PK\x03\x04", "macros"),
        ("plan.pdf", b"%PDF-1.7", "Upload an Excel workbook"),
        ("plan.xlsx", _zip_bomb(), "zip bomb"),
        ("plan.xlsx", _with_macros(), "macros"),
        ("plan.xlsx", _xlsx([["Action"]])[:500], "damaged"),
        (
            "plan.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
            "password",
        ),
        ("plan.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old-style"),
        ("plan.xlsx", _docx_bytes(), "looks like a Word document"),
        ("plan.csv", _xlsx([["Action"]]), "not a CSV file"),
        ("plan.csv", b"\n\n , \n", "no text"),
        ("plan.docx", b"not a zip at all", "damaged"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(ImportFileError, match=message):
        read_file(name, data)


def test_a_zip_naming_a_version_zipfile_lacks_is_refused_as_damaged():
    # Found by test_import_properties: a flipped byte in the central directory's "version
    # needed to extract" made zipfile raise NotImplementedError, a server error.
    data = bytearray(_xlsx([["Action"], ["Audit"]]))
    at = data.index(b"PK\x01\x02") + 6
    data[at : at + 2] = (93).to_bytes(2, "little")  # version 9.3
    with pytest.raises(ImportFileError, match="damaged"):
        read_file("plan.xlsx", bytes(data))


def test_size_rows_and_columns_limits(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="larger than"):
        read_file("plan.csv", b"a," * 100)
    settings.IMPORT_MAX_BYTES = 10_000_000
    settings.IMPORT_MAX_ROWS = 10
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_file("plan.csv", b"a,b\n" * 11)
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_file("plan.xlsx", _xlsx([["a", "b"]] * 25))
    settings.IMPORT_MAX_COLUMNS = 5
    with pytest.raises(ImportFileError, match="6 columns"):
        read_file("plan.csv", b"a,b,c,d,e,f\n")
    with pytest.raises(ImportFileError, match="columns"):
        read_file("plan.xlsx", _xlsx([["a"] * 8]))

"""Find the plan's table in a Grid: its header row, then each row below classified as an
action row, a section heading, a note or a repeat of the header."""

import re
from dataclasses import dataclass

from actionplan.importing.mapping import field_for_header, normalise_header
from actionplan.importing.reading import Grid, ImportFileError

# How far down a title page may push the header.
HEADER_SEARCH_ROWS = 60
NOTE = re.compile(
    r"^(key|note|notes|nb|source|rag key|rag rating key|updated|last updated|version)\b\s*[:.\-]",
    re.I,
)


LEVEL_WORDS = (
    "priority",
    "priorities",
    "outcome",
    "outcomes",
    "theme",
    "themes",
    "objective",
    "objectives",
    "recommendation",
    "recommendations",
    "aim",
    "aims",
    "area",
    "areas",
    "workstream",
    "strand",
    "goal",
    "goals",
    "section",
    "target areas",
)
HEADING = re.compile(
    r"^(?:(?P<label>[A-Za-z][A-Za-z /&'-]{0,40}?)\s+)?(?P<number>\d+(?:\.\d+)*)\.?"
    r"(?=$|[\s:\-–.])\s*[:\-–.]?\s*(?P<title>.*)$",
    re.S,
)
LABELLED = re.compile(r"^(?P<label>[A-Za-z][A-Za-z /&'-]{0,40}?)\s*:\s*(?P<title>.+)$", re.S)
# A reference at the start of the action's text ("1.1.1 Commission...", "R3 Review...", "4. Do"):
# with a dot or a letter, so that "2015 plan..." or "16 staff trained" is not read as one.


@dataclass
class Row:
    """A row under the header: `number` is the row's number in the file (1-based), `kind`
    "action" or "section" (then `text` is the heading as written)."""

    number: int
    kind: str
    cells: list
    text: str = ""


@dataclass
class Table:
    header_number: int
    header: list[str]
    title: list[str]
    rows: list[Row]
    skipped: list[tuple[int, str]]


def cell_text(cell) -> str:
    return cell if isinstance(cell, str) else cell["date"]


def find_header(grid: Grid) -> int:
    """The header row's index: the row among the first rows whose cells name the most
    known columns (at least two), else the first row with three or more cells filled."""
    best, best_score = None, 1
    for index, row in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        if index in grid.across:
            continue
        score = len({field_for_header(cell_text(c)) for c in row} - {""})
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best
    for index, row in enumerate(grid.rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if cell_text(c)) >= 3:
            return index
    raise ImportFileError(
        "No table with a header row was found near the top of the file: the plan needs a "
        "row of column names (such as Action, Lead, Timescale) above its actions."
    )


def find_table(grid: Grid, header_index: int | None = None) -> Table:
    index = find_header(grid) if header_index is None else header_index
    header = [cell_text(c) for c in grid.rows[index]]
    first_heading = _first_heading_above(grid, index)
    title = [_first_text(row) for row in grid.rows[:first_heading] if _first_text(row)]
    rows, skipped = [], []
    for number, cells in enumerate(grid.rows[first_heading:index], start=first_heading + 1):
        if _first_text(cells):
            rows.append(Row(number, "section", cells, _first_text(cells)))
    for number, cells in enumerate(grid.rows[index + 1 :], start=index + 2):
        kind = _classify(cells, header, across=(number - 1) in grid.across)
        if kind in ("action", "section"):
            rows.append(Row(number, kind, cells, _first_text(cells) if kind == "section" else ""))
        elif kind != "blank":
            skipped.append((number, kind))
    return Table(index + 1, header, title, _drop_trailing_notes(rows, skipped), skipped)


def _first_heading_above(grid: Grid, header_index: int) -> int:
    """Where headings start above the header (a Word plan's "Key Priority 1" paragraphs before
    its first table): the first single-cell row from which every such row is a heading, a
    level's name or a statement; the header's index where there is none."""
    start = header_index
    for index in range(header_index - 1, -1, -1):
        row = grid.rows[index]
        text = _first_text(row)
        if not text:
            continue
        if sum(1 for c in row if cell_text(c)) > 1:
            break
        label, number, _ = parse_heading(text)
        if number or label or names_a_level(text) or LABELLED.match(text):
            start = index
    return _first_numbered(grid, start, header_index)


def _first_numbered(grid: Grid, start: int, header_index: int) -> int:
    """Headings begin at the first numbered or labelled heading: plain lines before it
    are the title."""
    for index in range(start, header_index):
        label, number, _ = parse_heading(_first_text(grid.rows[index]))
        if number or label:
            return index
    return header_index


def _first_text(row) -> str:
    return next((cell_text(c) for c in row if cell_text(c)), "")


def _classify(cells, header, *, across: bool) -> str:
    filled = [i for i, c in enumerate(cells) if cell_text(c)]
    if not filled:
        return "blank"
    if _repeats_header(cells, header):
        return "repeated header"
    first = cell_text(cells[filled[0]])
    if len(filled) == 1 and NOTE.match(first):
        return "note"
    if across or filled == [0]:
        return "section"
    return "action"


def _repeats_header(cells, header) -> bool:
    """A table that continues over pages or tables repeats its header row."""
    texts = [normalise_header(cell_text(c)) for c in cells]
    filled = [t for t in texts if t]
    if len(filled) < 2:
        return False
    own = {normalise_header(h) for h in header if h}
    same = sum(1 for t in filled if t in own or field_for_header(t, exact=True))
    return same >= max(2, len(filled) - 1) and all(len(t) < 40 for t in filled)


def _drop_trailing_notes(rows: list[Row], skipped) -> list[Row]:
    """Section-like rows after the last action row are notes below the table ("Key: 1 Fully
    achieved"), not headings with nothing under them."""
    while rows and rows[-1].kind == "section":
        skipped.append((rows[-1].number, "note"))
        rows.pop()
    return rows


def parse_heading(text: str) -> tuple[str, str, str]:
    """(label, number, title) of a heading: a label only where it names a level."""
    if match := HEADING.match(text):
        label = (match["label"] or "").strip()
        if not label or names_a_level(label):
            return label, match["number"], match["title"].strip()
    if (match := LABELLED.match(text)) and is_level_word(match["label"]):
        return match["label"].strip(), "", match["title"].strip()
    return "", "", text.strip()


def is_level_word(label: str) -> bool:
    words = label.lower().split()
    return bool(words) and words[-1] in LEVEL_WORDS and len(words) <= 3


def names_a_level(text: str) -> bool:
    """ "Key Priority", "Key Target Areas/Objectives": a few words, the last a level's name."""
    words = re.split(r"[\s/]+", text.lower().strip(" :"))
    return 0 < len(words) <= 5 and words[-1] in LEVEL_WORDS

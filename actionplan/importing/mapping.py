"""Which column holds what: suggested from the header's words, chosen by the person, and
remembered for the next file with the same header (its layout)."""

import hashlib
import re

# What a column can hold, in the order the mapping page lists them.
FIELDS = {
    "": "Not imported",
    "reference": "Reference (e.g. 2.1.4)",
    "description": "Action",
    "owners": "Owners (lead officer or agency)",
    "measures": "Measures of success",
    "baseline": "Baseline (a number: quantifies the first measure)",
    "target": "Target (a number: quantifies the first measure)",
    "accountable_body": "Accountable body",
    "timeframe": "Timeframe (when it is due)",
    "start_date": "Start date",
    "due_date": "Due date",
    "status": "Status (RAG or progress)",
    "status_date": "Date of the status",
    "commentary": "Update or commentary",
    "level1": "First level (e.g. priority)",
    "level2": "Second level (e.g. objective)",
    "retired_on": "Retired on (empty: in the plan)",
    "retired_reason": "Why it was retired",
}

# Header words for each field, in lower case without punctuation. The first field whose words
# match wins, so more specific words come before general ones ("status date" before "status").
SYNONYMS = [
    # Before "retired_on": "Retired reason" would otherwise match "retired" as a prefix.
    (
        "retired_reason",
        [
            "why it was retired",
            "why retired",
            "retired reason",
            "reason retired",
            "retired because",
            "retirement reason",
            "reason for retirement",
        ],
    ),
    (
        "retired_on",
        [
            "retired on",
            "retired",
            "date retired",
            "retired date",
            "retirement date",
            "date of retirement",
            "withdrawn on",
        ],
    ),
    (
        "status_date",
        [
            "status date",
            "date of status",
            "date of update",
            "update date",
            "last updated",
            "date updated",
        ],
    ),
    (
        "reference",
        [
            "ref",
            "reference",
            "ref no",
            "no",
            "number",
            "action no",
            "action number",
            "action ref",
            "id",
        ],
    ),
    (
        "owners",
        [
            "owner",
            "owners",
            "owner s",
            "action owner",
            "action owners",
            "lead",
            "leads",
            "lead officer",
            "lead officer agency",
            "lead agency",
            "lead officers",
            "responsible",
            "responsible officer",
            "responsibility",
            "who",
            "by whom",
            "lead person",
            "lead partner",
        ],
    ),
    (
        "measures",
        [
            "measure",
            "measures",
            "success measure",
            "success measures",
            "measure of success",
            "measures of success",
            "expected outcome",
            "expected outcomes",
            "outcome measure",
            "outcome measures",
            "success criteria",
            "evidence of success",
            "how will we know",
            "impact",
            "kpi",
        ],
    ),
    (
        "accountable_body",
        [
            "accountable body",
            "accountable",
            "accountable to",
            "reporting to",
            "reports to",
            "governance",
            "accountable group",
            "sub group",
            "subgroup",
            "board",
        ],
    ),
    (
        "timeframe",
        [
            "timeframe",
            "timescale",
            "timescales",
            "time frame",
            "time scale",
            "when",
            "by when",
            "target date",
            "deadline",
            "completion date",
            "date",
            "due",
            "due by",
            "timeline",
        ],
    ),
    ("start_date", ["start date", "start", "from"]),
    ("due_date", ["due date", "end date"]),
    (
        "status",
        [
            "rag",
            "rag status",
            "status",
            "progress",
            "rating",
            "bragg",
            "brag",
            "rag rating",
            "current status",
        ],
    ),
    (
        "commentary",
        [
            "update",
            "updates",
            "commentary",
            "comments",
            "comment",
            "progress update",
            "progress commentary",
            "latest update",
            "notes",
            "narrative",
            "progress to date",
        ],
    ),
    (
        "level1",
        [
            "priority",
            "key priority",
            "strategic priority",
            "theme",
            "outcome",
            "aim",
            "workstream",
            "area",
        ],
    ),
    (
        "level2",
        [
            "objective",
            "objectives",
            "key target area",
            "key target areas objectives",
            "target area",
            "recommendation",
            "sub theme",
        ],
    ),
    (
        "description",
        [
            "action",
            "actions",
            "action required",
            "actions required",
            "task",
            "what",
            "activity",
            "description",
            "action description",
            "what we will do",
            "key actions",
        ],
    ),
    # Last: "Target date" is a timeframe, and prefixes are tried in this order.
    ("baseline", ["baseline", "baselines", "baseline value", "starting point", "base line"]),
    ("target", ["target", "targets", "target value", "target figure", "kpi target"]),
]
_WORDS = re.compile(r"[^a-z0-9]+")


def normalise_header(text: str) -> str:
    return " ".join(_WORDS.split(text.lower())).strip()


def field_for_header(text: str, *, exact: bool = False) -> str:
    """The field a header names, or "" if none: an exact synonym first, then (unless `exact`)
    a synonym that the header starts with ("Timescale for completion")."""
    header = normalise_header(text)
    if not header:
        return ""
    for name, words in SYNONYMS:
        if header in words:
            return name
    if exact:
        return ""
    for name, words in SYNONYMS:
        if any(len(word) > 3 and header.startswith(word + " ") for word in words):
            return name
    return ""


def suggest_mapping(header: list[str]) -> list[str]:
    """One field per column: each field to the first column that names it, never two."""
    taken, mapping = set(), []
    for text in header:
        name = field_for_header(text)
        if name in taken:
            name = ""
        taken.add(name)
        mapping.append(name)
    if "description" not in mapping:
        mapping = _longest_text_column_is_the_action(header, mapping)
    return mapping


def _longest_text_column_is_the_action(header, mapping):
    """A header with no "Action" word: the first unmapped column with a header is the action."""
    for index, name in enumerate(mapping):
        if not name and header[index].strip():
            mapping[index] = "description"
            break
    return mapping


def layout_signature(header: list[str]) -> str:
    """The same header (words, in order) gives the same signature, whatever the case and
    punctuation: the key a remembered mapping is found by."""
    words = "|".join(normalise_header(text) for text in header)
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def mapping_errors(mapping: list[str]) -> list[str]:
    """What makes a mapping unusable, in words."""
    errors = []
    if "description" not in mapping:
        errors.append("Choose the column that holds the actions' text.")
    for name in FIELDS:
        if name and mapping.count(name) > 1:
            errors.append(f"Only one column can be '{FIELDS[name]}'.")
    if "due_date" not in mapping and "timeframe" not in mapping:
        errors.append("Choose the column that says when each action is due (the timeframe).")
    return errors

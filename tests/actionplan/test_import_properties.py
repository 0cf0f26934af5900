"""Property tests: whatever sheet or damaged file is uploaded, the import answers with a
page or a message, never a server error, and never leaves part of a plan behind."""

import csv
import io
import zipfile
from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from actionplan.importing.commit import (
    ImportBlockedError,
    plan_import_commit,
    plan_import_create,
    plan_import_map,
    preview,
)
from actionplan.importing.mapping import SYNONYMS
from actionplan.importing.reading import ImportFileError
from actionplan.models import Action, Plan, PlanImport
from tests.actionplan.conftest import wscb_docx, wscb_xlsx

pytestmark = pytest.mark.django_db
FIXTURE_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

HEADER_WORDS = [words[0] for _, words in SYNONYMS] + ["Notes", "", "Column"]
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from([
    "<script>alert(1)</script>", "=1+1", "@SUM(A1)", "-2", "1.1", "1.1.1", "Key Priority 1",
    "Ongoing", "Apr-17", "by end of Q3", "Police/YOS", "Red", "", "\x00\x07", "R3", "2.1.",
])  # fmt: skip


@st.composite
def sheets(draw):
    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.sampled_from(HEADER_WORDS), min_size=width, max_size=width))
    body = draw(st.lists(st.lists(TEXT, min_size=0, max_size=width), max_size=12))
    title = draw(st.lists(st.lists(TEXT, max_size=1), max_size=2))
    return title + [header] + body


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append([_xlsx_safe(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_safe(value: str) -> str:
    # openpyxl refuses control characters and reads "=..." as a formula: Excel files hold
    # neither as typed text, so the sheet holds what Excel would.
    return "".join(c for c in value if c >= " " or c in "\n\t").lstrip("=")


DETAILS = {"title": "T", "partnership": "P", "period": "2016-19", "status_from": "date",
           "status_date": "2016-06-30"}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(rows=sheets(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_any_sheet_previews_and_imports_whole_or_not_at_all(business_support, rows, fmt):
    data = _csv(rows) if fmt == "csv" else _xlsx(rows)
    plans, actions = Plan.objects.count(), Action.objects.count()
    with transaction.atomic():
        try:
            upload = plan_import_create(name=f"s.{fmt}", data=data, uploaded_by=business_support)
        except ImportFileError as error:
            assert str(error)  # a message for the person
            transaction.set_rollback(True)
            return
        mapping = upload.mapping
        try:
            plan_import_map(plan_import=upload, mapping=mapping, details={**DETAILS, "slug": "p"})
        except Exception as error:  # a mapping the person must fix: said in words
            assert "Choose" in str(error) or "Only one" in str(error)
            transaction.set_rollback(True)
            return
        draft = preview(upload).draft
        try:
            plan = plan_import_commit(plan_import=upload, user=business_support)
        except ImportBlockedError:
            assert draft.blocking
            assert Plan.objects.count() == plans and Action.objects.count() == actions
        else:
            assert plan.actions.count() == len(draft.actions) > 0
        transaction.set_rollback(True)


@cache
def _good_files():
    """Made once: each file records when it was saved, and Hypothesis replays examples."""
    csv_bytes = _csv([["Action", "Lead", "Timescale"], ["Audit", "Board Manager", "May 2017"]])
    return [("xlsx", wscb_xlsx()), ("docx", wscb_docx()), ("csv", csv_bytes)]


def _corruptions():
    return st.sampled_from(_good_files())


def _remove_entry(data: bytes, name: str) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


@st.composite
def damaged_files(draw):
    fmt, data = draw(_corruptions())
    how = draw(st.sampled_from(["truncate", "flip", "splice", "drop entry", "rename"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    elif how == "drop entry" and fmt != "csv":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        data = _remove_entry(data, draw(st.sampled_from(names)))
    elif how == "rename":
        fmt = draw(st.sampled_from([f for f in ("xlsx", "docx", "csv") if f != fmt]))
    return fmt, data


@settings(max_examples=80, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(damaged=damaged_files())
def test_a_damaged_file_never_gives_a_server_error_or_part_of_a_plan(
    client, business_support, damaged
):
    fmt, data = damaged
    client.force_login(business_support)
    plans, actions = Plan.objects.count(), Action.objects.count()
    with transaction.atomic():
        response = client.post(
            reverse("actionplan:import-upload"), {"file": SimpleUploadedFile(f"d.{fmt}", data)}
        )
        assert response.status_code in (200, 302)  # the test client raises on a server error
        if response.status_code == 302:
            upload = PlanImport.objects.latest("pk")
            _map_and_confirm(client, upload)
            made = Plan.objects.filter(slug="damaged").first()
            if made is not None:  # all of the plan the preview showed
                assert made.actions.count() == upload.summary["actions"] > 0
            else:
                assert Plan.objects.count() == plans and Action.objects.count() == actions
        transaction.set_rollback(True)


def _map_and_confirm(client, upload):
    mapping_url = reverse("actionplan:import-mapping", args=[upload.pk])
    page = client.get(mapping_url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].initial or "" for name in form.columns}
    data |= {"title": "Damaged", "partnership": "P", "period": "2015-18", "slug": "damaged",
             "status_from": "none"}  # fmt: skip
    response = client.post(mapping_url, data)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        preview_url = response["Location"]
        page = client.get(preview_url)
        assert page.status_code == 200
        match = page.context["form"]
        choices = {name: match[name].initial for name in match.fields}
        response = client.post(preview_url, {**choices, "confirm": "1"})
        assert response.status_code in (200, 302)
        upload.refresh_from_db()


def test_the_command_dry_run_prints_the_preview_and_writes_nothing(tmp_path, business_support):
    path = tmp_path / "WSCB plan.docx"
    path.write_bytes(wscb_docx())
    plans, imports = Plan.objects.count(), PlanImport.objects.count()
    out = io.StringIO()
    call_command("import_plan", str(path), "--plan", "wscb-copy", "--period", "2015-18",
                 "--dry-run", stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Key Priority 1: Prevention and Education" in text and "42 actions" in text
    assert "row 13" in text and "1.2 has no heading" in text
    assert "Dry run: nothing was written." in text
    assert (Plan.objects.count(), PlanImport.objects.count()) == (plans, imports)

    by = business_support.username
    call_command("import_plan", str(path), "--plan", "wscb-copy", "--period", "2015-18",
                 "--partnership", "WSCB", "--by", by, stdout=out)  # fmt: skip
    made = Plan.objects.get(slug="wscb-copy")
    assert made.actions.count() == 42
    record = PlanImport.objects.get(plan=made)
    assert record.uploaded_by == business_support and record.state == "committed"


def test_the_command_refuses_a_bad_file_and_a_mapping_it_cannot_use(tmp_path):
    bad = tmp_path / "plan.xlsm"
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(CommandError, match="macros"):
        call_command("import_plan", str(bad), "--plan", "x")
    sheet = tmp_path / "plan.csv"
    sheet.write_bytes(b"Action,Timescale\nAudit,May 2017\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"columns": ["description", "nonsense"]}')
    with pytest.raises(CommandError, match="Unknown column choices: nonsense"):
        call_command("import_plan", str(sheet), "--plan", "x", "--mapping", str(mapping))

"""An imported sheet's "Baseline" and "Target" columns quantify the action's first measure
where they hold a figure; words are kept as words, never guessed into numbers."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplan.importing.mapping import field_for_header, suggest_mapping
from actionplan.measures import infer_quantity
from actionplan.models import Measure

pytestmark = pytest.mark.django_db

HEADER = ["Ref", "Action", "Lead officer/agency", "Accountable body", "Timescale",
          "Measure of success", "Baseline", "Target"]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "field"),
    [("Baseline", "baseline"), ("Baseline value", "baseline"), ("Target", "target"),
     ("Target 2017", "target"), ("Target date", "timeframe"), ("KPI", "measures")],
)  # fmt: skip
def test_baseline_and_target_headers_are_understood(header, field):
    assert field_for_header(header) == field


def test_a_sheet_with_the_columns_maps_them():
    assert suggest_mapping(HEADER)[-2:] == ["baseline", "target"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12%", ("percentage", Decimal(12))), ("£1.2k", ("currency", Decimal(1200))),
     ("1,234", ("number", Decimal(1234))), ("Yes", ("yes-no", Decimal(1))),
     ("20 days", ("days", Decimal(20))), ("Reduce by a third", None), ("1,5", None), ("", None)],
)  # fmt: skip
def test_a_target_cell_is_read_only_when_it_is_a_figure(text, expected):
    assert infer_quantity(text) == expected


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_an_imported_target_quantifies_the_first_measure(client, business_support):
    rows = [
        ["1.1", "Train staff", "Chair of CSE Panel", "CSE Strategic Group", "March 2017",
         "Staff trained", "40%", "90%"],
        ["1.2", "Cut waits", "Chair of CSE Panel", "CSE Strategic Group", "March 2017",
         "Days waited for a strategy meeting", "15", "10"],
        ["1.3", "Refresh", "Chair of CSE Panel", "CSE Strategic Group", "March 2017",
         "Toolkit refreshed", "", "Most partners"],
    ]  # fmt: skip
    client.force_login(business_support)
    upload = SimpleUploadedFile("plan.csv", _csv(rows))
    mapping_url = client.post(reverse("actionplan:import-upload"), {"file": upload})["Location"]
    columns = ["reference", "description", "owners", "accountable_body", "timeframe",
               "measures", "baseline", "target"]  # fmt: skip
    data = {f"column_{i}": name for i, name in enumerate(columns)}
    data |= {"title": "Plan", "partnership": "HSB", "period": "2016-19", "slug": "hsb"}
    data |= {"status_from": "none"}
    response = client.post(mapping_url, data)
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "“Most partners” is not a figure" in preview
    selects = re.findall(
        r'<select name="([^"]+)"[^>]*>.*?value="([^"]*)"[^>]*selected', preview, re.S
    )
    confirm = {"confirm": "1", **dict(selects)}
    assert client.post(response["Location"], confirm).status_code == 302
    measures = {m.action.reference: m for m in Measure.objects.filter(action__plan__slug="hsb")}
    staff, waits = measures["1.1"], measures["1.2"]
    assert (staff.unit, staff.baseline_value, staff.target_value) == (
        "percentage",
        Decimal(40),
        Decimal(90),
    )
    assert staff.direction == "higher" and staff.text == "Staff trained"
    assert (waits.unit, waits.direction) == ("number", "lower")  # 15 down to 10
    words = Measure.objects.filter(action__plan__slug="hsb", action__reference="1.3")
    assert [m.text for m in words] == ["Toolkit refreshed", "Target: Most partners"]
    assert not words[0].unit

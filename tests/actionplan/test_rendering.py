"""What the app writes in Python for speed must be what the libraries write: the action
table's cells (ActionTable.rendered_rows), select options (QuickSelect) and their labels, and
inputs (QuickTextInput, QuickDateInput, QuickCheckboxSelectMultiple's boxes)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils.html import conditional_escape
from django.utils.text import Truncator

from actionplan.filters import ActionFilter
from actionplan.form_fields import DateInput
from actionplan.forms import (
    QuickCheckboxSelectMultiple,
    QuickDateInput,
    QuickSelect,
    QuickTextInput,
)
from actionplan.models import AccountableBody, Action, Objective, Rag
from actionplan.services import status_update_create
from actionplan.tables import COMMENTARY_SNIPPET_CHARS, ActionTable, snippet
from tests.conftest import make_action, make_body, make_role, make_user

pytestmark = pytest.mark.django_db

AS_OF = date(2015, 12, 31)


def _rows_as_django_tables2_renders_them(table) -> list[str]:
    rows = []
    for row in table.paginated_rows:
        cells = [conditional_escape(cell) for _, cell in row.items()]
        rows.append(
            f'<th scope="row">{cells[0]}</th>' + "".join(f"<td>{cell}</td>" for cell in cells[1:])
        )
    return rows


@pytest.fixture
def actions():
    body = make_body()
    author = make_user()
    role = make_role(title="Lead <nurse>")
    updated = make_action(
        accountable_body=body,
        owners=[role, make_role()],
        due_date=date(2015, 11, 30),
        description='<script>alert("x")</script> ' + "long words " * 10,
    )
    status_update_create(
        action=updated,
        author=author,
        rag=Rag.RED,
        commentary="Off track: " + "the venue fell through & partners regrouped. " * 4,
        expected_version=0,
        created_at=datetime(2015, 12, 1, 10, tzinfo=ZoneInfo("Europe/London")),
    )
    make_action(objective=updated.objective, accountable_body=body, due_date=date(2016, 3, 31))
    return Action.objects.filter(accountable_body=body).for_dashboard(as_of=AS_OF)


@pytest.mark.parametrize("exclude", [(), ("accountable_body",)])
def test_rendered_rows_are_the_cells_django_tables2_renders(actions, exclude):
    table = ActionTable(actions, caption="Actions", exclude=exclude, as_of_query="?as_of=x")
    expected = _rows_as_django_tables2_renders_them(table)
    assert [str(row) for row in table.rendered_rows()] == expected
    assert "&lt;script&gt;" in expected[0] and "Lead &lt;nurse&gt;" in expected[0]
    assert "<td>—</td>" in expected[1]  # never updated: no last update, no commentary
    for record, row in zip(table.paginated_rows, expected, strict=True):
        assert f'<a href="{record.record.get_absolute_url()}">' in row


@pytest.mark.parametrize("length", [0, 1, 99, 100, 101, 250])
def test_commentary_snippet_cuts_as_truncator_does(length):
    text = ("Partners met & agreed the next step. " * 10)[:length]
    assert snippet(text) == Truncator(text).chars(COMMENTARY_SNIPPET_CHARS)


FLAT = [("", "Any <owner>"), (1, "Nurse & lead"), (2, "Chair"), ("2", "Chair again")]
GROUPED = [("", "Choose a quarter"), ("2015/16", [("2015-Q4", "Q4"), ("2", "Q3 & more")]), (2, "2")]


@pytest.mark.parametrize("choices", [FLAT, GROUPED])
@pytest.mark.parametrize("value", [None, "", "2", ["2"], "2015-Q4", "9"])
def test_quick_select_writes_what_djangos_select_writes(choices, value):
    attrs = {"id": "id_owner", "aria-describedby": "id_owner-error", "required": True}

    def html(widget_class):
        widget = widget_class(choices=choices)
        return re.sub(r">\s+<", "><", widget.render("owner", value, attrs=attrs))

    assert html(QuickSelect) == html(forms.Select)


FULL_ATTRS = {
    "id": "id_q",
    "maxlength": "200",
    "required": True,
    "aria-describedby": "id_q_helptext",
    "autofocus": False,
}


@pytest.mark.parametrize("value", [None, "", "toolkit", 'a "quoted" <b>word</b> & more', 7])
@pytest.mark.parametrize("attrs", [{}, FULL_ATTRS])
def test_quick_text_input_writes_what_djangos_writes(value, attrs):
    def html(widget_class):
        return widget_class().render("q", value, attrs=dict(attrs))

    assert html(QuickTextInput) == html(forms.TextInput)


@pytest.mark.parametrize("value", [None, "", date(2016, 3, 31), "2016-02-30", "<x>"])
def test_quick_date_input_writes_what_djangos_writes(value):
    def html(widget_class):
        widget = widget_class()
        return widget.render("as_of", value, attrs={"id": "id_as_of", "aria-invalid": "true"})

    assert html(QuickDateInput) == html(DateInput)


@pytest.mark.parametrize("data", [{}, {"rag": ["red", "none"]}, {"rag": ["<x>"]}])
def test_quick_checkboxes_write_the_boxes_djangos_write(data):
    def boxes(widget_class):
        class Form(forms.Form):
            rag = forms.MultipleChoiceField(
                choices=[("red", "Red"), ("amber", "<b>Amber</b>"), ("none", "Not yet")],
                widget=widget_class(attrs={"class": "box"}),
            )

        return [box.tag() for box in Form(data)["rag"]]

    expected = boxes(forms.CheckboxSelectMultiple)
    assert len(expected) == 3
    assert boxes(QuickCheckboxSelectMultiple) == expected


@pytest.mark.parametrize("field", ["priority", "objective", "owner", "agency"])
def test_filter_choices_are_labelled_as_the_models_label_themselves(wscb_plan, field):
    Objective.objects.filter(number="2.1").update(title="")  # "(heading not given ...)"
    bodies = AccountableBody.objects.all()
    assert len(bodies) == 13  # the WSCB plan's
    for body in bodies:
        filterset = ActionFilter({}, queryset=Action.objects.all(), body=body)
        choices = list(filterset.form.fields[field].widget.choices)[1:]  # after "Any ..."
        expected = [(obj.pk, str(obj)) for obj in filterset.filters[field].queryset]
        assert choices, body  # every body has actions, so something to choose
        assert choices == expected

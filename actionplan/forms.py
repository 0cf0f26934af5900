from datetime import date

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from accounts.validators import RefuseControlCharactersMixin, refuse_control_characters
from actionplan.form_fields import DateInput, date_errors, date_field, reason_field
from actionplan.markup import quick_escape
from actionplan.measures import format_value, parse_value
from actionplan.models import COMMENTARY_MAX_LENGTH, Measure, Plan
from actionplan.quarters import Quarter
from actionplan.rag import Rag, level, tag_html
from actionplan.services import (
    MIN_CONCERN_COMMENTARY,
    ReportedValue,
    commentary_errors,
    measure_value_errors,
)


def _rag_choices():
    """Each status as its tag and its definition."""
    return [(r.value, format_html("{} {}", tag_html(r), level(r).definition)) for r in Rag]


class QuickSelect(forms.Select):
    """Django's Select, same markup (tests/actionplan/test_rendering.py), with its options
    written in Python rather than through a template each.

    A hand-written fast path, kept because the target for the 10,000-action dashboard (half
    the admin changelist's time) depends on it: its filters list hundreds of objectives and
    owner roles, and with Django's Select its first page took 1.4-1.9 times the admin's time
    instead of 0.65-0.88 (bench/run.py's paths, both ways in the same rounds, two runs). The
    WSCB pages would stay under 50 ms without it (its dashboard 1.35-1.41 times the admin's
    time instead of 1.11-1.19). Figures: bench/README.md, "Hand-written fast paths"."""

    def render(self, name, value, attrs=None, renderer=None):
        context = forms.Widget.get_context(self, name, value, attrs)["widget"]
        options = _options(self.choices, set(context["value"]))
        return format_html(
            '<select name="{}"{}>{}</select>', name, mark_safe(_attrs(context)), options
        )


class QuickInputMixin:
    """Django's <input> (django/forms/widgets/input.html), same markup
    (tests/actionplan/test_rendering.py), written in Python rather than through two templates
    (the input's and its attributes'). For the dashboard's filters and date box: with Django's
    templates their five inputs took 6 ms of the 10,000-action dashboard's time on a loaded
    machine (bench/README.md, "Web pages"), for the same reason as QuickSelect."""

    def render(self, name, value, attrs=None, renderer=None):
        return _input_html(self.get_context(name, value, attrs)["widget"])


class QuickTextInput(QuickInputMixin, forms.TextInput):
    pass


class QuickDateInput(QuickInputMixin, DateInput):
    pass


class QuickCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Django's checkboxes, each box's <input> written in Python (as QuickInputMixin's) where
    Django renders three templates a box (the option's, input_option.html's and the input's);
    the labels are the page's own (actionplan/_checkboxes.html). The dashboard's RAG and round
    filters have nine boxes: 4-5 ms on a loaded machine."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name != self.option_template_name or widget.get("wrap_label"):
            return super()._render(template_name, context, renderer)
        return _input_html(widget)


def _input_html(widget: dict) -> str:
    """django/forms/widgets/input.html of a widget's context."""
    value = widget["value"]
    value_html = "" if value is None else format_html(' value="{}"', value)
    attrs_html = mark_safe(_attrs({"attrs": widget["attrs"]}))
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                       value_html, attrs_html)  # fmt: skip


def _attrs(context) -> str:
    """The widget's attributes in their order, as django/forms/widgets/attrs.html writes them."""
    return "".join(
        " " + conditional_escape(name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in context["attrs"].items()
        if value is not False and value is not None
    )


def _options(choices, values: set[str]):
    """The options, in optgroups where the choices are grouped. Iterates the choices once (a
    model choice field's query); only the first option with a chosen value is selected, as
    in Django's ChoiceWidget."""
    html, found = [], False
    for value, label in choices:
        grouped = isinstance(label, (list, tuple))
        if grouped:
            html.append(format_html('<optgroup label="{}">', value))
        for option_value, option_label in label if grouped else [(value, label)]:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in values
            found |= selected
            value_html, text = quick_escape(option_value), quick_escape(option_label)
            attrs = " selected" if selected else ""
            html.append(f'<option value="{value_html}"{attrs}>{text}</option>')
        if grouped:
            html.append("</optgroup>")
    return mark_safe("".join(html))


class StatusUpdateForm(RefuseControlCharactersMixin, forms.Form):
    rag = forms.ChoiceField(
        label="RAG status",
        choices=_rag_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a RAG status."},
    )
    commentary = forms.CharField(
        label="Commentary",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "What has happened since the last update, and what happens next. For Red or Amber, "
            f"say what is being done about it (at least {MIN_CONCERN_COMMENTARY} characters)."
        ),
        error_messages={
            "required": "Enter a commentary: say what has happened since the last update."
        },
        max_length=COMMENTARY_MAX_LENGTH,
        strip=True,
    )
    evidence_url = forms.URLField(
        label="Evidence link (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A link to a report, minutes or other evidence, e.g. https://intranet.example/report.",
        error_messages={"invalid": "Enter a full web address, starting with https://."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, measures=(), previous=None, quarter: Quarter | None = None, **kw):
        """`measures`: the action's quantified measures due in `quarter`, each asked for a
        value (value_<id>), whether it is estimated (estimate_<id>) and a note (note_<id>);
        `previous`: the values already reported for the quarter, by measure id."""
        super().__init__(*args, **kw)
        self.measures, self.previous, self.quarter = list(measures), previous or {}, quarter
        for measure in self.measures:
            self._add_measure_fields(measure)
        for field in self.fields.values():  # the mixin has seen only the fields declared
            refuse_control_characters(field)

    def _add_measure_fields(self, measure) -> None:
        pk, before = measure.pk, self.previous.get(measure.pk)
        target = measure.target_for(self.quarter)
        hint = f"{measure.get_unit_display()}; target {format_value(target.value, measure.unit)}"
        if before is not None:
            hint += f"; already reported for the quarter: {before.display}"
        self.fields[f"value_{pk}"] = forms.CharField(
            label=f"Value for {self.quarter.short_label}" if self.quarter else "Value",
            required=False,
            max_length=40,
            help_text=hint,
            initial=_initial_text(before, measure.unit),
        )
        self.fields[f"estimate_{pk}"] = forms.BooleanField(
            label="This value is an estimate", required=False
        )
        self.fields[f"note_{pk}"] = forms.CharField(
            label="Note (needed if the value is missing, estimated or corrected)",
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def measure_rows(self):
        """(measure, value field, estimate field, note field) for the template."""
        return [
            (m, self[f"value_{m.pk}"], self[f"estimate_{m.pk}"], self[f"note_{m.pk}"])
            for m in self.measures
        ]

    def clean(self):
        data = super().clean()
        if "rag" in data and "commentary" in data:
            for error in commentary_errors(rag=data["rag"], commentary=data["commentary"]):
                self.add_error("commentary", error)
        self.reported_values = [self._clean_measure(measure, data) for measure in self.measures]
        return data

    def _clean_measure(self, measure, data) -> ReportedValue | None:
        pk = measure.pk
        try:
            value = parse_value(data.get(f"value_{pk}", ""), measure.unit)
        except ValueError as error:
            self.add_error(f"value_{pk}", str(error))
            return None
        note, estimate = data.get(f"note_{pk}", ""), data.get(f"estimate_{pk}", False)
        errors = measure_value_errors(
            value=value, note=note, is_estimate=estimate, previous=self.previous.get(pk)
        )
        for error in errors:
            self.add_error(f"value_{pk}", error)
        return ReportedValue(measure_id=pk, value=value, note=note, is_estimate=estimate)


def _initial_text(before, unit) -> str:
    if before is None or before.value is None:
        return ""
    return format_value(before.value, unit).removesuffix(" days").removesuffix(" day")


class MeasureQuantifyForm(RefuseControlCharactersMixin, forms.ModelForm):
    """A measure's numbers, for business support (the admin's inline has the same fields)."""

    class Meta:
        model = Measure
        fields = [
            "unit", "baseline_value", "baseline_date", "target_value", "target_upper",
            "target_date", "quarter_targets", "direction", "frequency", "data_source",
            "tolerance_percent",
        ]  # fmt: skip
        widgets = {
            "baseline_date": DateInput(),
            "target_date": DateInput(),
            "quarter_targets": forms.TextInput(),
            "direction": forms.RadioSelect,
        }
        error_messages = {
            "baseline_value": {"invalid": "Enter the baseline as a number, e.g. 12.5."},
            "target_value": {"invalid": "Enter the target as a number, e.g. 20."},
            "target_upper": {"invalid": "Enter the high end as a number, e.g. 30."},
            "tolerance_percent": {"invalid": "Enter the tolerance as a number, e.g. 5."},
            "baseline_date": date_errors("The baseline date"),
            "target_date": date_errors("The target date"),
        }


# A draft's fields, and each measure's (value_<id>, estimate_<id>, note_<id>).
DRAFT_FIELDS = ["rag", "commentary", "evidence_url", "version"]
MEASURE_DRAFT_FIELDS = ["value", "estimate", "note"]


def draft_initial(draft) -> dict:
    """The update form's initial data from a draft, its measures' fields included (those the
    form no longer asks for are ignored by it)."""
    initial = {name: getattr(draft, name) for name in DRAFT_FIELDS}
    for pk, entry in draft.measure_values.items():
        for name in MEASURE_DRAFT_FIELDS:
            initial[f"{name}_{pk}"] = entry.get(name, "")
    return initial


class StatusUpdateDraftForm(RefuseControlCharactersMixin, forms.Form):
    """The update form as the person is typing it: nothing is required and only size and
    control characters are checked; StatusUpdateForm checks the rest when they save."""

    rag = forms.ChoiceField(choices=[("", "None"), *Rag.choices], required=False)
    commentary = forms.CharField(
        required=False,
        strip=False,
        max_length=COMMENTARY_MAX_LENGTH,
    )
    evidence_url = forms.CharField(required=False, strip=False, max_length=500)
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, measure_ids=(), **kwargs):
        """`measure_ids`: the action's quantified measures, whose fields (as StatusUpdateForm
        names them) are kept as typed, checked for size and control characters only."""
        super().__init__(*args, **kwargs)
        self.measure_ids = list(measure_ids)
        for pk in self.measure_ids:
            self.fields[f"value_{pk}"] = forms.CharField(required=False, strip=False, max_length=40)
            self.fields[f"estimate_{pk}"] = forms.BooleanField(required=False)
            self.fields[f"note_{pk}"] = forms.CharField(
                required=False, strip=False, max_length=1000
            )
            for name in ["value", "note"]:
                refuse_control_characters(self.fields[f"{name}_{pk}"])

    def draft_data(self) -> dict:
        """The keyword arguments of services.status_update_draft_save. Call after is_valid()."""
        data = {name: self.cleaned_data[name] for name in DRAFT_FIELDS}
        typed = {}
        for pk in self.measure_ids:
            entry = {name: self.cleaned_data[f"{name}_{pk}"] for name in MEASURE_DRAFT_FIELDS}
            if any(entry.values()):
                typed[str(pk)] = entry
        return data | {"measure_values": typed}

    def error_text(self) -> str:
        """The errors as one sentence for the form's draft status line."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)


class DueDateRevisionForm(RefuseControlCharactersMixin, forms.Form):
    due_date = date_field(
        "New due date",
        what="The due date",
        required="Enter the new due date.",
        help_text="For example, 31/3/2016.",
    )
    reason = reason_field(
        "Reason",
        help_text="Why the date changes, and who agreed it: the Board and the pack show this.",
        required="Enter the reason for the new due date.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StartedQuarterForm(forms.Form):
    """A form whose `quarter` field (each declares its own) offers `quarters` grouped by
    financial year: the choice comes back as a Quarter, refused if it starts after `today`."""

    def __init__(self, *args, today: date, quarters: list[Quarter], **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["quarter"].widget.choices = _quarter_choices(quarters, today)

    def clean_quarter(self):
        text = self.cleaned_data["quarter"]
        if not text:
            return None
        try:
            quarter = Quarter.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if quarter.start > self.today:
            raise forms.ValidationError(f"{quarter.label} has not started yet.")
        return quarter


class AsOfForm(StartedQuarterForm):
    """The date a dashboard shows the plan as of: a day, or the end of a financial-year quarter.

    Bound to the query string. Both fields are optional: with neither, the date is today.
    """

    as_of = date_field(
        "Show the plan as it stood on",
        help_text=(
            "Statuses are those of the latest update on or before this date, and overdue is "
            "judged against it. For example, 31/12/2015."
        ),
        widget=QuickDateInput(),
    )
    quarter = forms.CharField(
        label="Or at the end of a quarter",
        required=False,
        help_text="Financial-year quarters: Q1 is April to June, Q4 is January to March.",
        widget=QuickSelect,
    )

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > self.today:
            raise forms.ValidationError(
                "The date must be today or in the past: future statuses are not known yet."
            )
        return day

    def clean(self):
        data = super().clean()
        if data.get("as_of") and data.get("quarter"):
            raise forms.ValidationError("Choose a date or a quarter, not both.")
        return data

    def day(self) -> date | None:
        """The chosen date (a quarter's last day, or today if the quarter is not over), or
        None if none was chosen or the input is invalid."""
        if not self.is_valid():
            return None
        if quarter := self.cleaned_data["quarter"]:
            return min(quarter.end, self.today)
        return self.cleaned_data["as_of"]


class PlanChoiceField(forms.ModelChoiceField):
    """A plan, chosen by its slug from every plan by title: opening a round, making a Board
    pack."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Plan")
        super().__init__(
            queryset=Plan.objects.order_by("title"),
            to_field_name="slug",
            empty_label=None,
            error_messages={"invalid_choice": "Choose one of the plans."},
            **kwargs,
        )


def _quarter_choices(quarters: list[Quarter], today: date):
    """Grouped by financial year, newest first, for a select."""
    years: dict[str, list] = {}
    for quarter in sorted(quarters, reverse=True):
        label = quarter.label + (" (to date)" if quarter.end > today else "")
        years.setdefault(f"Financial year {quarter.financial_year}", []).append(
            (quarter.slug, label)
        )
    return [("", "Choose a quarter"), *years.items()]

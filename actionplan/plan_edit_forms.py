"""Forms of the plan's edit pages (business support): input only; actionplan/plan_edits.py
writes. docs/editing-a-plan.md says how they are used."""

from datetime import date

from django import forms
from django.utils import timezone

from accounts.validators import RefuseControlCharactersMixin
from actionplan.form_fields import date_field, reason_field
from actionplan.models import REFERENCE_RE, AccountableBody, Action, Objective, OwnerRole
from actionplan.plan_edits import REASON_LENGTH
from actionplan.timeframes import TimeframeError, parse_timeframe

# Owner boxes on the form: the action's owners and two more, at least four (the WSCB plan's
# most).
MIN_OWNER_BOXES = 4
NEW_MEASURE_BOXES = 2


def owner_choices() -> list:
    """Every owner role, grouped by agency (one query)."""
    groups: dict[str, list] = {}
    for role in OwnerRole.objects.select_related("agency").order_by("agency__name", "title"):
        groups.setdefault(role.agency.name, []).append((str(role.pk), role.title))
    return [("", "None"), *groups.items()]


class _ObjectiveField(forms.ModelChoiceField):
    def label_from_instance(self, objective):
        return f"{objective.number} {objective.display_title}"[:120]


class _RelatedField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, action):
        retired = " (retired)" if action.is_retired else ""
        return f"{action.reference} {action.short_description}{retired}"


class ActionForm(RefuseControlCharactersMixin, forms.Form):
    """An action's fields, owners, measures and related actions, and why they change: the
    "Add an action" and "Edit this action" pages."""

    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the action: what will be done."},
    )
    reference = forms.CharField(
        label="Reference",
        max_length=20,
        help_text="Numbers and dots, e.g. 2.1.4; no other action of the plan may have it.",
        error_messages={"required": "Enter the reference, e.g. 2.1.4."},
    )
    objective = _ObjectiveField(
        label="Objective",
        queryset=Objective.objects.none(),
        error_messages={"required": "Choose the objective the action comes under."},
    )
    accountable_body = forms.ModelChoiceField(
        label="Accountable body",
        queryset=AccountableBody.objects.order_by("name"),
        error_messages={"required": "Choose the body the action is accountable to."},
    )
    timeframe = forms.CharField(
        label="Timeframe",
        max_length=200,
        help_text="As the plan writes it, e.g. End November 2015, Q3 2016/17 or Ongoing.",
        error_messages={"required": "Enter the timeframe as the plan writes it."},
    )
    due_date = date_field(
        "Due date in the plan",
        what="The due date",
        help_text="Leave it empty to take it from the timeframe. Correct a mistake here; a new "
        "date the Board agreed is a revision of the due date, on the action's page.",
    )
    start_date = date_field(
        "Start date (optional)", what="The start date", help_text="For example, 1/9/2015."
    )
    related = _RelatedField(
        label="Related actions",
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Actions of this plan that depend on or support this one.",
        error_messages={"invalid_choice": "Choose related actions from the list."},
    )
    reason = reason_field(
        "Reason for the change",
        help_text="Why, and who agreed it: kept in the action's history (up to "
        f"{REASON_LENGTH} characters).",
        required="Enter the reason for the change: it is kept in the action's history.",
        max_length=REASON_LENGTH,
        widget=forms.TextInput,
    )

    def __init__(self, *args, plan, action: Action | None = None, **kwargs):
        self.plan, self.action = plan, action
        initial = kwargs.setdefault("initial", {})
        if action is not None:
            initial |= _initial_of(action)
        super().__init__(*args, **kwargs)
        objectives = Objective.objects.filter(priority__plan=plan).select_related("priority")
        self.fields["objective"].queryset = objectives.order_by("priority__number", "sort_key")
        self.fields["objective"].label = plan.objective_label
        others = Action.objects.filter(plan=plan).order_by("sort_key")
        if action is not None:
            others = others.exclude(pk=action.pk)
        self.fields["related"].queryset = others
        self._add_owner_fields(len(initial.get("owners", [])))
        self._add_measure_fields()

    def _add_owner_fields(self, count: int) -> None:
        choices = owner_choices()
        self.owner_names = []
        for number in range(1, max(MIN_OWNER_BOXES, count + 2) + 1):
            name = f"owner_{number}"
            self.fields[name] = forms.ChoiceField(
                label=f"Owner {number}",
                choices=choices,
                required=False,
                error_messages={"invalid_choice": "Choose an owner role from the list."},
            )
            owners = self.initial.get("owners", [])
            if number <= len(owners):
                self.initial[name] = str(owners[number - 1])
            self.owner_names.append(name)

    def _add_measure_fields(self) -> None:
        self.measure_names = []
        measures = list(self.action.measures.all()) if self.action else []
        self.measures = {f"measure_{measure.pk}": measure for measure in measures}
        for number, (name, measure) in enumerate(self.measures.items(), start=1):
            self.fields[name] = forms.CharField(
                label=f"Measure {number}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Empty it to remove the measure (not possible once values are reported).",
            )
            self.initial[name] = measure.text
            self.measure_names.append(name)
        for number in range(1, NEW_MEASURE_BOXES + 1):
            name = f"new_measure_{number}"
            self.fields[name] = forms.CharField(
                label=f"New measure {number} (optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.measure_names.append(name)

    def owner_fields(self):
        return [self[name] for name in self.owner_names]

    def measure_fields(self):
        return [self[name] for name in self.measure_names]

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if not REFERENCE_RE.match(reference):
            raise forms.ValidationError("Write the reference as numbers and dots, e.g. 2.1.4.")
        clash = Action.objects.filter(plan=self.plan, reference=reference)
        if self.action is not None:
            clash = clash.exclude(pk=self.action.pk)
        if clash.exists():
            raise forms.ValidationError(f"Action {reference} is already in this plan.")
        return reference

    def clean(self):
        data = super().clean()
        roles = [data.get(name) for name in self.owner_names if data.get(name)]
        if len(set(roles)) != len(roles):
            self.add_error(self.owner_names[0], "Choose each owner role once.")
        found = OwnerRole.objects.in_bulk([int(pk) for pk in roles if pk.isdigit()])
        data["owners"] = [found[int(pk)] for pk in dict.fromkeys(roles) if int(pk) in found]
        if not data.get("due_date") and data.get("timeframe"):
            data["due_date"] = _due_from(data["timeframe"])
        return data

    def action_fields(self) -> dict:
        """The action's own fields, for plan_edits."""
        names = [
            "description", "reference", "objective", "accountable_body", "timeframe",
            "due_date", "start_date",
        ]  # fmt: skip
        return {name: self.cleaned_data[name] for name in names}

    def measure_texts(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[name] for name, m in self.measures.items()}

    def new_measures(self) -> list[str]:
        return [self.cleaned_data[f"new_measure_{n}"] for n in range(1, NEW_MEASURE_BOXES + 1)]


def _initial_of(action: Action) -> dict:
    fields = ["description", "reference", "timeframe", "due_date", "start_date"]
    return {name: getattr(action, name) for name in fields} | {
        "objective": action.objective_id,
        "accountable_body": action.accountable_body_id,
        "owners": [link.role_id for link in action.owner_link_list()],
        "related": [other.pk for other in action.related.all()],
    }


def _due_from(timeframe: str) -> date | None:
    """The due date the timeframe gives (its last day), or none ("Ongoing", or unread)."""
    try:
        return parse_timeframe(timeframe).due
    except TimeframeError:
        return None


class RetireForm(RefuseControlCharactersMixin, forms.Form):
    retired_on = date_field(
        "Retired from",
        required="Enter the day the action left the plan.",
        help_text="The day it left the plan: views of that day or later leave it out. For "
        "example, 31/3/2016.",
    )
    reason = reason_field(
        "Why it is retired",
        help_text="For example: merged into 2.1.4 by the Board on 12 January 2016.",
        required="Enter why the action is retired.",
    )

    def clean_retired_on(self):
        day = self.cleaned_data["retired_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future: retire it on the day.")
        return day


class ReinstateForm(RefuseControlCharactersMixin, forms.Form):
    reason = reason_field(
        "Why it is reinstated",
        help_text="For example: the Board kept it at its March meeting.",
        required="Enter why the action is reinstated.",
    )


class PriorityForm(RefuseControlCharactersMixin, forms.Form):
    number = forms.IntegerField(
        label="Number",
        min_value=1,
        max_value=999,
        error_messages={
            "required": "Enter the number, e.g. 5.",
            "invalid": "Enter the number as a whole number, e.g. 5.",
            "min_value": "Enter a number of 1 or more.",
            "max_value": "Enter a number of 999 or less.",
        },
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the title."}
    )
    statement = forms.CharField(
        label="Overarching statement (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].help_text = f"Not used by another {plan.priority_label.lower()}."


class _PriorityField(forms.ModelChoiceField):
    def label_from_instance(self, priority):
        return f"{priority.number}. {priority.display_title}"[:120]


class ObjectiveForm(RefuseControlCharactersMixin, forms.Form):
    priority = _PriorityField(
        label="Priority",
        queryset=None,
        error_messages={"required": "Choose the heading it comes under."},
    )
    number = forms.CharField(
        label="Number",
        max_length=20,
        help_text="Numbers and dots, e.g. 2.3; not used by another in this plan.",
        error_messages={"required": "Enter the number, e.g. 2.3."},
    )
    title = forms.CharField(
        label="Title", widget=forms.Textarea(attrs={"rows": 2}), error_messages={
            "required": "Enter the title."
        }
    )  # fmt: skip

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = plan.priorities.order_by("number")
        self.fields["priority"].label = plan.priority_label

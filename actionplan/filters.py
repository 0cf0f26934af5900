"""Filters for the dashboards' action tables. They live in the query string, so a filtered
view can be bookmarked and shared.

Status filters read the "as of" annotations of ActionQuerySet.for_dashboard(), never
current_rag, so that a look back at a past date filters on the status as it stood then.
"""

from datetime import date
from functools import cached_property, partial

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format

from actionplan.dashboards import (
    NOT_IN_ROUND,
    ROUND_STATES,
    measures_all_on_target_q,
    measures_off_target_q,
    not_updated_since_q,
    overdue_q,
    round_state_q,
)
from actionplan.form_fields import date_errors
from actionplan.forms import (
    QuickCheckboxSelectMultiple,
    QuickDateInput,
    QuickSelect,
    QuickTextInput,
)
from actionplan.models import (
    NO_HEADING,
    Action,
    ActionOwner,
    Agency,
    Measure,
    Objective,
    OwnerRole,
    Priority,
    RoundState,
)
from actionplan.rag import VALUES, level, rag_as_of_q, tag_html

MAX_SEARCH_WORDS = 10
ROUND_LABELS = dict(RoundState.choices) | {NOT_IN_ROUND: "Not in the round"}
# Labels that need the form's layout to make sense ("From" sits under "Due date").
DESCRIBED_LABELS = {"due_from": "Due from", "due_to": "Due to"}


def _in_words(name: str, value) -> str:
    """A filter's value as the export's filters line says it."""
    if name == "rag":
        return ", ".join(level(rag).label for rag in sorted(value, key=VALUES.index))
    if name == "round":
        return ", ".join(ROUND_LABELS[state] for state in sorted(value, key=ROUND_STATES.index))
    if name == "overdue":
        return {"yes": "Overdue", "no": "Not overdue"}[value]
    if name == "q":
        return f"“{value}”"
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)


class ActionFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        first, last = data.get("due_from"), data.get("due_to")
        if first and last and first > last:
            self.add_error("due_to", "The last due date must be the same as or after the first.")
        return data


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        max_length=200,
        help_text="Words in the reference, action, measures or latest commentary.",
        widget=QuickTextInput,
    )
    priority = django_filters.ModelChoiceFilter(
        field_name="objective__priority",
        queryset=Priority.objects.none(),
        label="Priority",
        empty_label="Any priority",
        widget=QuickSelect,
    )
    objective = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.none(),
        label="Objective",
        empty_label="Any objective",
        widget=QuickSelect,
    )
    rag = django_filters.MultipleChoiceFilter(
        choices=lambda: [(value, tag_html(value)) for value in VALUES],
        method="filter_rag",
        label="RAG status",
        help_text=(
            "Choose one or more. The status is the latest update on or before the date; for "
            "an action in the reporting round of the quarter shown, its return."
        ),
        widget=QuickCheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose RAG statuses from the list."},
    )
    round = django_filters.MultipleChoiceFilter(
        choices=list(ROUND_LABELS.items()),
        method="filter_round",
        label="Return for the quarter's reporting round",
        help_text=(
            "Choose one or more. Where the quarter has a reporting round, an action in it "
            "shows its return, signed off or not, or no return."
        ),
        widget=QuickCheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose return states from the list."},
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=OwnerRole.objects.none(),
        method="filter_owner",
        label="Owner role",
        empty_label="Any owner",
        widget=QuickSelect,
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.none(),
        method="filter_agency",
        label="Owner's agency",
        empty_label="Any agency",
        widget=QuickSelect,
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "Overdue"), ("no", "Not overdue")],
        method="filter_overdue",
        label="Overdue",
        empty_label="Overdue or not",
        widget=QuickSelect,
        help_text="Past the due date and not complete (not Blue) on the date.",
    )
    measures = django_filters.ChoiceFilter(
        choices=[("off", "Some off target"), ("on", "All on target")],
        method="filter_measures",
        label="Measures against target",
        empty_label="Any",
        widget=QuickSelect,
        help_text="By each quantified measure's latest value by the date: off target is Red or "
        "Amber.",
    )
    due_from = django_filters.DateFilter(
        field_name="due_as_of",
        lookup_expr="gte",
        label="From",
        widget=QuickDateInput(),
        error_messages=date_errors("The first due date"),
    )
    due_to = django_filters.DateFilter(
        field_name="due_as_of",
        lookup_expr="lte",
        label="To",
        widget=QuickDateInput(),
        error_messages=date_errors("The last due date"),
    )
    not_updated_since = django_filters.DateFilter(
        method="filter_not_updated_since",
        label="Not updated since",
        help_text="No update on or after this date, including actions never updated.",
        widget=QuickDateInput(),
        error_messages=date_errors("The 'not updated since' date"),
    )

    class Meta:
        model = Action
        fields = []  # all declared above
        form = ActionFilterForm

    def __init__(self, data=None, queryset=None, *, body, as_of: date | None = None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.as_of = as_of or timezone.localdate()  # the measures' bands as of this date
        # Choices list only what the body's actions use. These querysets check a chosen value;
        # the options come from _options, two queries for the four lists.
        actions = Action.objects.filter(accountable_body=body)
        owners = ActionOwner.objects.filter(action__in=actions)
        objectives = Objective.objects.filter(pk__in=actions.values("objective_id"))
        roles = OwnerRole.objects.filter(pk__in=owners.values("role_id"))
        self.filters["priority"].queryset = Priority.objects.filter(
            pk__in=objectives.values("priority_id")
        )
        self.filters["objective"].queryset = objectives
        self.filters["owner"].queryset = roles
        self.filters["agency"].queryset = Agency.objects.filter(pk__in=roles.values("agency_id"))

    @property
    def form(self):
        if not hasattr(self, "_form"):
            fields = super().form.fields
            # The widgets' options only (the querysets still check a chosen value), and as
            # callables: read when the options are written, so never for an export.
            for name in ["priority", "objective", "owner", "agency"]:
                empty = ("", fields[name].empty_label)
                fields[name].widget.choices = partial(self._choices, name, empty)
        return self._form

    def described(self) -> list[tuple[str, str]]:
        """The filters used, in words, for the Excel export's "Filters:" line: (label, values)
        for each filter given a value, in the form's order. Call after is_valid()."""
        described = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", []):
                continue
            label = DESCRIBED_LABELS.get(name, self.filters[name].label)
            described.append((label, _in_words(name, value)))
        return described

    def _choices(self, name, empty):
        return [empty, *self._options[name]]

    @cached_property
    def _options(self) -> dict[str, list[tuple[int, str]]]:
        """The four lists' options, each labelled as the model's __str__ labels it (a test
        holds them equal), from two queries: the objectives with their priorities and the
        owner roles with their agencies, each in an order that is also the other's."""
        objectives = self.filters["objective"].queryset.values_list(
            "pk", "number", "title", "priority_id", "priority__number", "priority__title"
        )
        roles = self.filters["owner"].queryset.values_list(
            "pk", "title", "agency_id", "agency__name"
        )
        objectives, roles = list(objectives), list(roles)
        return {
            "priority": list(
                dict.fromkeys((p, f"Priority {n}: {t}") for *_, p, n, t in objectives)
            ),
            "objective": [(pk, f"{n} {t or NO_HEADING}") for pk, n, t, *_ in objectives],
            "owner": [(pk, f"{title} ({agency})") for pk, title, _, agency in roles],
            "agency": list(dict.fromkeys((pk, agency) for *_, pk, agency in roles)),
        }

    def filter_text(self, queryset, name, value):
        # Every word must appear somewhere: "toolkit schools" narrows, as people expect.
        for word in value.split()[:MAX_SEARCH_WORDS]:
            in_measures = Measure.objects.filter(action=OuterRef("pk"), text__icontains=word)
            queryset = queryset.filter(
                Q(reference__icontains=word)
                | Q(description__icontains=word)
                | Q(commentary_as_of__icontains=word)
                | Q(Exists(in_measures))
            )
        return queryset

    def filter_rag(self, queryset, name, value):
        return queryset.filter(rag_as_of_q(value))

    def filter_round(self, queryset, name, value):
        return queryset.filter(round_state_q(value))

    def filter_owner(self, queryset, name, value):
        # Exists, not a join: no duplicate rows, so no DISTINCT over the annotations.
        return queryset.filter(
            Exists(ActionOwner.objects.filter(action=OuterRef("pk"), role=value))
        )

    def filter_agency(self, queryset, name, value):
        owners = ActionOwner.objects.filter(action=OuterRef("pk"), role__agency=value)
        return queryset.filter(Exists(owners))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value == "yes" else queryset.exclude(overdue_q())

    def filter_measures(self, queryset, name, value):
        if value == "off":
            return queryset.filter(measures_off_target_q(self.as_of))
        return queryset.filter(measures_all_on_target_q(self.as_of))

    def filter_not_updated_since(self, queryset, name, value):
        return queryset.filter(not_updated_since_q(value))

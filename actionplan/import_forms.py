"""The import pages' forms: the upload, the column mapping with the plan's details, and the
owner and body matches on the preview. They validate input only (actionplan.importing does
the work)."""

from django import forms
from django.conf import settings

from accounts.validators import validate_no_control_characters
from actionplan.form_fields import date_field
from actionplan.importing.commit import (
    NEW,
    RESERVED_SLUGS,
    body_choice,
    default_agency_choice,
    role_choice,
)
from actionplan.importing.mapping import FIELDS, mapping_errors
from actionplan.importing.reading import FORMATS, MACRO_EXTENSIONS
from actionplan.importing.tables import cell_text
from actionplan.models import Plan

# A new plan's details on the mapping step (a revision keeps its plan's).
DETAILS = ("title", "partnership", "short_name", "period", "slug")


class UploadForm(forms.Form):
    revises = forms.ChoiceField(
        label="What the file holds",
        widget=forms.RadioSelect,
        required=False,
        initial="",
        help_text="A revised version changes the plan already here: its actions are matched "
        "by reference, and you see every change before anything is changed.",
    )
    file = forms.FileField(
        label="Plan file",
        help_text=(
            "An Excel workbook (.xlsx), a CSV file or a Word document (.docx) holding the plan "
            f"as a table, up to {settings.IMPORT_MAX_BYTES / 1_000_000:g} MB."
        ),
        error_messages={"required": "Choose the file that holds the plan."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = {str(plan.pk): plan for plan in Plan.objects.order_by("title")}
        self.fields["revises"].choices = [("", "A new plan")] + [
            (pk, f"A revised version of {plan.title} ({plan.period})")
            for pk, plan in self.plans.items()
        ]

    def clean_revises(self) -> Plan | None:
        return self.plans.get(self.cleaned_data["revises"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix in MACRO_EXTENSIONS:
            raise forms.ValidationError(
                "Files with macros (.xlsm, .docm) are not accepted: save the plan as an "
                "ordinary .xlsx workbook or .docx document and upload that."
            )
        if suffix not in FORMATS:
            raise forms.ValidationError(
                "Upload an Excel workbook (.xlsx), a CSV file or a Word document (.docx)."
            )
        if upload.size > settings.IMPORT_MAX_BYTES:  # before a byte of it is read
            raise forms.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_BYTES / 1_000_000:g} MB: "
                "split the plan or remove pictures."
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the table, then the plan's details and what to do with a
    status column."""

    title = forms.CharField(
        label="Plan title", max_length=200, validators=[validate_no_control_characters]
    )
    partnership = forms.CharField(
        label="Partnership",
        max_length=200,
        help_text="The partnership's full name, e.g. Worcestershire Safeguarding Children Board.",
        validators=[validate_no_control_characters],
    )
    short_name = forms.CharField(
        label="Partnership's short name (optional)", max_length=40, required=False,
        validators=[validate_no_control_characters],
    )  # fmt: skip
    period = forms.CharField(
        label="Period",
        max_length=40,
        help_text="As the plan writes it, e.g. 2015-18. Quarters written without a year "
        '("by end of Q3") are read in its first year.',
        validators=[validate_no_control_characters],
    )
    slug = forms.SlugField(
        label="Short name in web addresses",
        max_length=60,
        help_text="Lower-case letters, numbers and hyphens, e.g. wscb-cse-2015-18.",
        error_messages={"invalid": "Use only lower-case letters, numbers and hyphens."},
    )
    status_from = forms.ChoiceField(
        label="Status column",
        choices=[
            ("none", "Do not import statuses"),
            ("date", "Import each action's status as its first update, dated as below"),
            ("column", "Import each status, dated by the date-of-status column where it has one"),
        ],
        widget=forms.RadioSelect,
        initial="none",
    )
    status_date = date_field(
        "Date of the imported statuses",
        help_text="The date the statuses in the file were reported.",
    )

    def __init__(self, *args, table, mapping, revising=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.revising = revising
        if revising:  # the plan's own details are kept
            for name in DETAILS:
                del self.fields[name]
            self.fields["status_from"].choices = [
                ("none", "Do not import statuses"),
                ("date", "Import each new action's status as its first update, dated as below"),
                ("column", "Import each new action's status, dated by the date-of-status column"),
            ]
        self.columns = []
        for index, header in enumerate(table.header):
            name = f"column_{index}"
            examples = [cell_text(r.cells[index]) for r in table.rows if r.kind == "action"
                        and index < len(r.cells) and cell_text(r.cells[index])][:2]  # fmt: skip
            self.fields[name] = forms.ChoiceField(
                label=f"Column {_letter(index)}: {header or '(no heading)'}",
                choices=list(FIELDS.items()),
                required=False,
                initial=mapping[index] if index < len(mapping) else "",
                help_text=("For example: " + " / ".join(e[:60] for e in examples))
                if examples
                else "",
            )
            self.columns.append(name)

    def column_fields(self):
        return [self[name] for name in self.columns]

    def detail_fields(self):
        return [self[name] for name in DETAILS if name in self.fields]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS or Plan.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A plan already has this short name: choose another.")
        return slug

    def clean(self):
        cleaned = super().clean()
        mapping = [cleaned.get(name, "") for name in self.columns]
        for error in mapping_errors(mapping):
            self.add_error(self.columns[0] if self.columns else None, error)
        if cleaned.get("status_from", "none") != "none" and "status" not in mapping:
            self.add_error(
                "status_from", "Choose the column that holds the status, or do not import statuses."
            )
        cleaned["mapping"] = mapping
        return cleaned

    def details(self) -> dict:
        data = {k: self.cleaned_data[k] for k in DETAILS if k in self.fields}
        data["status_from"] = self.cleaned_data["status_from"]
        day = self.cleaned_data.get("status_date")
        data["status_date"] = day.isoformat() if day else ""
        return data


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class MatchForm(forms.Form):
    """On the preview: the role for each owner part, the agency for new roles that name none,
    and the body for each accountable body as written."""

    def __init__(self, *args, plan_import, result, **kwargs):
        super().__init__(*args, **kwargs)
        directory, draft = result.directory, result.draft
        roles = [(f"role:{pk}", str(role)) for pk, role in directory.roles.items()]
        self.owner_names, self.body_names = [], []
        for key, part in draft.owners.items():
            agency = directory.agencies.get(part.agency_id)
            new = f"Create a new role: {part.title}" + (f" ({agency.name})" if agency else "")
            suggested = [(f"role:{pk}", str(directory.roles[pk])) for pk in part.candidates]
            name = f"owner_{key}"
            self.fields[name] = forms.ChoiceField(
                label=part.text, choices=[(NEW, new), *_unique(suggested + roles)],
                initial=role_choice(plan_import, part), help_text=_owner_hint(part),
            )  # fmt: skip
            self.owner_names.append((name, key))
        partnership = plan_import.details.get("partnership", "") or "the partnership"
        agencies = [(f"agency:{pk}", a.name) for pk, a in directory.agencies.items()]
        self.fields["agency"] = forms.ChoiceField(
            label="Agency of new roles whose cell names none",
            choices=[(NEW, f"A new agency: {partnership}"), *agencies],
            initial=default_agency_choice(plan_import),
        )
        bodies = [(f"body:{pk}", b.name) for pk, b in directory.bodies.items()]
        for key, match in draft.bodies.items():
            name = f"body_{key}"
            suggested = [(f"body:{pk}", directory.bodies[pk].name) for pk in match.candidates]
            self.fields[name] = forms.ChoiceField(
                label=match.text, choices=[(NEW, f"Create a new body: {match.text}"),
                                           *_unique(suggested + bodies)],
                initial=body_choice(plan_import, match),
                help_text="" if match.exact or not match.body_id else "A close match: check it.",
            )  # fmt: skip
            self.body_names.append((name, key))

    def add_revision_fields(self, plan_import, *, day, reason):
        """On a revision's preview: the day retired actions leave the plan (and new ones join
        it), and why, kept in each change's history."""
        self.fields["revised_on"] = date_field(
            "Date of the revision", required="Give the date of the revision.", initial=day,
            help_text="Actions no longer in the plan are retired from this date, and new "
            "actions join the plan on it: dashboards and Board packs of this date or later "
            "show the plan as revised.",
        )  # fmt: skip
        self.fields["reason"] = forms.CharField(
            label="Reason for the changes", max_length=100, initial=reason,
            help_text="Kept with every change in each action's history, e.g. Board meeting of "
            "12 April 2016.",
            validators=[validate_no_control_characters],
            error_messages={"required": "Say why the plan changes."},
        )  # fmt: skip

    def revision_fields(self):
        return [self[name] for name in ("revised_on", "reason") if name in self.fields]

    def owner_fields(self):
        return [self[name] for name, _ in self.owner_names]

    def body_fields(self):
        return [self[name] for name, _ in self.body_names]

    def decisions(self) -> dict:
        data = self.cleaned_data
        decisions = {
            "owners": {key: data[name] for name, key in self.owner_names},
            "bodies": {key: data[name] for name, key in self.body_names},
            "agency": data["agency"],
        }
        if "revised_on" in data:
            decisions["revised_on"] = data["revised_on"].isoformat()
            decisions["reason"] = data["reason"].strip()
        return decisions


def _owner_hint(part) -> str:
    if part.exact:
        return "Matched to a role already here."
    if part.role_id:
        return "A close match: check it."
    return "No role here matches: choose one, or a new role is created."


def _unique(choices):
    return list(dict(choices).items())

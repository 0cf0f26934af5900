"""Forms of the people pages (business support): input only; actionplan/people.py writes."""

from django import forms

from accounts.models import Agency, User
from accounts.permissions import BOARD_MEMBER_GROUP, BUSINESS_SUPPORT_GROUP
from accounts.validators import RefuseControlCharactersMixin
from actionplan.models import AccountableBody, OwnerRole

ACCESS_CHOICES = [
    ("", "Neither: an action owner or chair only"),
    (BOARD_MEMBER_GROUP, "Board member: reads the whole plan and produces Board packs"),
    (BUSINESS_SUPPORT_GROUP, "Board business support: runs the plan, rounds and people"),
]


class _RoleLabel:
    def label_from_instance(self, role):
        return f"{role.title} ({role.agency.short_name or role.agency.name})"


class _RoleField(_RoleLabel, forms.ModelMultipleChoiceField):
    pass


class _OneRoleField(_RoleLabel, forms.ModelChoiceField):
    pass


class PersonForm(RefuseControlCharactersMixin, forms.Form):
    """Roles, bodies and access; on the invitation, the person's details too."""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="E-mail address",
        help_text="The invitation is sent here. It is also their username.",
        error_messages={"invalid": "Enter an e-mail address like name@agency.gov.uk"},
    )
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.order_by("name"),
        required=False,
        error_messages={"invalid_choice": "Choose one of the agencies."},
    )
    job_title = forms.CharField(label="Job title", max_length=200, required=False)
    roles = _RoleField(
        label="Owner roles held",
        queryset=OwnerRole.objects.select_related("agency").order_by("agency__name", "title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They may update the actions these roles own.",
        error_messages={
            "invalid_choice": "Choose owner roles from the list: %(value)s is not one.",
            "invalid_pk_value": "Choose owner roles from the list: %(pk)s is not one.",
        },
    )
    bodies = forms.ModelMultipleChoiceField(
        label="Bodies chaired",
        queryset=AccountableBody.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="They sign off, and may update, the actions accountable to these bodies.",
        error_messages={
            "invalid_choice": "Choose bodies from the list: %(value)s is not one.",
            "invalid_pk_value": "Choose bodies from the list: %(pk)s is not one.",
        },
    )
    access = forms.ChoiceField(
        label="Board access",
        choices=ACCESS_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the kinds of Board access."},
    )

    def __init__(self, *args, person: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:  # editing: the e-mail address is the username, kept
            del self.fields["email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exists()
        if taken or User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                "Someone already has this e-mail address: find them in the list of people."
            )
        return email


class PeopleFilterForm(forms.Form):
    """The people list's filters; a value that is not a choice is ignored (never a 5xx)."""

    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.order_by("name"), required=False
    )
    role = _OneRoleField(
        label="Owner role",
        queryset=OwnerRole.objects.select_related("agency").order_by("agency__name", "title"),
        required=False,
    )
    body = forms.ModelChoiceField(
        label="Body chaired", queryset=AccountableBody.objects.order_by("name"), required=False
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("active", "Active"), ("invited", "Invited"),
                 ("deactivated", "Deactivated")],
    )  # fmt: skip
    signed_in = forms.ChoiceField(
        label="Last sign-in",
        required=False,
        choices=[("", "Any time"), ("30", "In the last 30 days"),
                 ("not90", "Not in the last 90 days"), ("never", "Never")],
    )  # fmt: skip

from django import forms
from django.conf import settings

from actionplan.form_fields import date_field, reason_field
from actionplan.forms import PlanChoiceField, QuickSelect, StartedQuarterForm
from actionplan.models import Action, Plan


class RoundOpenForm(StartedQuarterForm):
    plan = PlanChoiceField()
    quarter = forms.CharField(
        label="Quarter",
        help_text="The quarter owners report on. Q1 is April to June, Q4 is January to March.",
        widget=QuickSelect,
        error_messages={"required": "Choose the quarter owners report on."},
    )
    deadline = date_field(
        "Deadline for returns (optional)",
        help_text=(
            f"Leave blank for {settings.ROUND_DEADLINE_WORKING_DAYS} working days after the "
            "quarter ends (England and Wales bank holidays skipped)."
        ),
    )
    sign_off_date = date_field(
        "Chairs sign off by (optional)",
        help_text=(
            f"Leave blank for {settings.ROUND_SIGN_OFF_WORKING_DAYS} working days after the "
            "deadline."
        ),
    )

    def clean(self):
        data = super().clean()
        deadline, sign_off = data.get("deadline"), data.get("sign_off_date")
        quarter = data.get("quarter")
        if deadline and quarter and deadline <= quarter.start:
            self.add_error("deadline", "The deadline must be after the quarter starts.")
        if deadline and sign_off and sign_off < deadline:
            self.add_error("sign_off_date", "The sign-off date must be on or after the deadline.")
        return data


class RoundScopeForm(forms.Form):
    """Add an action to a round's scope or take one out, with the reason."""

    reference = forms.CharField(
        label="Action reference",
        max_length=20,
        help_text="As in the plan, e.g. 2.1.4.",
        error_messages={"required": "Enter the action's reference, e.g. 2.1.4."},
    )
    change = forms.ChoiceField(
        label="Change",
        choices=[("add", "Add it to this round"), ("remove", "Take it out of this round")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to add or take out the action."},
    )
    reason = reason_field(
        "Reason",
        help_text="Kept with the round's record.",
        required="Enter the reason, for the round's record.",
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        action = Action.objects.filter(plan=self.plan, reference=reference).first()
        if action is None:
            raise forms.ValidationError(f"This plan has no action {reference}.")
        return action


class ReturnToOwnerForm(forms.Form):
    comment = forms.CharField(
        label="Comment for the owner",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the owner should change or add. They are e-mailed to read it.",
        error_messages={"required": "Say what the owner should change: returning needs a comment."},
    )
    update = forms.IntegerField(widget=forms.HiddenInput)

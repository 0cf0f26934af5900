from datetime import date

from django import forms

from actionplan.dashboards import plan_quarters
from actionplan.forms import PlanChoiceField
from actionplan.models import Plan
from actionplan.quarters import Quarter
from reports.packs import default_quarter


class BoardPackForm(forms.Form):
    """Which plan and quarter a pack reports on. Offers only quarters a plan has begun."""

    plan = PlanChoiceField()
    quarter = forms.ChoiceField(
        label="Quarter",
        help_text="Financial-year quarters: Q1 is April to June, Q4 is January to March.",
        error_messages={"invalid_choice": "Choose one of the quarters listed."},
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        offered = plan_quarters(today=today)  # every plan's; clean() checks the chosen plan's
        self.fields["quarter"].choices = [(q.slug, q.label) for q in reversed(offered)]

    @classmethod
    def initial_for(cls, *, today: date) -> dict:
        """The first plan, and its default quarter (packs.default_quarter)."""
        plan = Plan.objects.order_by("title").first()
        if plan is None:
            return {}
        quarters = plan_quarters(today=today, plan=plan)
        quarter = default_quarter(quarters, today=today, plan=plan)
        return {"plan": plan.slug, "quarter": quarter.slug if quarter else None}

    def clean_quarter(self):
        return Quarter.parse(self.cleaned_data["quarter"])

    def clean(self):
        data = super().clean()
        plan, quarter = data.get("plan"), data.get("quarter")
        if not (plan and quarter):
            return data
        quarters = plan_quarters(today=self.today, plan=plan)
        if quarter not in quarters:
            span = f"{quarters[0].label} to {quarters[-1].label}" if quarters else "none yet"
            self.add_error("quarter", f"Choose a quarter within the plan's period ({span}).")
        return data

"""Numbers for a handful of the WSCB plan's measures, for demos only.

The plan's measures are sentences (fixtures/wscb_cse_action_plan.json keeps them so); the demo
quantifies five of them with plausible, invented figures, says so in each one's data source,
and reports their values with the demo status updates (actionplan.demo_history), each value
marked is_demo like the statuses.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from actionplan.measures import Direction, Unit
from actionplan.models import Measure

DEMO_SOURCE = "Demo data: invented figures, not the partnership's"


@dataclass(frozen=True)
class DemoMeasure:
    reference: str
    order: int
    unit: str
    baseline: str
    target: str
    direction: str
    values: dict[str, str]  # quarter slug -> value


# The stories: referrals and school programmes improving towards target, screening nearly
# there (Amber), risk plans slipping away from it (Red), breaches of orders coming down.
DEMO_MEASURES = [
    DemoMeasure("1.1.3", 2, Unit.NUMBER, "48", "70", Direction.HIGHER,
                {"2015-Q2": "52", "2015-Q3": "58", "2015-Q4": "63", "2016-Q1": "66"}),
    DemoMeasure("1.2.2", 1, Unit.PERCENTAGE, "35", "80", Direction.HIGHER,
                {"2015-Q2": "41", "2015-Q3": "55", "2015-Q4": "62", "2016-Q1": "71"}),
    DemoMeasure("2.1.4", 1, Unit.PERCENTAGE, "60", "95", Direction.HIGHER,
                {"2015-Q2": "72", "2015-Q3": "78", "2015-Q4": "91", "2016-Q1": "94"}),
    DemoMeasure("3.1.1", 1, Unit.PERCENTAGE, "70", "100", Direction.HIGHER,
                {"2015-Q2": "74", "2015-Q3": "71", "2015-Q4": "69", "2016-Q1": "68"}),
    DemoMeasure("4.3.1", 2, Unit.NUMBER, "9", "4", Direction.LOWER,
                {"2015-Q2": "8", "2015-Q3": "7", "2015-Q4": "5", "2016-Q1": "4"}),
]  # fmt: skip

BASELINE_DATE, TARGET_DATE = date(2015, 3, 31), date(2017, 3, 31)


def quantify_demo_measures(plan) -> dict[int, dict[str, Decimal]]:
    """Quantify the demo's measures of `plan` (those still sentences), and return the demo
    values of every quantified demo measure, by measure id and quarter slug."""
    values = {}
    for demo in DEMO_MEASURES:
        measure = Measure.objects.filter(
            action__plan=plan, action__reference=demo.reference, order=demo.order
        ).first()
        if measure is None:
            continue
        if not measure.unit:
            measure.unit, measure.direction = demo.unit, demo.direction
            measure.baseline_value, measure.baseline_date = Decimal(demo.baseline), BASELINE_DATE
            measure.target_value, measure.target_date = Decimal(demo.target), TARGET_DATE
            measure.data_source = DEMO_SOURCE
            measure.save()
        if measure.data_source == DEMO_SOURCE:
            values[measure.pk] = {q: Decimal(v) for q, v in demo.values.items()}
    return values

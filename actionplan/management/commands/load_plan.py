from pathlib import Path

from django.core.management.base import BaseCommand

from actionplan.services import plan_load


class Command(BaseCommand):
    help = (
        "Load a plan fixture made by build_plan_fixture, e.g. fixtures/wscb_cse_action_plan.json. "
        "Loading it again updates the plan's text and keeps every action's status: use this, "
        "not loaddata, which would reset them."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixture", type=Path, help="The plan fixture (JSON).")

    def handle(self, *args, fixture, **options):
        kept = plan_load(path=fixture)
        self.stdout.write(f"Loaded {fixture}; kept the status of {kept} rated actions.")

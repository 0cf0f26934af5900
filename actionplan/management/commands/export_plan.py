import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actionplan import exports
from actionplan.models import Plan


class Command(BaseCommand):
    help = "Export a plan as CSV, XLSX or JSON: one row per action, the app's export columns."

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="The plan's slug, e.g. wscb-cse-2015-18.")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument("-o", "--output", type=Path, help="Write to this file, not stdout.")

    def handle(self, *args, plan, format, output, **options):
        try:
            plan_obj = Plan.objects.get(slug=plan)
        except Plan.DoesNotExist:
            known = ", ".join(Plan.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No plan {plan!r}. Plans: {known}.") from None
        if format == "xlsx" and output is None and sys.stdout.isatty():
            raise CommandError("XLSX is binary: give -o FILE or redirect stdout.")
        body = exports.render_plan(plan_obj, format, today=timezone.localdate())
        if output:
            output.write_bytes(body)
            self.stderr.write(f"Wrote {output}.")
        else:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()

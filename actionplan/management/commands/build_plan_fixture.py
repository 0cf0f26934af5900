import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from actionplan.plan_source import build_fixture
from actionplan.timeframes import TimeframeError


class Command(BaseCommand):
    help = (
        "Build a loaddata fixture (natural keys) from a plan source document, e.g. "
        "fixtures/source/wscb_cse_action_plan.json -> fixtures/wscb_cse_action_plan.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="The plan source document (JSON).")
        parser.add_argument("-o", "--output", type=Path, help="Write here instead of stdout.")

    def handle(self, *args, source, output, **options):
        try:
            document = json.loads(source.read_text(encoding="utf-8"))
            fixture = build_fixture(document)
        except FileNotFoundError:
            raise CommandError(f"No such file: {source}") from None
        except (json.JSONDecodeError, KeyError, TimeframeError) as error:
            raise CommandError(f"{source}: {error}") from None
        text = json.dumps(fixture, indent=2, ensure_ascii=False) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {len(fixture)} objects to {output}.")
        else:
            self.stdout.write(text, ending="")

from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize
from django.utils import timezone

from reports.services import board_pack_requests_reap


class Command(BaseCommand):
    help = (
        "Mark failed every Board pack request whose pack worker stopped in the middle of it "
        "(no progress for PACK_STALLED_AFTER seconds), so that the pack list says it failed and "
        "it can be produced again. Safe to run at any time, e.g. from cron (with -v 0 it prints "
        "only when it marked something); a running worker also does this before each pack."
    )

    def handle(self, *args, **options):
        reaped = board_pack_requests_reap(now=timezone.now())
        if reaped or options["verbosity"] >= 1:
            self.stdout.write(
                f"Marked {reaped} stalled Board pack request{pluralize(reaped)} as failed."
            )

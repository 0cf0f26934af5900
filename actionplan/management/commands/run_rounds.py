"""Send every open reporting round's due e-mails: requests, reminders and chasers.

Run it from cron or a systemd timer (docs/rounds.md), e.g. every 15 minutes. By default it
enqueues one background task per open round for `manage.py db_worker`; --now sends in this
process instead (what ./run.sh serve's development loop does). Running it twice at once, or
again after a crash, never sends an e-mail twice (actionplan/round_emails.py).
"""

from django.core.management.base import BaseCommand

from actionplan.models import ReportingRound
from actionplan.round_emails import send_due
from actionplan.tasks import send_round_emails


class Command(BaseCommand):
    help = "Send (or enqueue) every open reporting round's due e-mails."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Send in this process, not through the worker."
        )

    def handle(self, *args, now=False, **options):
        rounds = list(ReportingRound.objects.open().select_related("plan"))
        for reporting_round in rounds:
            if now:
                sent = send_due(reporting_round)
                self.stdout.write(f"{reporting_round}: {sent} e-mail(s) sent")
            else:
                send_round_emails.enqueue(reporting_round.pk)
        if not now:
            self.stdout.write(f"Enqueued e-mails for {len(rounds)} open round(s).")

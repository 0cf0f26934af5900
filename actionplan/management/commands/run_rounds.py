"""Send every open reporting round's due e-mails (requests, reminders and chasers), and any
owner change e-mail still waiting (one that failed, or whose task was lost).

Run it from cron or a systemd timer (docs/rounds.md), e.g. every 15 minutes. By default it
enqueues one background task per open round, and one for the owner change e-mails when some
wait, for `manage.py db_worker`; --now sends in this process instead (what ./run.sh serve's
development loop does). Running it twice at once, or again after a crash, never sends an
e-mail twice (actionplan/round_emails.py, actionplan/owner_emails.py).
"""

from django.core.management.base import BaseCommand

from actionplan import owner_emails
from actionplan.models import OwnerChangeEmail, ReportingRound
from actionplan.round_emails import send_due
from actionplan.tasks import send_owner_change_emails, send_round_emails


class Command(BaseCommand):
    help = "Send (or enqueue) open reporting rounds' due e-mails and waiting owner change e-mails."

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
        if now:
            self.stdout.write(f"Owner changes: {owner_emails.send_due()} e-mail(s) sent")
            return
        waiting = OwnerChangeEmail.objects.filter(sent_at__isnull=True).exists()
        if waiting:
            send_owner_change_emails.enqueue()
        self.stdout.write(
            f"Enqueued e-mails for {len(rounds)} open round(s)"
            + (" and waiting owner changes." if waiting else ".")
        )

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from accounts.permissions import BUSINESS_SUPPORT_GROUP, can_produce_reports
from actionplan.models import Plan
from actionplan.quarters import Quarter
from reports.services import board_pack_create

QUARTER_NAMING = (
    "Quarters are financial-year quarters, named by the year the financial year starts in "
    "(April): 2015-Q1 = April-June 2015, 2015-Q2 = July-September 2015, "
    "2015-Q3 = October-December 2015, 2015-Q4 = January-March 2016."
)


class Command(BaseCommand):
    help = (
        "Produce the quarterly Board progress pack as a PDF, keep it (as the app does) and "
        "optionally write a copy to a file. " + QUARTER_NAMING
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="The plan's slug, e.g. wscb-cse-2015-18.")
        parser.add_argument("--quarter", required=True, help="e.g. 2015-Q3. " + QUARTER_NAMING)
        parser.add_argument("-o", "--output", help="Also write the PDF to this file.")
        parser.add_argument(
            "--user",
            help="Username recorded as the producer (default: the first business-support user).",
        )

    def handle(self, *args, **options):
        plan = self._plan(options["plan"])
        quarter = self._quarter(options["quarter"])
        if quarter.start > timezone.localdate():
            raise CommandError(f"{quarter.label} has not started yet: there is nothing to report.")
        user = self._user(options["user"])
        started = time.perf_counter()
        pack = board_pack_create(plan=plan, quarter=quarter, produced_by=user)
        seconds = time.perf_counter() - started
        if options["output"]:
            Path(options["output"]).write_bytes(pack.read_verified())
        self.stdout.write(
            f"Kept Board pack {pack.pk}: {plan.title}, {pack.period}, {pack.page_count} pages, "
            f"{pack.size / 1024:.0f} KiB, produced in {seconds:.1f} s by {user}.\n"
            f"  SHA-256 {pack.sha256}\n  kept as {pack.file.name}"
            + (f"\n  written to {options['output']}" if options["output"] else "")
        )

    def _plan(self, slug: str) -> Plan:
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            known = ", ".join(Plan.objects.values_list("slug", flat=True)) or "none loaded"
            raise CommandError(f"No plan {slug!r}. Plans: {known}.")
        return plan

    def _quarter(self, text: str) -> Quarter:
        try:
            return Quarter.parse(text)
        except ValueError:
            raise CommandError(f"{text!r} is not a quarter. {QUARTER_NAMING}") from None

    def _user(self, username: str | None) -> User:
        if username is None:
            user = (
                User.objects.filter(groups__name=BUSINESS_SUPPORT_GROUP, is_active=True)
                .order_by("pk")
                .first()
            )
            if user is None:
                raise CommandError(
                    "No active business-support user to record as the producer: "
                    "pass --user USERNAME."
                )
            return user
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not can_produce_reports(user):
            raise CommandError(
                f"{username} cannot produce Board packs: only business support and Board "
                "members can."
            )
        return user

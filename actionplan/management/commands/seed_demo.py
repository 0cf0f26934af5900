from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from actionplan.demo_history import seed_demo_history
from actionplan.demo_people import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_people
from actionplan.demo_rounds import seed_demo_rounds
from actionplan.models import Plan


class Command(BaseCommand):
    help = (
        "Create the demo people (one per persona) for the WSCB plan. Idempotent. "
        "Development only: refuses to run when DEBUG is off."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates people with a published password: it runs only with DEBUG on."
            )
        plan = Plan.objects.filter(slug="wscb-cse-2015-18").first()
        if plan is None:
            raise CommandError(
                "Load the WSCB plan first: manage.py load_plan fixtures/wscb_cse_action_plan.json"
            )
        people = seed_demo_people()
        support = User.objects.get(username="support")
        people_with_roles = User.objects.filter(pk__in=[p.pk for p in people]).prefetch_related(
            "roles", "chaired_bodies"
        )
        created = seed_demo_history(plan, people=people_with_roles, fallback=support)
        if created:
            self.stdout.write(f"Added {created} demo status updates (marked as demo data).")
        chairs = [person for person in people_with_roles if person.chaired_bodies.all()]
        if seed_demo_rounds(plan, support=support, chairs=chairs):
            self.stdout.write("Added a closed Q2 2015/16 reporting round and an open Q3 one.")
        self.stdout.write(f"Demo people (password for all: {DEMO_PASSWORD}):")
        for person in people:
            self.stdout.write(
                f"  {person.username:<11} {person.get_full_name()}, {person.job_title}"
            )
        self.stdout.write(
            "support and board also sign in with a code from an authenticator app. Add this "
            f"key to one (demo only, published): {DEMO_TOTP_SECRET}\n"
            "  or print the current code with: .venv/bin/python manage.py demo_code\n"
            "Two-factor sign-in is "
            + (
                "required of everyone (MFA_REQUIRED_FOR_ALL is on)."
                if settings.MFA_REQUIRED_FOR_ALL
                else "off for action owners and chairs in this demo (MFA_REQUIRED_FOR_ALL is "
                "off), so that you can try the app at once; production requires it of everyone."
            )
        )

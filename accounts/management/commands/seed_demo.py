from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "demo-password-2015"


class Command(BaseCommand):
    help = "Create demo people (development only; refuses to run when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates people with published passwords: DEBUG must be on."
            )
        with transaction.atomic():
            admin, created = User.objects.get_or_create(
                username="support",
                defaults={
                    "first_name": "Sam",
                    "last_name": "Support",
                    "email": "support@example.org",
                },
            )
            admin.is_staff = admin.is_superuser = True
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        self.stdout.write(f"Demo login: support / {DEMO_PASSWORD} (Board business support, admin).")

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from actionplan.demo_people import demo_totp_key


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo people support and board, for trying "
        "the app without an authenticator app. Development only: refuses when DEBUG is off."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code prints codes for a published key: DEBUG only.")
        totp = TOTP(bytes.fromhex(demo_totp_key()))
        left = 30 - int(totp.time) % 30
        self.stdout.write(f"{totp.token():06d} (for {left} more seconds)")

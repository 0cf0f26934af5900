"""Production-like Django for the in-process benchmarks (run.py, columns.py): DEBUG off, cached
templates, the WhiteNoise manifest, persistent connections on PostgreSQL, and a database of
their own that they create and drop. Call setup() before importing anything from the app."""

import logging
import os
import secrets
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="actionplan-bench-"))
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="actionplan.project.settings",
    )
    import django

    django.setup()
    logging.getLogger("actionplan.security").setLevel(logging.WARNING)  # no sign-in noise


@contextmanager
def test_database():
    """A fresh database of the benchmarks' own (bench_database_name), dropped afterwards."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("collectstatic", "--no-input", verbosity=0)
    # Never the test suite's database: a benchmark run beside the tests would drop theirs.
    connection.settings_dict["TEST"]["NAME"] = bench_database_name(connection.settings_dict)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def bench_database_name(settings_dict) -> str:
    """The benchmarks' own database: beside the test suite's SQLite file, or bench_<name>."""
    test_name = settings_dict.get("TEST", {}).get("NAME")
    if settings_dict["ENGINE"].endswith("sqlite3") and test_name:
        path = Path(test_name)
        return str(path.with_name(path.name.replace("actionplan-test-", "actionplan-bench-")))
    return f"bench_{settings_dict['NAME']}"


def analyze(connection):
    """What autovacuum does soon after a bulk load in production: PostgreSQL plans the as-of
    subqueries from statistics and reads the covering index without visiting the table only
    once the visibility map is set. (Django never runs ANALYZE on SQLite; neither do we.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def sign_in(client, user):
    """client.force_login(user), and past the second factor for a person who must use one
    (business support, the Board, staff), with an authenticator made for them if they have
    none: as the tests' Client does, so that the pages measured are the pages, not the code
    step's redirect."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.permissions import must_use_two_factor
    from accounts.two_factor import AUTHENTICATOR_NAME, authenticator_of

    client.force_login(user)
    if must_use_two_factor(user):
        device = authenticator_of(user) or TOTPDevice.objects.create(
            user=user, name=AUTHENTICATOR_NAME, confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

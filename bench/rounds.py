"""Reporting rounds at partnership scale (issue 14).

    python bench/rounds.py [--progress-only]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/rounds.py

1. Opens a round for a 1,000-action plan whose owner roles 300 people hold, and sends every
   request e-mail through a real SMTP server on this machine (aiosmtpd, started here): prints
   the seconds, the e-mails the server received, and SQL queries per e-mail (the fixed cost of
   a run, and then what each e-mail adds: constant in the number of people).
2. The round progress page of a 10,000-action plan (half the returns in), as business support:
   median, min and max milliseconds over 31 runs, and its query count.

Runs in-process with production settings in a database of its own (bench/environment.py).
"""

import gc
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import environment  # noqa: E402

environment.setup()

import random  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.permissions import BUSINESS_SUPPORT_GROUP  # noqa: E402
from actionplan.models import Action, OwnerRole, Plan, RoundAction  # noqa: E402
from actionplan.quarters import Quarter  # noqa: E402
from actionplan.round_emails import send_due  # noqa: E402
from actionplan.rounds import round_open  # noqa: E402
from bench import synthetic  # noqa: E402

QUARTER = Quarter.parse("2016-Q1")  # most synthetic actions are not yet Blue by then
# Rounds open just after their quarter, before the owners' next updates (an update made after
# the quarter and before the round opened would already be its return).
OPENED = datetime(2016, 7, 4, 9, tzinfo=UTC)


def _open_round(plan, support):
    with time_machine.travel(OPENED, tick=False):
        return round_open(plan=plan, quarter=QUARTER, opened_by=support)


class Inbox:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.count += 1
        return "250 OK"


def _people(count: int) -> None:
    """`count` people with e-mail addresses, each holding one owner role (several roles have
    two holders), as in a partnership where 300 people own a plan's actions."""
    roles = list(OwnerRole.objects.order_by("pk"))
    people = User.objects.bulk_create(
        User(username=f"owner{n:03d}", email=f"owner{n:03d}@example.org") for n in range(count)
    )
    through = OwnerRole.holders.through
    through.objects.bulk_create(
        through(ownerrole_id=roles[n % len(roles)].pk, user_id=person.pk)
        for n, person in enumerate(people)
    )


def emails_at_1000() -> None:
    from aiosmtpd.controller import Controller

    call_command("flush", "--no-input", verbosity=0)
    synthetic.build(actions=1_000, plan_size=1_000)
    _people(300)
    support = _support()
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    try:
        plan = Plan.objects.get()
        started = time.perf_counter()
        reporting_round = _open_round(plan, support)
        opened = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            sent = send_due(reporting_round)
        finished = time.perf_counter()
    finally:
        controller.stop()
    in_scope = reporting_round.round_actions.count()
    fixed = len(captured) - 2 * sent
    print(f"\n1. Opening a round: {in_scope} of 1,000 actions in scope, 300 owners")
    print(f"   open the round            {opened - started:6.2f} s")
    print(f"   compose and send e-mails  {finished - opened:6.2f} s  ({sent} sent, "
          f"{inbox.count} received by the SMTP server)")  # fmt: skip
    per_email = (len(captured) - fixed) / max(sent, 1)
    print(f"   SQL queries               {len(captured)} = {fixed} per run + "
          f"{per_email:.0f} per e-mail (claim, mark sent)")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _support() -> User:
    support, _ = User.objects.get_or_create(username="bench-support")
    support.groups.add(Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)[0])
    return support


def _round_at_10000():
    """A 10,000-action plan's round with half the returns in (each action's latest update
    stands for its return); returns the round and business support."""
    call_command("flush", "--no-input", verbosity=0)
    synthetic.build(actions=10_000, plan_size=10_000)
    _people(300)
    support = _support()
    plan = Plan.objects.get()
    reporting_round = _open_round(plan, support)
    rng = random.Random(14)
    latest = {
        pk: (update_id, rag, made)
        for pk, update_id, rag, made in Action.objects.values_list(
            "pk", "latest_update_id", "latest_update__rag", "latest_update__created_at"
        )
    }
    entries = list(reporting_round.round_actions.all())
    for entry in rng.sample(entries, len(entries) // 2):
        entry.return_update_id, entry.return_rag, entry.return_at = latest[entry.action_id]
        entry.is_late = rng.random() < 0.2
    fields = ["return_update", "return_rag", "return_at", "is_late"]
    RoundAction.objects.bulk_update(entries, fields, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return reporting_round, support


def progress_at_10000() -> None:
    reporting_round, support = _round_at_10000()
    in_scope = reporting_round.round_actions.in_scope().count()
    # What building the plan left in memory is not the page's: a web worker holds none of it.
    gc.collect()
    client = Client()
    environment.sign_in(client, support)
    url = reverse("actionplan:round-detail", kwargs={"pk": reporting_round.pk})
    client.get(url, secure=True)  # warm
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, secure=True).status_code == 200
    queries = len(captured)
    # Timed without the query log, as the page runs in production.
    times, cpu = [], []
    for _ in range(31):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    print(f"\n2. Round progress page, {in_scope:,} actions in scope of a 10,000-action plan")
    print(f"   median {statistics.median(times):.0f} ms (min {min(times):.0f}, max "
          f"{max(times):.0f}), {queries} SQL queries")  # fmt: skip
    # CPU time of this process: what the page costs whatever else the machine is doing (on
    # SQLite it includes the database's work; on PostgreSQL the server's is not counted).
    print(f"   CPU time in this process: median {statistics.median(cpu):.0f} ms")


def main():
    with environment.test_database() as db:
        print(f"Engine: {db.vendor}")
        if "--progress-only" not in sys.argv:
            emails_at_1000()
        progress_at_10000()


if __name__ == "__main__":
    main()

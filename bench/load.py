"""A bounded load run against gunicorn on 127.0.0.1: mixed page reads and status updates.

    python bench/load.py                 # 60 s, SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/load.py
    python bench/load.py --seconds 10    # the short run CI does

It builds a fresh database (the WSCB plan plus one signed-in person per client), starts
gunicorn with production settings (DEBUG off, WhiteNoise, persistent connections), drives it
from client threads on this machine only, prints throughput and latency percentiles, and exits
non-zero if any request failed. Every loop is bounded by time and by a request cap.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-1"
READS = ["/my-actions/", "/plans/wscb-cse-2015-18/", "/actions/{pk}/", "/plans/"]
MAX_REQUESTS_PER_CLIENT = 200_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(workdir: Path, database_url: str | None) -> dict:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        # Plain HTTP on loopback: a TLS-terminating proxy does these in production.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOGIN_FAILURE_LIMIT": "1000",
        # The clients are action owners signing in with a password: the run measures the pages
        # and updates, not the sign-in's code step (production turns this on for everyone).
        "MFA_REQUIRED_FOR_ALL": "false",
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'load.sqlite3'}",
    }
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env, clients: int) -> list[tuple[str, int]]:
    """Migrate, load the plan, make one action owner per client (holding the owner role of
    the action it updates: owners are the many, and sign in with a password alone in this
    demo-like setup); return (username, action pk) pairs so that each client updates its own
    action."""
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_plan", "fixtures/wscb_cse_action_plan.json", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    script = f"""
from accounts.models import User
from actionplan.models import Action
actions = list(Action.objects.order_by("sort_key").prefetch_related("owner_links"))
for i in range({clients}):
    action = actions[i % len(actions)]
    user, _ = User.objects.get_or_create(username=f"load{{i}}")
    user.set_password({PASSWORD!r}); user.save()
    user.roles.add(action.owner_links.all()[0].role_id)
    print(f"load{{i}} {{action.pk}}")
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = [line.split() for line in out.splitlines() if line.startswith("load")]
    return [(name, int(pk)) for name, pk in rows]


class Session:
    """One signed-in browser: a keep-alive connection, cookies, and CSRF tokens."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://127.0.0.1/"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content.decode("utf-8", "replace")

    def csrf(self, html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self, username):
        _, html = self.request("GET", "/accounts/login/")
        form = {"csrfmiddlewaretoken": self.csrf(html), "username": username, "password": PASSWORD}
        status, _ = self.request("POST", "/accounts/login/", form)
        if status != 302:
            raise RuntimeError(f"login failed for {username}: {status}")


def client_loop(session, username, action_pk, deadline, results, lock, write_every):
    port = session.conn.port
    local = []
    for count in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        try:
            if count % write_every == write_every - 1:
                kind, status = "update", update_status(session, action_pk, count)
            else:
                path = READS[count % len(READS)].format(pk=action_pk)
                kind, (status, _) = "read", session.request("GET", path)
        except Exception as error:  # noqa: BLE001 - counted as a failed request
            kind, status = "error", repr(error)
            session = Session(port)
            session.login(username)
        local.append((kind, status, time.perf_counter() - started))
    with lock:
        results.extend(local)


def update_status(session, action_pk, count):
    status, html = session.request("GET", f"/actions/{action_pk}/update/")
    if status != 200:
        return status
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    form = {
        "csrfmiddlewaretoken": session.csrf(html),
        "rag": "green",
        "commentary": f"Load test update {count}: on track.",
        "version": version,
    }
    status, _ = session.request("POST", f"/actions/{action_pk}/update/", form)
    return status


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results, seconds, args, database):
    ok = [r for r in results if isinstance(r[1], int) and r[1] < 400]
    errors = [r for r in results if r not in ok]
    print(f"\nLoad run: {seconds:.0f} s, {args.clients} clients, {args.workers} gunicorn workers, "
          f"{database}, one status update every {args.write_every} requests")  # fmt: skip
    print(f"{'kind':<8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")  # fmt: skip
    for kind in ["read", "update", "all"]:
        rows = [r for r in ok if kind == "all" or r[0] == kind]
        if not rows:
            continue
        times = [r[2] * 1000 for r in rows]
        rate, median = len(rows) / seconds, statistics.median(times)
        print(f"{kind:<8}{len(rows):>10}{rate:>9.1f}{median:>9.1f}{percentile(times, 0.9):>9.1f}"
              f"{percentile(times, 0.99):>9.1f}{max(times):>9.1f}")  # fmt: skip
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print("  ", error)
    return len(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write-every", type=int, default=5, help="one update per N requests")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="actionplan-load-"))
    database_url = os.environ.get("DATABASE_URL")
    if database_url:  # a database of its own, so the run never touches real data
        database_url = database_url.rsplit("/", 1)[0] + "/actionplan_load"
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres",
                        "actionplan_load"], check=True)  # fmt: skip
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "actionplan_load"],
                       check=True)  # fmt: skip
    env = production_env(workdir, database_url)
    pairs = prepare(env, args.clients)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "actionplan.project.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # Sign everyone in before the clock starts: password hashing is deliberately slow.
        sessions = [Session(port) for _ in pairs]
        for session, (user, _) in zip(sessions, pairs, strict=True):
            session.login(user)
        results, lock = [], threading.Lock()
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=client_loop,
                args=(session, user, pk, deadline, results, lock, args.write_every),
            )
            for session, (user, pk) in zip(sessions, pairs, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    database = "PostgreSQL" if database_url else "SQLite"
    sys.exit(1 if report(results, elapsed, args, database) else 0)


if __name__ == "__main__":
    main()

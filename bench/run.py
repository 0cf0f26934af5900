"""Benchmarks at partnership scale: how the app's cost grows, beside what Django gives for free
(the admin changelist of the same rows) and what the hardware needs (one raw SQL query).

    python bench/run.py            # WSCB (42 actions), 1,000 and 10,000 actions, on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/run.py
    python bench/run.py --quick    # the WSCB size only (CI)

Runs in-process with Django's test client and production settings (DEBUG off, cached
templates, persistent connections, WhiteNoise manifest), in a database of its own that it
creates and drops. Prints one table: per size and path, median / min / max milliseconds over
repeated runs, SQL queries and bytes, and each heavy path's ratio to the admin and to the floor.
"""

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_WORKDIR = Path(tempfile.mkdtemp(prefix="actionplan-bench-"))
os.environ.update(
    DEBUG="false",
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS="testserver",
    STATIC_ROOT=str(_WORKDIR / "static"),
    MEDIA_ROOT=str(_WORKDIR / "media"),
    SECURE_SSL_REDIRECT="false",
    DJANGO_SETTINGS_MODULE="actionplan.settings",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench import packs, paths, synthetic  # noqa: E402

paths.PATHS.update(packs.PATHS)  # Board pack HTML and PDF (bench/packs.py prints their figures)

SIZES = {"wscb": 42, "1k": 1_000, "10k": 10_000}


def measure(fn, repeats: int) -> dict:
    fn()  # warm: templates compiled, connection open, caches filled
    times, queries, size = [], 0, 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            size = fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return {
        "median": statistics.median(times), "min": min(times), "max": max(times),
        "queries": queries, "bytes": size,
    }  # fmt: skip


def build(size_name: str) -> dict:
    call_command("flush", "--no-input", verbosity=0)
    if size_name == "wscb":
        call_command("loaddata", str(ROOT / "fixtures/wscb_cse_action_plan.json"), verbosity=0)
        return paths.wscb_world()
    synthetic.build(actions=SIZES[size_name])
    return paths.synthetic_world()


def run(sizes, repeats_for) -> list[tuple]:
    rows = []
    for size_name in sizes:
        started = time.perf_counter()
        world = build(size_name)
        print(f"# built {size_name}: {world['actions']} actions in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        client = Client()
        for name, fn in paths.PATHS.items():
            result = paths.run_path(fn, client, world)
            if result is None:
                continue
            measured = measure(result, repeats_for(size_name, name))
            rows.append((size_name, name, measured))
            print(f"  {name:<28} {measured['median']:9.1f} ms", flush=True)
    return rows


def print_table(rows, engine):
    print(f"\n## {engine} (median / min / max ms over repeated runs, queries, bytes)\n")
    print("| size | path | median ms | min | max | queries | bytes | x admin | x floor |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    by_key = {(size, name): m for size, name, m in rows}
    for size, name, m in rows:
        admin = by_key.get((size, "admin changelist (ref)"))
        floor = by_key.get((size, "raw SQL floor (ref)"))
        heavy = name in paths.HEAVY
        x_admin = f"{m['median'] / admin['median']:.2f}" if heavy and admin else ""
        x_floor = f"{m['median'] / floor['median']:.1f}" if heavy and floor else ""
        print(f"| {size} | {name} | {m['median']:.1f} | {m['min']:.1f} | {m['max']:.1f} | "
              f"{m['queries']} | {m['bytes']:,} | {x_admin} | {x_floor} |")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the WSCB size only")
    parser.add_argument("--repeat", type=int, default=7, help="runs per path (small sizes)")
    parser.add_argument("--sizes", nargs="*", choices=list(SIZES), help="sizes to run")
    args = parser.parse_args()
    sizes = ["wscb"] if args.quick else (args.sizes or list(SIZES))

    def repeats_for(size, name):
        slow = name.startswith("Board pack PDF") or "export" in name
        if size == "10k":
            return 1 if slow else 3
        return 3 if slow else args.repeat

    logging.getLogger("actionplan.security").setLevel(logging.WARNING)  # no sign-in noise
    setup_test_environment()
    call_command("collectstatic", "--no-input", verbosity=0)
    engine = connection.vendor
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = run(sizes, repeats_for)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print_table(rows, "PostgreSQL" if engine == "postgresql" else "SQLite")
    print(f"\nMachine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"Django {django.get_version()}")  # fmt: skip


if __name__ == "__main__":
    main()

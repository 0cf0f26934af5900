"""Benchmarks at partnership scale: how the app's cost grows, beside what Django gives for free
(the admin changelist of the same rows) and what the hardware needs (one raw SQL query).

    python bench/run.py            # WSCB (42 actions), 1,000 and 10,000 actions, on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/run.py
    python bench/run.py --quick    # the WSCB size only (CI)
    python bench/run.py --sizes 10k --paths dashboard overview admin --repeat-large 15

Runs in-process with Django's test client and production settings (DEBUG off, cached
templates, persistent connections, WhiteNoise manifest), in a database of its own that it
creates and drops (on PostgreSQL it runs VACUUM ANALYZE after building, as autovacuum would).
The paths run in rounds, one run of each per round, so that load from elsewhere on the machine
falls on all of them alike. Prints one table: per size and path, median / min / max
milliseconds, SQL queries and bytes, and each heavy path's ratio to the admin and to the floor
(the median of its per-round ratios).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import environment  # noqa: E402

environment.setup()

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import packs, paths, synthetic  # noqa: E402

paths.PATHS.update(packs.PATHS)  # Board pack HTML and PDF (bench/packs.py prints their figures)

SIZES = {"wscb": 42, "1k": 1_000, "10k": 10_000}
ROOT = environment.ROOT


def timed(fn) -> tuple[float, int, int]:
    """(milliseconds, SQL queries, bytes) of one run."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        size = fn()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(captured), size


def measure(calls: dict, repeats: dict) -> dict:
    """Run the paths in rounds, one run of each per round, so that whatever else the machine
    is doing falls on all of them alike; each path stops once it has its repeats. Returns
    each path's times, query count and bytes."""
    runs = {name: {"times": [], "queries": 0, "bytes": 0} for name in calls}
    for fn in calls.values():
        fn()  # warm: templates compiled, connection open, caches filled
    for round_number in range(max(repeats.values())):
        for name, fn in calls.items():
            if round_number < repeats[name]:
                elapsed, runs[name]["queries"], runs[name]["bytes"] = timed(fn)
                runs[name]["times"].append(elapsed)
    return runs


def build(size_name: str) -> dict:
    call_command("flush", "--no-input", verbosity=0)
    if size_name == "wscb":
        call_command("load_plan", str(ROOT / "fixtures/wscb_cse_action_plan.json"), verbosity=0)
        return paths.wscb_world()
    synthetic.build(actions=SIZES[size_name], rounds=True)
    return paths.synthetic_world()


def run(sizes, repeats_for) -> list[tuple]:
    rows = []
    for size_name in sizes:
        started = time.perf_counter()
        world = build(size_name)
        environment.analyze(connection)
        print(f"# built {size_name}: {world['actions']} actions in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        # A client each: each path signs in as its own person.
        calls = {name: paths.run_path(fn, Client(), world) for name, fn in paths.PATHS.items()}
        calls = {name: call for name, call in calls.items() if call is not None}
        runs = measure(calls, {name: repeats_for(size_name, name) for name in calls})
        for name, measured in runs.items():
            rows.append((size_name, name, measured))
            print(f"  {name:<28} {statistics.median(measured['times']):9.1f} ms", flush=True)
    return rows


def ratio(times, reference) -> float | None:
    """The median of the per-round ratios: each run against the reference's run in the same
    round, so that a burst of load elsewhere on the machine cancels out."""
    if not reference:
        return None
    return statistics.median(t / r for t, r in zip(times, reference["times"], strict=False))


def _format(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def print_table(rows, engine):
    print(f"\n## {engine} (median / min / max ms over repeated runs, queries, bytes)\n")
    print("| size | path | median ms | min | max | queries | bytes | x admin | x floor |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    by_key = {(size, name): m for size, name, m in rows}
    for size, name, m in rows:
        times = m["times"]
        x_admin = x_floor = ""
        if name in paths.HEAVY:
            x_admin = _format(ratio(times, by_key.get((size, "admin changelist (ref)"))), 2)
            x_floor = _format(ratio(times, by_key.get((size, "raw SQL floor (ref)"))), 1)
        cells = [size, name, f"{statistics.median(times):.1f}", f"{min(times):.1f}"]
        cells += [f"{max(times):.1f}", m["queries"], f"{m['bytes']:,}", x_admin, x_floor]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the WSCB size only")
    parser.add_argument("--repeat", type=int, default=7, help="runs per path (small sizes)")
    parser.add_argument("--sizes", nargs="*", choices=list(SIZES), help="sizes to run")
    parser.add_argument(
        "--paths", nargs="*", help="only the paths whose names contain one of these words"
    )
    parser.add_argument(
        "--repeat-large", type=int, default=3, help="runs per path at 10k (slow paths: 1)"
    )
    args = parser.parse_args()
    if args.paths:
        chosen = {n for n in paths.PATHS if any(word in n for word in args.paths)}
        for name in set(paths.PATHS) - chosen:
            del paths.PATHS[name]
    sizes = ["wscb"] if args.quick else (args.sizes or list(SIZES))

    def repeats_for(size, name):
        slow = name.startswith("Board pack PDF") or "export" in name
        if size == "10k":
            return 1 if slow else args.repeat_large
        return 3 if slow else args.repeat

    engine = connection.vendor
    with environment.test_database():
        rows = run(sizes, repeats_for)
    print_table(rows, "PostgreSQL" if engine == "postgresql" else "SQLite")
    print(f"\nMachine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"Django {django.get_version()}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Board pack benchmark: the pack as HTML and as PDF for one plan of 42, 1,000 and 10,000 actions.

    python bench/packs.py                    # WSCB (42 actions), 1,000 and 10,000 actions
    python bench/packs.py --sizes wscb 1k    # some of them
    python bench/packs.py --compare          # each size both in parallel and in one process
    python bench/packs.py --sizes 1k --measures   # 3 quantified measures an action, 8 quarters
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/packs.py

Each PDF is rendered in a forked child process (and, above PACK_PARALLEL_MIN_ACTIONS actions,
its pool of workers), so that its peak memory is measured on its own: peak RSS of the child and
of its largest worker. CPU seconds count the child and all its workers; on a busy machine CPU
is the steadier figure. bench/run.py registers the same paths (PATHS) for its own table.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time
import traceback
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment
    from bench import run as harness  # sets up Django with production settings
else:
    harness = None

from datetime import date  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.permissions import BUSINESS_SUPPORT_GROUP  # noqa: E402
from actionplan.measures import Direction, Unit  # noqa: E402
from actionplan.models import Measure, MeasureValue, Plan  # noqa: E402
from actionplan.quarters import Quarter  # noqa: E402
from bench import paths, synthetic  # noqa: E402
from reports.packs import build_pack_data  # noqa: E402
from reports.services import render_pack_pdf  # noqa: E402

QUARTER = Quarter.parse("2015-Q3")
SIZES = {"wscb": 42, "1k": 1_000, "10k": 10_000}


def support_user() -> User:
    user, _ = User.objects.get_or_create(username="bench-support")
    user.groups.add(Group.objects.get_or_create(name=BUSINESS_SUPPORT_GROUP)[0])
    return user


def measure_pdf(plan: Plan, *, parallel_from: int | None = None) -> dict:
    """Render the plan's pack in a forked child; its seconds, CPU, pages and peak memory."""
    producer = support_user()
    produced_at = timezone.now()
    data = build_pack_data(plan=plan, quarter=QUARTER, today=date(2026, 1, 1))
    limit = settings.PACK_PARALLEL_MIN_ACTIONS if parallel_from is None else parallel_from
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: renders, reports, and leaves without touching the database
        try:
            os.close(read)
            with override_settings(PACK_PARALLEL_MIN_ACTIONS=limit):
                started, cpu = time.perf_counter(), _cpu()
                pdf = render_pack_pdf(data, produced_by=producer, produced_at=produced_at)
                seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            result = {
                "seconds": seconds, "cpu": cpu, "pages": pdf.page_count,
                "bytes": len(pdf.content), "rss_mb": own / 1024, "worker_rss_mb": workers / 1024,
                "parallel": len(data.actions) >= limit,
            }  # fmt: skip
            os.write(write, json.dumps(result).encode())
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        output = pipe.read()
    os.waitpid(pid, 0)
    if not output:
        raise RuntimeError("The pack render failed in the child process.")
    return json.loads(output)


def _cpu() -> float:
    own, workers = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def describe(result: dict) -> str:
    mode = f"parallel ({os.cpu_count()} workers)" if result["parallel"] else "one process"
    return (
        f"{result['seconds']:7.1f} s, {result['cpu']:7.1f} s CPU, {result['pages']:5} pages, "
        f"{result['pages'] / result['seconds']:5.1f} pages/s, peak RSS {result['rss_mb']:4.0f} MB "
        f"(largest worker {result['worker_rss_mb']:4.0f} MB), {result['bytes'] / 2**20:.1f} MiB, "
        f"{mode}"
    )


# For bench/run.py: paths.PATHS.update(packs.PATHS). Each returns the size of what it made.


def html_path(client, world):
    query = f"?plan={world['plan'].slug}&quarter={QUARTER.slug}"
    return paths._get(client, support_user(), reverse("reports:pack-preview") + query)


def pdf_path(client, world):
    def go():
        result = measure_pdf(world["plan"])
        print(f"    Board pack PDF: {describe(result)}", flush=True)
        return result["bytes"]

    return go


PATHS = {"Board pack HTML": html_path, "Board pack PDF": pdf_path}


def quantify(plan: Plan, *, per_action: int = 3, quarters: int = 8) -> int:
    """Give each action `per_action` quantified measures with a value in each of the
    `quarters` quarters to QUARTER (bulk inserts). Returns the number of values."""
    author = support_user()
    actions = list(plan.actions.order_by("pk"))
    Measure.objects.filter(action__in=actions).delete()
    units = [Unit.NUMBER, Unit.PERCENTAGE, Unit.DAYS]
    measures = Measure.objects.bulk_create(
        [
            Measure(action=action, text=f"Measure {order}", order=order, unit=units[order - 1],
                    baseline_value=40, target_value=80,
                    direction=Direction.LOWER if order == 3 else Direction.HIGHER)
            for action in actions
            for order in range(1, per_action + 1)
        ],
        batch_size=5000,
    )  # fmt: skip
    slugs, quarter = [], QUARTER
    for _ in range(quarters):
        slugs.insert(0, quarter.slug)
        quarter = quarter.previous()
    values = [
        MeasureValue(measure=m, quarter=slug, value=40 + (m.pk * 7 + i * 13) % 55,
                     recorded_by=author)
        for m in measures
        for i, slug in enumerate(slugs)
    ]  # fmt: skip
    MeasureValue.objects.bulk_create(values, batch_size=5000)
    return len(values)


def build(size_name: str) -> Plan:
    call_command("flush", "--no-input", verbosity=0)
    if size_name == "wscb":
        call_command("load_plan", str(harness.ROOT / "fixtures/wscb_cse_action_plan.json"))
        paths.wscb_world()
    else:
        synthetic.build(actions=SIZES[size_name], plan_size=SIZES[size_name])
    return Plan.objects.order_by("pk").first()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", choices=list(SIZES), default=list(SIZES))
    parser.add_argument(
        "--compare", action="store_true", help="render each size in parallel and in one process"
    )
    parser.add_argument(
        "--measures", action="store_true",
        help="give every action 3 quantified measures with 8 quarters of values",
    )  # fmt: skip
    args = parser.parse_args()
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rows = []
    with environment.test_database():
        for size_name in args.sizes:
            plan = build(size_name)
            print(f"# {size_name}: {plan.actions.count()} actions", flush=True)
            if args.measures:
                print(f"  with {quantify(plan)} measure values", flush=True)
            html_times = harness.measure(
                {"html": html_path(harness.Client(), {"plan": plan})}, {"html": 3}
            )["html"]
            html = {"median": statistics.median(html_times["times"]), "bytes": html_times["bytes"]}
            print(
                f"  Board pack HTML: {html['median']:.0f} ms, {html['bytes']:,} bytes", flush=True
            )
            variants = [1, 10**9] if args.compare else [None]
            for limit in variants:
                result = measure_pdf(plan, parallel_from=limit)
                print(f"  Board pack PDF: {describe(result)}", flush=True)
                rows.append((size_name, html, result))
    print(f"\n## Board pack on {engine}\n")
    print(
        "| size | HTML ms | PDF s | CPU s | pages | pages/s "
        "| peak RSS MB (render / largest worker) | mode |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for size_name, html, r in rows:
        mode = f"parallel, {os.cpu_count()} workers" if r["parallel"] else "one process"
        rate = r["pages"] / r["seconds"]
        memory = f"{r['rss_mb']:.0f} / {r['worker_rss_mb']:.0f}"
        print(
            f"| {size_name} | {html['median']:.0f} | {r['seconds']:.1f} | {r['cpu']:.1f} "
            f"| {r['pages']} | {rate:.1f} | {memory} | {mode} |"
        )
    print(f"\nMachine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()

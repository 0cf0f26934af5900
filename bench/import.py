# ruff: noqa: N999 - a script named as the brief asks, never imported
"""Importing a plan: a 1,000-action spreadsheet read, previewed and made into a plan; then a
revised version of it (a tenth reworded, a twentieth dropped, fifty added) previewed and applied.

    python bench/import.py                  # 1,000 actions (and 200, to compare queries)
    python bench/import.py --actions 5000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/actionplan python bench/import.py

Runs in-process with production settings in a database of its own (bench/environment.py),
with the WSCB plan's agencies, roles and bodies to match owners against. Prints, per stage,
seconds, database queries and the process's peak resident memory after it (ru_maxrss: the
peak so far, so a stage that needs no more than the one before leaves it unchanged). The
queries of the preview must not grow with the rows; the commit's grow only with its
500-row insert batches.
"""

import argparse
import io
import random
import resource
import sys
import time
from datetime import date
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    environment.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from accounts.models import User  # noqa: E402
from actionplan.importing.commit import (  # noqa: E402
    plan_import_commit,
    plan_import_create,
    plan_import_map,
    preview,
)
from actionplan.importing.revision import plan_import_revise, revision_for  # noqa: E402
from actionplan.models import OwnerRole  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OWNER_FORMS = ["{title}", "{title} – {agency}", "{title}, {short}", "{title} ({agency})"]
TIMEFRAMES = ["End November 2015", "March 2016", "Q3 2016/17", "Ongoing", "by end of Q4",
              "30 September 2016", "Apr-17"]  # fmt: skip


def spreadsheet(actions: int, seed: int = 7) -> bytes:
    """An officer's spreadsheet of `actions` actions: 10 per objective, 10 objectives per
    priority, merged heading rows, owners written in four ways, a status column."""
    rng = random.Random(seed)
    roles = list(OwnerRole.objects.select_related("agency").order_by("pk"))
    bodies = ["CSE Strategic Group", "Monitoring Effectiveness Sub Group", "New Scrutiny Panel"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Partnership action plan (benchmark)"])
    sheet.append(["Ref", "Action", "Lead officer/agency", "Success measure", "Accountable body",
                  "Timescale", "RAG", "Update"])  # fmt: skip
    for n in range(actions):
        p, o, a = n // 100 + 1, n // 10 % 10 + 1, n % 10 + 1
        if n % 100 == 0:
            sheet.append([f"Priority {p}: Priority number {p}"])
        if n % 10 == 0:
            sheet.append([f"{p}.{o} Objective {p}.{o}"])
        owners = "\n".join(_owner(rng, role) for role in rng.sample(roles, rng.randint(1, 3)))
        sheet.append([f"{p}.{o}.{a}", f"Action {p}.{o}.{a}: " + "review and improve " * 8, owners,
                      "First measure\nSecond measure", rng.choice(bodies),
                      rng.choice(TIMEFRAMES), rng.choice(["Green", "Amber", "Red", "Blue", ""]),
                      "Progress reported to the group this quarter."])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def revised(data: bytes, added: int = 50) -> bytes:
    """The spreadsheet as the Board revised it: every tenth action reworded, every twentieth
    (offset 5) dropped, and `added` new actions under the last heading."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    rows = [
        row for row in sheet.iter_rows(min_row=3) if row[1].value and row[0].value.count(".") == 2
    ]
    dropped = [row[0].row for n, row in enumerate(rows) if n % 20 == 5]
    for n, row in enumerate(rows):
        if n % 10 == 0:
            row[1].value = f"{row[1].value} (revised)"
    last = [cell.value for cell in rows[-1]]
    for row_number in reversed(dropped):
        sheet.delete_rows(row_number)
    heading = last[0].rsplit(".", 1)[0]
    for k in range(added):
        sheet.append([f"{heading}.{100 + k}", f"New action {k}", *last[2:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _owner(rng, role) -> str:
    form = rng.choice(OWNER_FORMS)
    short = role.agency.short_name or role.agency.name
    return form.format(title=role.title, agency=role.agency.name, short=short)


def measure(label, function, results):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - started
    results.append((label, seconds, len(queries), peak_rss_mb()))
    return value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(actions: int, user) -> list:
    data = spreadsheet(actions)
    details = {"title": f"Benchmark {actions}", "partnership": "Benchmark partnership",
               "period": "2015-18", "slug": f"bench-{actions}", "status_from": "date",
               "status_date": date(2016, 3, 31).isoformat()}  # fmt: skip
    results = []
    upload = measure("read the file and keep it pending",
                     lambda: plan_import_create(name="plan.xlsx", data=data, uploaded_by=user),
                     results)  # fmt: skip
    plan_import_map(plan_import=upload, mapping=upload.mapping, details=details)
    draft = measure("preview (the whole plan built)", lambda: preview(upload).draft, results)
    plan = measure("commit (the plan made)",
                   lambda: plan_import_commit(plan_import=upload, user=user), results)  # fmt: skip
    revision = revised(data)
    upload = plan_import_create(name="plan-v2.xlsx", data=revision, uploaded_by=user,
                                revises=plan)  # fmt: skip
    plan_import_map(plan_import=upload, mapping=upload.mapping, details=upload.details)
    found = measure("revision preview (compared with the plan)",
                    lambda: revision_for(upload, plan, preview(upload)), results)  # fmt: skip
    measure("revision applied", lambda: plan_import_revise(plan_import=upload, user=user),
            results)  # fmt: skip
    print(f"\nRevision: {found.counts}")
    owners, problems = len(draft.owners), len(draft.problems)
    print(f"\n{actions} actions, {len(data) / 1_000_000:.2f} MB file, "
          f"{owners} distinct owners, {problems} problems listed")  # fmt: skip
    print(f"{'stage':42} {'seconds':>8} {'queries':>8} {'peak RSS MB':>12}")
    for label, seconds, queries, peak in results:
        print(f"{label:42} {seconds:8.2f} {queries:8d} {peak:12.0f}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    args = parser.parse_args()
    with environment.test_database() as db:
        call_command("loaddata", str(ROOT / "fixtures" / "wscb_cse_action_plan.json"), verbosity=0)
        user = User.objects.create(username="bench-support", is_superuser=True)
        print(f"Database: {db.vendor}")
        small = run(200, user)
        large = run(args.actions, user)
        same = [s[2] == b[2] for s, b in zip(small, large, strict=True)]
        print(f"\nQueries per stage the same at 200 and {args.actions} actions: "
              f"{'preview yes' if same[1] else 'preview NO'}; commit "
              f"{small[2][2]} and {large[2][2]} (bulk inserts batch 500 rows); revision "
              f"preview {'yes' if same[3] else 'NO'}")  # fmt: skip
        print(f"Peak resident memory of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

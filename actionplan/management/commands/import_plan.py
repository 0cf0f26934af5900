import json
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actionplan.importing.commit import (
    ImportBlockedError,
    plan_import_commit,
    plan_import_read,
    preview,
    role_choice,
    table_for,
)
from actionplan.importing.mapping import FIELDS, mapping_errors
from actionplan.importing.reading import ImportFileError
from actionplan.importing.revision import GROUPS, plan_import_revise, revision_for
from actionplan.models import Plan


class Command(BaseCommand):
    help = (
        "Import a plan from an XLSX, CSV or DOCX file (docs/importing.md): prints the plan as "
        "it will be created and every problem; with --dry-run writes nothing. With --revise, "
        "a revised version of the plan --plan: prints and makes its changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The plan file.")
        parser.add_argument("--plan", required=True, help="The new plan's short name (slug).")
        parser.add_argument("--title", default="", help="The plan's title.")
        parser.add_argument("--partnership", default="", help="The partnership's name.")
        parser.add_argument("--short-name", default="", help="The partnership's short name.")
        parser.add_argument("--period", default="", help="The plan's period, e.g. 2015-18.")
        parser.add_argument(
            "--mapping",
            type=Path,
            help='JSON: {"columns": ["reference", "description", ...] or {"Header": "field"}, '
            '"owners": {part key: "role:<id>"|"new"}, "bodies": {...}, "agency": ...}.',
        )
        parser.add_argument(
            "--revise",
            action="store_true",
            help="The file is a revised version of the plan --plan: its actions are matched by "
            "reference; new ones are added, changed ones changed, those no longer in the file "
            "retired. Statuses already reported are never changed.",
        )
        parser.add_argument(
            "--revised-on",
            type=date.fromisoformat,
            help="With --revise: the day actions are retired and new ones join (default today).",
        )
        parser.add_argument(
            "--reason", default="", help="With --revise: why, kept in each change's history."
        )
        parser.add_argument("--by", default="", help="Username recorded as the importer.")
        parser.add_argument("--dry-run", action="store_true", help="Print only; write nothing.")

    def handle(self, *args, file, plan, mapping, by, dry_run, revise, **options):
        user = self._user(by)
        revised = self._revised(plan, revise)
        try:
            plan_import = plan_import_read(
                name=file.name, data=file.read_bytes(), uploaded_by=user, revises=revised
            )
        except (ImportFileError, OSError) as error:
            raise CommandError(str(error)) from None
        if not revised:
            plan_import.details.update(
                slug=plan, title=options["title"] or plan_import.details.get("title", "") or plan,
                partnership=options["partnership"], short_name=options["short_name"],
                period=options["period"],
            )  # fmt: skip
        if mapping:
            self._apply_mapping(plan_import, json.loads(mapping.read_text(encoding="utf-8")))
        if errors := mapping_errors(plan_import.mapping):
            raise CommandError(" ".join(errors) + " Give the columns with --mapping.")
        result = preview(plan_import)
        if revised:
            day = options["revised_on"] or timezone.localdate()
            plan_import.decisions.update(revised_on=day.isoformat(), reason=options["reason"])
            self._revise(plan_import, revised, result, user=user, dry_run=dry_run)
            return
        self._print(plan_import, result)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        plan_import.save()
        try:
            made = plan_import_commit(plan_import=plan_import, user=user)
        except (ImportBlockedError, ValidationError) as error:
            plan_import.delete()
            raise CommandError(f"Nothing was imported: {error}") from None
        summary = plan_import.summary
        retired = f", {summary['retired']} of them retired" if summary.get("retired") else ""
        self.stdout.write(f"Imported {made.slug}: {summary['actions']} actions{retired}.")

    def _revised(self, slug: str, revise: bool) -> Plan | None:
        plan = Plan.objects.filter(slug=slug).first()
        if revise and plan is None:
            raise CommandError(f"No plan has the short name {slug!r}: nothing to revise.")
        if plan and not revise:
            raise CommandError(
                f"A plan with the short name {slug!r} exists already: to import a revised "
                "version of it, add --revise; for a new plan, choose another --plan."
            )
        return plan

    def _revise(self, plan_import, plan, result, *, user, dry_run):
        revision = revision_for(plan_import, plan, result)
        self._print_revision(revision, result)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not revision.has_changes:
            self.stdout.write("No changes: nothing was written.")
            return
        plan_import.save()
        try:
            plan_import_revise(plan_import=plan_import, user=user)
        except (ImportBlockedError, ValidationError) as error:
            plan_import.delete()
            raise CommandError(f"Nothing was changed: {error}") from None
        counts = plan_import.summary["counts"]
        self.stdout.write(
            f"Revised {plan.slug}: {counts['new']} new, {counts['changed']} changed, "
            f"{counts['retire']} retired, {counts['reinstate']} back in the plan."
        )

    def _print_revision(self, revision, result):
        out, counts = self.stdout, revision.counts
        out.write(f"Changes to {revision.plan.title} on {revision.day:%-d %B %Y}:")
        out.write(
            f"{counts['new']} new, {counts['changed']} changed, {counts['retire']} to retire, "
            f"{counts['reinstate']} back in the plan, {counts['unchanged']} unchanged."
        )
        out.write("Statuses already reported are never changed by an import.")
        for heading in revision.headings:
            before = "new" if heading.before is None else f"was {heading.before!r}"
            out.write(f"  {heading.label} {heading.number}: {heading.after!r} ({before})")
        for kind, title in GROUPS.items():
            entries = revision.groups[kind]
            if not entries or kind == "unchanged":
                continue
            out.write(f"{title}:")
            for entry in entries:
                out.write(f"  {entry.reference} {entry.description[:70]}")
                for change in entry.fields:
                    before, after = (v.replace("\n", "; ") for v in (change.before, change.after))
                    out.write(f"    {change.label}: {before} -> {after}")
        problems = result.draft.problems + revision.problems
        out.write(f"Problems ({len(problems)}):")
        self._print_problems(problems)

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No person has the username {username!r}.") from None

    def _apply_mapping(self, plan_import, data):
        columns = data.get("columns")
        header = [h.lower() for h in _header(plan_import)]
        if isinstance(columns, dict):
            wanted = {k.lower(): v for k, v in columns.items()}
            columns = [wanted.get(h, "") for h in header]
        if columns is not None:
            unknown = sorted(set(columns) - set(FIELDS))
            if unknown:
                raise CommandError(f"Unknown column choices: {', '.join(unknown)}.")
            plan_import.mapping = list(columns)
        plan_import.decisions = {k: data[k] for k in ("owners", "bodies", "agency") if k in data}
        plan_import.details.update(data.get("details", {}))

    def _print(self, plan_import, result):
        draft, directory, out = result.draft, result.directory, self.stdout
        out.write(f"{plan_import.details['title']} ({len(draft.actions)} actions)")
        for priority in draft.priorities:
            out.write(f"{draft.priority_label} {priority.number}: {priority.display_title}")
            for objective in priority.objectives:
                out.write(f"  {objective.number} {objective.display_title}")
                for action in objective.actions:
                    due = f"due {action.due:%d %b %Y}" if action.due else "no due date"
                    out.write(f"    {action.reference} {action.description[:70]} ({due})")
        out.write("Owners:")
        for key, part in draft.owners.items():
            choice = role_choice(plan_import, part)
            role = directory.roles.get(int(choice[5:])) if choice.startswith("role:") else None
            out.write(f"  [{key}] {part.text} -> {role or 'a new role: ' + part.title}")
        out.write(f"Problems ({len(draft.problems)}):")
        self._print_problems(draft.problems)

    def _print_problems(self, problems):
        for problem in problems:
            where = ", ".join(
                filter(None, [f"row {problem.row}" if problem.row else "", problem.column])
            )
            stop = "STOPS THE IMPORT: " if problem.blocking else ""
            self.stdout.write(f"  {where or 'the file'}: {stop}{problem.message}")


def _header(plan_import):
    return table_for(plan_import).header

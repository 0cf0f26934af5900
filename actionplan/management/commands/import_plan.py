import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

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


class Command(BaseCommand):
    help = (
        "Import a plan from an XLSX, CSV or DOCX file (docs/importing.md): prints the plan as "
        "it will be created and every problem; with --dry-run writes nothing."
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
        parser.add_argument("--by", default="", help="Username recorded as the importer.")
        parser.add_argument("--dry-run", action="store_true", help="Print only; write nothing.")

    def handle(self, *args, file, plan, mapping, by, dry_run, **options):
        user = self._user(by)
        try:
            plan_import = plan_import_read(name=file.name, data=file.read_bytes(), uploaded_by=user)
        except (ImportFileError, OSError) as error:
            raise CommandError(str(error)) from None
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
        self.stdout.write(f"Imported {made.slug}: {plan_import.summary['actions']} actions.")

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
        for problem in draft.problems:
            where = ", ".join(
                filter(None, [f"row {problem.row}" if problem.row else "", problem.column])
            )
            stop = "STOPS THE IMPORT: " if problem.blocking else ""
            out.write(f"  {where or 'the file'}: {stop}{problem.message}")


def _header(plan_import):
    return table_for(plan_import).header

"""What a django-tables2 cell costs, by kind of column, and where the time goes.

    python bench/columns.py

Builds 300 synthetic actions in a database of its own, takes 100 dashboard rows
(ActionQuerySet.for_dashboard, owners prefetched) into memory and renders tables of them, so
no query is timed. A kind of column's cost per cell is the time of a table of eight copies of
it less a table of one, over 7 x 100 cells, best of several runs: the row's own overhead
cancels out. Prints one table of microseconds per cell:

- kinds of column through django-tables2's own row loop ({% for column, cell in row.items %},
  with the column's td attributes, as a table template usually writes it);
- the parts of that per-cell work, timed alone;
- the action table both ways: django-tables2's row loop, and ActionTable.rendered_rows().
"""

import argparse
import copy
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import environment  # noqa: E402

environment.setup()

import django  # noqa: E402
import django_tables2 as tables  # noqa: E402
from django.template import engines  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import format_html  # noqa: E402
from django_tables2.utils import Accessor, signature  # noqa: E402

from actionplan.models import Action  # noqa: E402
from actionplan.tables import ActionTable  # noqa: E402
from bench import synthetic  # noqa: E402

ROWS = 100
ROW_LOOP = engines["django"].from_string(
    "{% for row in table.paginated_rows %}<tr>{% for column, cell in row.items %}"
    "<td {{ column.attrs.td.as_html }}>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
)
RENDERED_ROWS = engines["django"].from_string(
    "{% for row in table.rendered_rows %}<tr>{{ row }}</tr>{% endfor %}"
)


def best(fn, repeats) -> float:
    """Seconds of the fastest of `repeats` runs (after one to warm)."""
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _table_class(column, copies, methods):
    attrs = {"Meta": type("Meta", (), {"orderable": False})}
    for index in range(copies):
        attrs[f"c{index}"] = copy.deepcopy(column)
        for name, method in methods.items():
            attrs[f"{name}_c{index}"] = method
    return type("BenchTable", (tables.Table,), attrs)


def per_cell(rows, column, methods, repeats) -> float:
    """Microseconds per cell: eight copies of the column less one copy, over 7 x rows."""

    def render(copies):
        table = _table_class(column, copies, methods)(rows)
        return lambda: ROW_LOOP.render({"table": table})

    return (best(render(8), repeats) - best(render(1), repeats)) / (7 * len(rows)) * 1e6


def _link(self, record, value):
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


def _value(self, value):
    return value


def _reference(self, record):
    return record.reference


def _kinds():
    """(column, render_x methods) of each kind of column measured."""
    reference = tables.Column(accessor="reference")
    return {
        "Column, a model field": (reference, {}),
        "Column, a related field (a__b)": (tables.Column(accessor="accountable_body__name"), {}),
        "Column, an annotation": (tables.Column(accessor="rag_as_of"), {}),
        "Column + render_x(value)": (reference, {"render": _value}),
        "Column + render_x(record)": (reference, {"render": _reference}),
        "Column + render_x(record, value), a link": (reference, {"render": _link}),
        "DateColumn": (tables.DateColumn(accessor="due_date", format="j M Y"), {}),
        "BooleanColumn": (tables.BooleanColumn(accessor="overdue_as_of"), {}),
        "Column(linkify=True)": (tables.Column(accessor="reference", linkify=True), {}),
        "TemplateColumn": (tables.TemplateColumn("{{ record.reference }}"), {}),
        "ManyToManyColumn (owners, prefetched)": (
            tables.ManyToManyColumn(accessor="owner_links"),
            {},
        ),
    }


def parts(rows, repeats) -> dict[str, float]:
    """Microseconds per call of each piece of django-tables2's per-cell work, timed alone."""
    table = _table_class(tables.Column(accessor="accountable_body__name"), 1, {"render": _link})(
        rows
    )
    bound = table.columns["c0"]
    accessor, record = Accessor("accountable_body__name"), rows[0]
    pieces = {
        "inspect the render method's signature": lambda: signature(bound.render),
        "resolve the accessor (and its penultimate, and the model field)": lambda: (
            accessor.penultimate(record),
            accessor.get_field(record),
            accessor.resolve(record),
        ),
        "work out the column's attrs (column.attrs.td, per cell)": lambda: bound.attrs,
        "BoundRow.get_cell, all of the above and the render": lambda: next(
            iter(table.rows)
        ).get_cell("c0"),
    }
    calls = 200
    return {
        name: best(lambda piece=piece: [piece() for _ in range(calls)], repeats) / calls * 1e6
        for name, piece in pieces.items()
    }


def action_table(rows, repeats) -> dict[str, float]:
    """The dashboard's table of 100 rows, per cell, both ways; and each column's render."""
    table = ActionTable(rows, caption="Actions", orderable=False)
    cells = len(rows) * len(table.columns)
    results = {
        "ActionTable through django-tables2's row loop": best(
            lambda: ROW_LOOP.render({"table": table}), repeats
        ),
        "ActionTable.rendered_rows()": best(
            lambda: RENDERED_ROWS.render({"table": table}), repeats
        ),
    }
    results = {name: seconds / cells * 1e6 for name, seconds in results.items()}
    for column in table.columns:
        render = getattr(table, f"render_{column.name}")
        seconds = best(lambda render=render: [render(record) for record in rows], repeats)
        results[f"  render_{column.name}(record)"] = seconds / len(rows) * 1e6
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement")
    args = parser.parse_args()
    with environment.test_database():
        synthetic.build(actions=300)
        rows = list(Action.objects.for_dashboard(as_of=timezone.localdate())[:ROWS])
        print(f"\n## Cost of a django-tables2 cell ({len(rows)} rows in memory, best of "
              f"{args.repeat}; microseconds per cell)\n")  # fmt: skip
        print("| what | µs per cell |")
        print("|---|---:|")
        for name, (column, methods) in _kinds().items():
            print(f"| {name} | {per_cell(rows, column, methods, args.repeat):.1f} |")
        for name, micros in parts(rows, args.repeat).items():
            print(f"| part: {name} | {micros:.1f} |")
        for name, micros in action_table(rows, args.repeat).items():
            print(f"| {name} | {micros:.1f} |")
    print(f"\nMachine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"Django {django.get_version()}; django-tables2 {tables.__version__}")  # fmt: skip


if __name__ == "__main__":
    main()

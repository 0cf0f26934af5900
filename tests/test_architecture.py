"""The apps depend one way: accounts <- actionplan <- reports.

An app imports only apps to its left, and a relation between two apps is declared on the app to
the right. The project package (actionplan/project: settings, root URLconf, WSGI/ASGI) is not an
app and may import any of them; migrations are generated and left out.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["accounts", "actionplan", "reports"]  # each may depend only on those before it
PROJECT = ROOT / "actionplan" / "project"


def app_files(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and not path.is_relative_to(PROJECT)
    ]


def imported_modules(source: str, *, module: str) -> list[tuple[int, str]]:
    """(line, module) for every import in `source`, the code of `module` (dotted name):
    import statements anywhere (in functions too), relative imports resolved, and
    importlib.import_module / __import__ called with a literal name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", level=node.level, module=module)
            found += [(node.lineno, base)]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append((node.lineno, name.value))
    return found


def _resolve(name: str, *, level: int, module: str) -> str:
    if not level:
        return name
    package = module.split(".")[:-level]
    return ".".join([*package, name] if name else package)


def _is_dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}
    )


def apps_to_the_right(app: str) -> list[str]:
    return LAYERS[LAYERS.index(app) + 1 :]


def wrong_way_imports(app: str, path: Path, source: str) -> list[str]:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imported_modules(source, module=module)
        if name.split(".")[0] in apps_to_the_right(app)
    ]


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_no_app_to_its_right(app):
    files = app_files(app)
    assert len(files) > 5  # the app's own modules were found (and so were read)
    offences = [
        offence for path in files for offence in wrong_way_imports(app, path, path.read_text())
    ]
    assert offences == []


@pytest.mark.parametrize("app", LAYERS)
def test_a_relation_between_two_apps_is_declared_on_the_app_to_the_right(app):
    models = list(apps.get_app_config(app).get_models(include_auto_created=True))
    assert models
    offences = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in models
        for field in model._meta.get_fields()
        if field.is_relation
        and not field.auto_created  # forward fields only: reverse ones are the other side's
        and field.related_model is not None
        and field.related_model._meta.app_label in apps_to_the_right(app)
    ]
    assert offences == []


@pytest.mark.parametrize(
    "line",
    [
        "from reports.models import BoardPack",
        "import reports.services",
        "import reports",
        "from reports import services",
        "from ...reports import models",  # relative, from accounts/sub/module.py
        "importlib.import_module('reports.views')",
        "import_module('reports')",
    ],
)
def test_the_check_catches_each_way_of_importing(line):
    source = f"def lazy():\n    {line}\n"  # inside a function: still an import
    assert wrong_way_imports("accounts", ROOT / "accounts" / "sub" / "module.py", source) != []
    assert wrong_way_imports("reports", ROOT / "reports" / "sub" / "module.py", source) == []

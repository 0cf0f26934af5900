"""The test suite keeps its own house rules (../shared/STYLE.md, "Tests")."""

import ast

from tests.conftest import ROOT

TESTS = ROOT / "tests"


def _test_modules():
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 30
    return modules


def _imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_test_module_imports_another():
    # Shared helpers and fixtures live in conftest.py files.
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported_modules(path) if name.split(".")[-1].startswith("test_")
        )
        for path in _test_modules()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_browser_tests_wait_for_a_condition_never_a_fixed_time():
    modules = sorted((TESTS / "browser").glob("*.py"))
    assert len(modules) > 3
    waits = [
        str(path.relative_to(ROOT))
        for path in modules
        if "wait_for_timeout(" in path.read_text() or "time.sleep(" in path.read_text()
    ]
    assert waits == []

"""The documentation stays a map that can be followed: every relative link in README.md,
docs/ and bench/README.md leads to a file (and heading) that exists, the README stays a front
door, and every environment variable the settings read is documented."""

import importlib.util
import os
import re
from pathlib import Path

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS, ROOT / "bench" / "README.md"]

_FENCED = re.compile(r"^```.*?^```", re.M | re.S)
_LINK = re.compile(r"\]\(<?([^)<>\s]+)>?\)")  # [text](target), [text](<target>)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_ENV_READ = re.compile(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def _text(page: Path) -> str:
    return _FENCED.sub("", page.read_text(encoding="utf-8"))  # code blocks hold no links


def _anchors(page: Path) -> set[str]:
    """The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, and -1, -2... after a repeated one."""
    anchors, seen = set(), {}
    for heading in _HEADING.findall(_text(page)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        repeats = seen[slug] = seen.get(slug, -1) + 1
        anchors.add(f"{slug}-{repeats}" if repeats else slug)
    return anchors


def _relative_links(page: Path) -> list[str]:
    return [
        link
        for link in _LINK.findall(_text(page))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", link)  # http:, https:, mailto:
    ]


def test_every_relative_link_leads_to_a_file_and_heading_that_exist():
    checked, broken = 0, []
    for page in PAGES:
        for link in _relative_links(page):
            checked += 1
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such file)")
            elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such heading)")
    assert checked > 20  # the pages were read and their links found
    assert broken == []


def test_the_readme_is_a_front_door_under_200_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert 50 < lines < 200


def test_the_readme_links_every_docs_page():
    links = _relative_links(README)
    linked = {(README.parent / link.partition("#")[0]).resolve() for link in links}
    assert DOCS
    assert [page.name for page in DOCS if page.resolve() not in linked] == []


def test_every_environment_variable_the_settings_read_is_documented():
    module = os.environ["DJANGO_SETTINGS_MODULE"]  # django.conf.settings is overridden in tests
    source = Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")
    variables = set(_ENV_READ.findall(source))
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"} <= variables  # the pattern still finds them
    for document in [ROOT / ".env.example", ROOT / "docs" / "configuration.md"]:
        text = document.read_text(encoding="utf-8")
        missing = sorted(name for name in variables if not re.search(rf"\b{name}\b", text))
        assert missing == [], f"{document.name} does not mention {missing}"

"""WeasyPrint may read the app's static files and data: URLs, and nothing else."""

import io
from datetime import date
from urllib.parse import urljoin

import pytest
from pypdf import PdfReader

from actionplan.quarters import Quarter
from reports import pdf
from reports.pdf import (
    PACK_BASE_URL,
    PackRenderError,
    RefusedURLError,
    StaticFilesOnlyFetcher,
    render_pdf,
    static_file_path,
)
from reports.services import board_pack_html
from tests.conftest import make_user
from tests.reports.conftest import at, make_small_plan, make_update

PASSWD_LINE = "root:x:0:0"
STATIC_CSS = f"{PACK_BASE_URL}static/reports/pack.css"
RAG_CSS = f"{PACK_BASE_URL}static/css/rag.css"


def _page(body: str, head: str = "") -> str:
    return f'<html lang="en-GB"><head><title>t</title>{head}</head><body>{body}</body></html>'


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://attacker.invalid/beacon.png",
        "https://attacker.invalid/steal.css",
        "ftp://attacker.invalid/x",
        "https://actionplan.invalid/etc/passwd",  # our host, but not a static URL
        "https://actionplan.invalid/static/../../../etc/passwd",
        "https://actionplan.invalid/static/reports/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://actionplan.invalid/static//etc/passwd",
        "https://actionplan.invalid/static/reports/missing.css",
        "https://actionplan.invalid/static/reports/pack.css?x=file:///etc/passwd",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    fetcher = StaticFilesOnlyFetcher()
    with pytest.raises(RefusedURLError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_fetcher_serves_the_packs_stylesheet_and_data_urls():
    fetcher = StaticFilesOnlyFetcher()
    css = fetcher.fetch(STATIC_CSS)
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    assert data.read() == b"hello"
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "head, body",
    [
        ('<link rel="stylesheet" href="file:///etc/passwd">', ""),
        ("<style>@import url('file:///etc/passwd');</style>", ""),
        ("<style>body { background: url(http://attacker.invalid/x.png) }</style>", "<p>x</p>"),
        ("<style>@font-face { font-family: x; src: url(file:///etc/passwd) }</style>", ""),
        ('<link rel="stylesheet" href="data:text/css,@import url(file:///etc/passwd);">', ""),
        ("", '<img src="file:///etc/passwd" alt="">'),
        ("", '<img src="http://attacker.invalid/beacon.png" alt="">'),
        ("", '<object data="file:///etc/passwd"></object>'),
    ],
)
def test_rendering_stops_rather_than_fetch_a_forbidden_url(head, body):
    fetcher = StaticFilesOnlyFetcher()
    with pytest.raises(PackRenderError, match="Board packs load only the app's static files"):
        render_pdf(_page(body, head), url_fetcher=fetcher)
    assert fetcher.refused
    assert all("passwd" in url or "attacker.invalid" in url for url in fetcher.refused)


def test_an_svg_image_link_is_refused_too():
    # WeasyPrint swallows errors while drawing inline SVG, so the page renders; the file is
    # still never read.
    fetcher = StaticFilesOnlyFetcher()
    body = '<svg width="9" height="9"><image href="file:///etc/passwd" width="9" height="9"/></svg>'
    result = render_pdf(_page(body), url_fetcher=fetcher)
    assert fetcher.refused == ["file:///etc/passwd"]
    assert PASSWD_LINE.encode() not in result.content


@pytest.mark.django_db
def test_hostile_commentary_stays_text_and_nothing_is_fetched(monkeypatch):
    plan = make_small_plan(actions=1)
    action = plan.actions.get()
    hostile = (
        'Off track. <img src="http://attacker.invalid/beacon.png"> '
        '<link rel="stylesheet" href="file:///etc/passwd"> '
        "<style>@import url(file:///etc/passwd); "
        "body { background: url(http://attacker.invalid/x) }</style> "
        '<a href="file:///etc/passwd">evidence</a> <iframe src="file:///etc/passwd">'
        '</iframe> <svg><image href="file:///etc/passwd"/></svg> file:///etc/passwd'
    )
    make_update(action, "red", at(date(2015, 12, 1)), commentary=hostile)
    fetchers = []
    monkeypatch.setattr(pdf, "StaticFilesOnlyFetcher", _recording(fetchers))

    html = board_pack_html(
        plan=plan,
        quarter=Quarter.parse("2015-Q3"),
        produced_by=make_user(),
        produced_at=at(date(2016, 1, 4)),
    )
    result = render_pdf(html)

    assert "&lt;img src=&quot;http://attacker.invalid/beacon.png&quot;&gt;" in html
    for markup in ["<img", "<iframe", "<image", '<link rel="stylesheet" href="file', "<style>@"]:
        assert markup not in html
    [fetcher] = fetchers
    assert fetcher.served == [RAG_CSS, STATIC_CSS]
    assert fetcher.refused == []
    reader = PdfReader(io.BytesIO(result.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert '<img src="http://attacker.invalid/beacon.png">' in " ".join(text.split())
    assert PASSWD_LINE not in text
    assert PASSWD_LINE.encode() not in result.content
    links = [
        annotation.get_object().get("/A", {}).get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    assert not [uri for uri in links if uri and not uri.startswith("#")]


def _recording(fetchers):
    class Recording(StaticFilesOnlyFetcher):
        def __init__(self):
            super().__init__()
            fetchers.append(self)

    return Recording


def test_production_hashed_static_names_are_served(monkeypatch):
    # With DEBUG off, {% static %} writes the manifest's hashed name: the fetcher maps it back.
    from django.contrib.staticfiles.storage import staticfiles_storage

    monkeypatch.setattr(
        staticfiles_storage,
        "hashed_files",
        {"reports/pack.css": "reports/pack.c5cc92061aca.css"},
        raising=False,
    )
    url = urljoin(PACK_BASE_URL, "/static/reports/pack.c5cc92061aca.css")
    assert static_file_path(url).name == "pack.css"
    assert static_file_path(urljoin(PACK_BASE_URL, "/static/reports/pack.0000.css")) is None

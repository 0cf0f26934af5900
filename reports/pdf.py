"""HTML to PDF with WeasyPrint, fetching nothing but the app's own static files.

A pack carries text typed by many people. Django escapes it, so it can never become markup;
the fetcher is the second wall: even if some markup got through, WeasyPrint could not read a
local file (file://) or call out to a remote address (http://, https://, anything else) while
rendering. It serves the app's static files (found the way Django's staticfiles finds them)
and data: URLs, and refuses everything else by raising, which stops the rendering.
"""

import mimetypes
import posixpath
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib import request
from urllib.parse import unquote, urljoin, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# The base URL of a pack's HTML, so that {% static %} links resolve to absolute URLs the
# fetcher can recognise. ".invalid" names never resolve (RFC 6761), and the fetcher never
# connects anywhere in any case.
PACK_BASE_URL = "https://actionplan.invalid/"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF, with the document's title and language


class RefusedURLError(ValueError):
    """The pack tried to load something that is not one of the app's static files."""


class PackRenderError(Exception):
    """The pack could not be rendered; nothing was produced."""


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves data: URLs and the app's own static files; refuses everything else.

    `served` and `refused` record every URL asked for, so that tests can prove what was read.
    """

    def __init__(self):
        # fail_on_errors: a refused URL stops the rendering instead of being skipped quietly.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            self.served.append(url[:60])
            return _data_response(url)
        path = static_file_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURLError(f"Board packs load only the app's static files, not {url!r}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _data_response(url: str) -> URLFetcherResponse:
    with request.DataHandler().data_open(request.Request(url)) as response:
        return URLFetcherResponse(url, response.read(), dict(response.headers))


def static_file_path(url: str) -> Path | None:
    """The file behind one of the app's static URLs (as {% static %} writes them against
    PACK_BASE_URL), or None for any other URL, including one that climbs out with '..'."""
    static_root_url = urljoin(PACK_BASE_URL, settings.STATIC_URL)
    if not url.startswith(static_root_url):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    name = unquote(parts.path)[len(urlsplit(static_root_url).path) :]
    if not name or "\\" in name or "\x00" in name or posixpath.normpath(name) != name:
        return None
    if name.startswith(("/", "..")):
        return None
    found = finders.find(name)
    if found is None and (source := _unhashed(name)):
        found = finders.find(source)
    return Path(found) if isinstance(found, str) and Path(found).is_file() else None


def _unhashed(name: str) -> str:
    """In production {% static %} writes the manifest's hashed name (pack.c5cc92061aca.css):
    the source file's name, if the manifest knows it, else "" (never a folder to look in)."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None) or {}
    return next((source for source, hashed in hashed_files.items() if hashed == name), "")


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


def render_pdf(
    html: str, *, url_fetcher: StaticFilesOnlyFetcher | None = None, progress=None
) -> RenderedPdf:
    """Lay out `html` (which must have <html lang> and a <title>) as a tagged PDF, in this
    process. `progress`, if given, is told in words how far it has got."""
    progress = progress or (lambda message: None)
    progress("Laying out the pages")
    document = lay_out(html, url_fetcher=url_fetcher)
    progress(f"Writing the PDF ({len(document.pages)} pages)")
    content = write(document)
    return RenderedPdf(content=content, page_count=len(document.pages))


@contextmanager
def _render_errors():
    try:
        yield
    except FatalURLFetchingError as error:
        # A BaseException in WeasyPrint: turn it into an ordinary error for Django to handle.
        raise PackRenderError(str(error.__cause__ or error)) from None


def lay_out(
    html: str, *, url_fetcher: StaticFilesOnlyFetcher | None = None, tagged: bool = True
) -> weasyprint.Document:
    """WeasyPrint's laid-out pages of `html`, fetching only the app's static files."""
    fetcher = url_fetcher or StaticFilesOnlyFetcher()
    with _render_errors():
        return weasyprint.HTML(string=html, base_url=PACK_BASE_URL, url_fetcher=fetcher).render(
            pdf_variant=PDF_VARIANT if tagged else None
        )


def write(document: weasyprint.Document, *, tagged: bool = True) -> bytes:
    with _render_errors():
        return document.write_pdf(pdf_variant=PDF_VARIANT if tagged else None)

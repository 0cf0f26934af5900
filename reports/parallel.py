"""Large Board packs, laid out in parallel processes and joined into one tagged PDF.

WeasyPrint lays out a document in one process, and its cost is text layout, so a pack of
thousands of actions takes minutes and all the memory its boxes need. Here the pack is split
into parts: the summary (its lists in pieces of about SUMMARY_ROWS rows where they are long),
the exceptions and the detail in pieces of at most CHUNK_ACTIONS actions (a piece starts a new
page; a list, priority or objective that goes on is headed "continued"), and the appendix. A
pool of worker processes, one per core, lays out each part and writes it as a tagged PDF
without its running header and footer. Then:

1. the cover and contents are laid out with the page numbers the parts found for each section
   (on the guess that they take FRONT_PAGES pages; again, if that was wrong);
2. the running header and footer, with "Page X of Y" and the real total, are laid out as a
   separate untagged document (in chunks, in the pool) and drawn over every page, marked as
   an artifact, as WeasyPrint's own page margins are not part of the structure tree either;
3. pikepdf (qpdf) joins the parts: the pages; each part's structure tree, re-parented under one
   Document element, with the parent tree renumbered for the joined pages and link
   annotations; the named destinations the contents links point at; the bookmarks from every
   part; the language, XMP metadata (PDF/UA-1 identification) and title from the first part.
"""

import io
import multiprocessing
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace

import pikepdf
from pikepdf import Array, Dictionary, Name

from reports.packs import BoardPackData, PrioritySection, SummaryBlock, summary_blocks
from reports.pdf import PackRenderError, RenderedPdf, lay_out, write

# Actions in one piece of the exceptions or the detail: about 40 pages, a few seconds' work.
CHUNK_ACTIONS = 80
# Rows of the summary's lists in one part: also about 40 pages.
SUMMARY_ROWS = 1000
# Pages of running header and footer laid out in one go.
STAMP_PAGES = 400
# Pages of cover and contents, until laid out: one each, unless the contents is long.
FRONT_PAGES = 2
PT_PER_PX = 0.75  # WeasyPrint lays out in CSS pixels; PDF coordinates are points


@dataclass
class PackPart:
    """Which sections one part of the pack holds, and which piece of them."""

    sections: list[str]
    exceptions: list | None = None  # this piece of the exceptions
    priorities: list[PrioritySection] | None = None  # this piece of the detail
    summary: list[SummaryBlock] | None = None  # this piece of the summary's lists
    measures: list | None = None  # this piece of the measures section
    first: bool = True  # the first piece of its section, which carries the section's heading


def split_pack(
    data: BoardPackData, *, chunk: int | None = None, summary_rows: int | None = None
) -> list[PackPart]:
    """The body of the pack (everything after the contents) as parts, in order."""
    chunk = chunk or CHUNK_ACTIONS
    parts = _summary_parts(data, summary_rows or SUMMARY_ROWS)
    exceptions = data.exceptions
    for start in range(0, max(len(exceptions), 1), chunk):
        piece = exceptions[start : start + chunk]
        parts.append(PackPart(["exceptions"], exceptions=piece, first=start == 0))
    for index, piece in enumerate(_detail_pieces(data.priorities, chunk)):
        parts.append(PackPart(["detail"], priorities=[piece], first=index == 0))
    for start in range(0, max(len(data.measures), 1), chunk):
        piece = data.measures[start : start + chunk]
        parts.append(PackPart(["measures"], measures=piece, first=start == 0))
    parts.append(PackPart(["appendix"]))
    return parts


def _summary_parts(data: BoardPackData, rows: int) -> list[PackPart]:
    """The summary in one part, or, where its lists are longer than `rows` rows in all, in
    parts of about `rows` rows: the first with the figures, table and chart, each list's
    first piece with its heading, the pieces after it headed "continued"."""
    blocks = summary_blocks(data)
    if sum(max(block.total, 1) for block in blocks) <= rows:
        return [PackPart(["summary"])]
    pieces, piece, room = [], [], rows
    for block in blocks:
        start = 0
        while True:
            if room <= 0 or (not block.splittable and piece and block.total > room):
                pieces.append(piece)
                piece, room = [], rows
            size = block.total - start if not block.splittable else min(room, block.total - start)
            piece.append(replace(block, items=block.items[start : start + size], starts=start == 0))
            room -= max(size, 1)
            start += size
            if start >= block.total:
                break
    pieces.append(piece)
    return [
        PackPart(["summary"], summary=piece, first=index == 0) for index, piece in enumerate(pieces)
    ]


def _detail_pieces(priorities: list[PrioritySection], chunk: int):
    """Each priority (which starts a page in any case) in pieces of at most `chunk` actions."""
    for section in priorities:
        objectives, size, continued = [], 0, False
        for objective_section in section.objectives:
            actions, start = objective_section.actions, 0
            while True:
                if size == chunk:
                    yield replace(section, objectives=objectives, continued=continued)
                    objectives, size, continued = [], 0, True
                taken = actions[start : start + chunk - size]
                objectives.append(replace(objective_section, actions=taken, continued=start > 0))
                size, start = size + len(taken), start + len(taken)
                if start >= len(actions):
                    break
        yield replace(section, objectives=objectives, continued=continued)


@dataclass
class RenderedPart:
    content: bytes
    page_count: int
    anchors: dict[str, int]  # anchor name -> index of its page in the part
    bookmarks: list[tuple[int, int, str, float, float]]  # page index, level, label, x, y (pt)


# These three run in the worker processes.


def render_part(html: str, *, link_anchors: tuple[str, ...] = ()) -> RenderedPart:
    """Lay out and write one part as a tagged PDF.

    `link_anchors` are anchors in other parts that this part links to (the contents): each
    gets a placeholder here, so that WeasyPrint keeps the links; the join points them at the
    real pages.
    """
    document = lay_out(html)
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    for name in link_anchors:
        if name not in anchors:
            document.pages[0].anchors[name] = (0, 0, 0, 0)
    bookmarks = [
        (index, level, label, x * PT_PER_PX, (page.height - y) * PT_PER_PX)
        for index, page in enumerate(document.pages)
        for level, label, (x, y), _state in page.bookmarks
    ]
    return RenderedPart(write(document), len(document.pages), anchors, bookmarks)


def render_stamp(html: str) -> bytes:
    return write(lay_out(html, tagged=False), tagged=False)


def render_joined(
    *,
    front: Callable[[dict[str, int]], str],
    parts: list[str],
    stamp: Callable[[int, int, int], str],
    progress: Callable[[str], None],
    workers: int | None = None,
) -> RenderedPdf:
    """Lay out `parts` (HTML documents) in parallel and join them behind the cover and
    contents, `front(page_numbers)`, under running headers and footers,
    `stamp(first_page, page_count, total_pages)`."""
    with ProcessPoolExecutor(max_workers=workers or available_cores(), mp_context=_fork()) as pool:
        biggest_first = sorted(range(len(parts)), key=lambda i: -len(parts[i]))
        futures = {pool.submit(render_part, parts[i]): i for i in biggest_first}
        rendered: list[RenderedPart] = [None] * len(parts)  # type: ignore[list-item]
        for done, future in enumerate(as_completed(futures), start=1):
            rendered[futures[future]] = future.result()
            progress(f"Laid out part {done} of {len(parts)}")
        # The cover and contents come first, so every page number depends on their length:
        # lay them out on a guess and again, once, if the guess was wrong.
        front_pages = FRONT_PAGES
        for _attempt in range(2):
            toc, total = _page_numbers(rendered, front_pages)
            progress(f"Numbering {total} pages and laying out the contents")
            front_future = pool.submit(render_part, front(toc), link_anchors=tuple(toc))
            stamps = [
                pool.submit(render_stamp, stamp(first, min(STAMP_PAGES, total + 1 - first), total))
                for first in range(1, total + 1, STAMP_PAGES)
            ]
            front_part = front_future.result()
            if front_part.page_count == front_pages:
                break
            for future in stamps:
                future.cancel()
            front_pages = front_part.page_count
        else:
            raise PackRenderError("The contents changed length once numbered; render in one piece.")
        stamp_pdfs = [future.result() for future in stamps]
    progress(f"Joining {total} pages")
    return RenderedPdf(content=join([front_part, *rendered], stamp_pdfs), page_count=total)


def _page_numbers(rendered: list[RenderedPart], front_pages: int) -> tuple[dict[str, int], int]:
    """The page number of every anchor in the parts, behind `front_pages` pages of cover and
    contents, and the pack's total pages."""
    offset, toc = front_pages, {}
    for part in rendered:
        for name, index in part.anchors.items():
            toc.setdefault(name, offset + index + 1)
        offset += part.page_count
    return toc, offset


def available_cores() -> int:
    """The cores this process may run on (fewer than the machine's in a container or under
    taskset)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fork():
    # Workers start as copies of this process: settings, templates and fonts already loaded,
    # nothing to pickle but HTML. They never touch the database.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def join(parts: list[RenderedPart], stamps: list[bytes]) -> bytes:
    """One tagged PDF from tagged parts, with the running header and footer drawn over it."""
    out = pikepdf.new()
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    tree = out.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = tree
    page_nums, annotations, destinations = [], [], {}
    bookmarks = []
    sources = [pikepdf.open(io.BytesIO(part.content)) for part in parts]
    for part, source in zip(parts, sources, strict=True):
        start = len(out.pages)
        with warnings.catch_warnings():
            # It would not carry named destinations: _destinations joins them.
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        page_nums += _join_structure(out, source, document, start, annotations)
        destinations.update(_destinations(out, source))
        bookmarks += [(start + index, *rest) for index, *rest in part.bookmarks]
    # The parent tree's number array is built as a list and made once: pikepdf's
    # Array.extend copies the whole array each time, which made the join quadratic (minutes at
    # 6,000 pages).
    nums = []
    for key, elements in enumerate(page_nums):
        nums += [key, elements]
    for key, (annotation, element) in enumerate(annotations, start=len(page_nums)):
        annotation.StructParent = key
        nums += [key, element]
    tree.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))
    tree.ParentTreeNextKey = len(page_nums) + len(annotations)
    _catalog(out, sources[0], tree, destinations)
    _outline(out, bookmarks)
    _stamp(out, stamps)
    buffer = io.BytesIO()
    out.save(
        buffer,
        min_version="1.7",
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        deterministic_id=True,
    )
    return buffer.getvalue()


def _join_structure(out, source, document, start, annotations) -> list:
    """Copy `source`'s structure elements under `document`; return its pages' parent-tree
    entries (marked-content id -> element) and add its link annotations to `annotations`."""
    root = source.Root.StructTreeRoot
    source_document = root.K[0]
    for element in source_document.K:
        del element.P  # copied without its old parents, then adopted
        copied = out.copy_foreign(element)
        copied.P = document
        document.K.append(copied)
    page_count = len(source.pages)
    entries = [None] * page_count
    numbers = root.ParentTree.Nums
    for i in range(0, len(numbers), 2):
        key, value = int(numbers[i]), numbers[i + 1]
        if key < page_count:
            entries[key] = Array([out.copy_foreign(element) for element in value])
    for index, page in enumerate(source.pages):
        out.pages[start + index].obj.StructParents = start + index
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                element = _parent_tree_value(numbers, int(annotation.StructParent))
                annotations.append((out.copy_foreign(annotation), out.copy_foreign(element)))
    return entries


def _parent_tree_value(numbers, key: int):
    for i in range(0, len(numbers), 2):
        if int(numbers[i]) == key:
            return numbers[i + 1]
    raise PackRenderError(f"A part's parent tree has no entry {key}.")


def _destinations(out, source) -> dict:
    names = source.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {
        name: Array([out.copy_foreign(target[0]), *target[1:]])
        for name, target in pikepdf.NameTree(names.Dests).items()
    }


def _catalog(out, first, tree, destinations):
    out.Root.StructTreeRoot = tree
    out.Root.MarkInfo = Dictionary(Marked=True)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    out.Root.Lang = first.Root.Lang
    out.Root.Metadata = out.copy_foreign(first.Root.Metadata)
    out.trailer.Info = out.copy_foreign(first.trailer.Info)
    tree_of_names = pikepdf.NameTree.new(out)
    for name in sorted(destinations):
        tree_of_names[name] = destinations[name]
    out.Root.Names = Dictionary(Dests=tree_of_names.obj)


def _outline(out, bookmarks):
    """Bookmarks from every part, nested by heading level as WeasyPrint nests them."""
    with out.open_outline() as outline:
        stack = [(0, outline.root)]
        for page, level, label, x, y in bookmarks:
            item = pikepdf.OutlineItem(label, page, "XYZ", left=x, top=y)
            while stack[-1][0] >= level:
                stack.pop()
            stack[-1][1].append(item)
            stack.append((level, item.children))


def _stamp(out, stamps):
    """Draw the running header and footer over every page, as an artifact."""
    index = 0
    for content in stamps:
        stamp = pikepdf.open(io.BytesIO(content))
        for stamp_page in stamp.pages:
            page = out.pages[index]
            form = out.copy_foreign(stamp_page.as_form_xobject())
            name = page.add_resource(form, Name.XObject, prefix="Running")
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(b"\nQ\n/Artifact BMC q " + name.unparse() + b" Do Q EMC\n")
            index += 1
    if index != len(out.pages):
        raise PackRenderError(f"{index} running headers for {len(out.pages)} pages.")

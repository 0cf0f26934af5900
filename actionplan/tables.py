"""The dashboards' action table. Rows come from ActionQuerySet.for_dashboard(as_of=...):
every cell reads a joined, prefetched or annotated value, and renders with format_html rather
than a template per cell, so a page costs the same whatever its length.

Cells are cheap by construction (bench/columns.py measures what each kind of column costs):
every column is a RecordColumn whose cell is the table's render_<name>(record), and the
table template asks for rendered_rows(), which calls each of those once per cell. That is
what django-tables2's own row loop would show, without its per-cell overhead.
"""

import unicodedata
from datetime import date
from functools import cached_property

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_tables2 import tables

from actionplan.dashboards import band_as_of
from actionplan.markup import quick_escape
from actionplan.models import HOLDER_ORDER, ActionOwner, Measure, OwnerRole, person_name
from actionplan.rag import Rag, overdue_tag_html, rank_expression, round_status_html
from actionplan.templatetags.plan_tags import due_date_html, people_html

COMMENTARY_SNIPPET_CHARS = 100
# The most rows a page shows, whatever ?per_page= asks: a whole body in one page costs the
# server as much as every page of it.
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
NOT_OVERDUE = mark_safe('<span class="visually-hidden">Not overdue</span>')
NO_UPDATE = "—"  # as django-tables2 shows an empty cell


def snippet(text: str, limit: int = COMMENTARY_SNIPPET_CHARS) -> str:
    """At most `limit` characters, the last an ellipsis when cut: what Truncator.chars()
    gives, without its loop over every character in Python (80 µs a cell on a 2-core VM)."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_date(day) -> str:
    """A date as the table shows it: digits and an English month's name, nothing to escape."""
    return f"{day.day} {day:%b %Y}" if day else "None"


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, for rows another query has counted."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # instead of the cached property's COUNT query


class RecordColumn(tables.Column):
    """A column whose cell is always its table's render_<name>(record), empty value or not,
    so that a cell is the same whether django-tables2 renders it or rendered_rows() does.
    The accessor still names what the column sorts by."""

    empty_values = ()


class ActionTable(tables.Table):
    ref = RecordColumn(
        "Ref", accessor="reference", order_by=("sort_key",), attrs={"th": {"class": "nowrap"}}
    )
    action = RecordColumn("Action", accessor="description", order_by=("description",))
    accountable_body = RecordColumn(
        "Accountable body", accessor="accountable_body__name", order_by=("accountable_body__name",)
    )
    owners = RecordColumn("Owners", orderable=False)
    due_date = RecordColumn("Due", accessor="due_as_of", order_by=("due_as_of", "sort_key"))
    rag = RecordColumn("Status", accessor="rag_as_of")
    last_update = RecordColumn(
        "Last update", accessor="update_at_as_of", order_by=("update_at_as_of", "sort_key")
    )
    commentary = RecordColumn("Latest commentary", accessor="commentary_as_of", orderable=False)
    overdue = RecordColumn(
        "Overdue", accessor="overdue_as_of", order_by=("overdue_as_of", "due_as_of", "sort_key")
    )
    measures = RecordColumn("Measures against target", orderable=False)

    class Meta:
        template_name = "actionplan/_table.html"
        attrs = {"class": "action-table"}
        empty_text = "No actions match these filters."

    def __init__(
        self,
        *args,
        caption: str,
        caption_id: str = "actions-caption",
        as_of_query="",
        as_of: date | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.caption, self.caption_id = caption, caption_id
        self.page_size = page_size  # when ?per_page= asks for no rows or fewer
        self.as_of_query = as_of_query  # keeps the date in links to body dashboards
        self.as_of = as_of or timezone.localdate()  # the measures' bands as of this date
        self._body_links = {}

    @property
    def order_by(self):
        return super().order_by

    @order_by.setter
    def order_by(self, value):
        """Sort by the names of this table's columns only: django-tables2 ignores any other
        name in ?sort=, but first warns about one holding a dot, which is no reason to fail."""
        aliases = value.split(",") if isinstance(value, str) else value or ()
        known = [alias for alias in aliases if alias.removeprefix("-") in self.columns]
        tables.Table.order_by.fset(self, known)

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        """A page of ?per_page= rows (RequestConfig reads any whole number there), at most
        MAX_PAGE_SIZE. A size below one is ignored: a negative one left the paginator no page
        to fall back to (a 500)."""
        per_page = self.page_size if per_page is None or per_page < 1 else per_page
        return super().paginate(
            paginator_class, min(per_page, MAX_PAGE_SIZE), page, *args, **kwargs
        )

    def rendered_rows(self):
        """The current page's rows as HTML: a row header cell, then data cells. The same
        cells as django-tables2's own row loop ({% for column, cell in row.items %}; a test
        compares them) without its per-cell work (resolving the accessor twice, looking up
        the model field, inspecting the render method's signature, recomputing the column's
        attributes, a template loop): each cell is one call of render_<name>(record), and
        each column's tags are made once, since its attributes depend on no record.

        A hand-written fast path, kept because the target for the 10,000-action dashboard
        (half the admin changelist's time) depends on it: with django-tables2's row loop its
        first page took 1.3-1.5 times the admin's time instead of 0.65-0.88 (bench/run.py's
        paths, both ways in the same rounds, two runs; bench/columns.py: 270 against 15 µs a
        cell on a busy machine). The WSCB pages would stay under 50 ms without it (its
        dashboard 1.6 times the admin's time instead of 1.1-1.2, the overview 1.75 instead of
        1.0). Figures: bench/README.md, "Hand-written fast paths"."""
        cells = []
        for index, column in enumerate(self.columns):
            name, scope = ("th", ' scope="row"') if index == 0 else ("td", "")
            attrs = column.attrs["td"].as_html()
            start = f"<{name}{scope} {attrs}>" if attrs else f"<{name}{scope}>"
            cells.append((start, getattr(self, f"render_{column.name}"), f"</{name}>"))
        for row in self.paginated_rows:
            record = row.record
            yield mark_safe(
                "".join(f"{start}{quick_escape(cell(record))}{end}" for start, cell, end in cells)
            )

    @cached_property
    def _action_url(self) -> tuple[str, str]:
        # An action's URL either side of its pk: reverse() once, not for every row (it cost
        # more than all the rest of the row's cells).
        marker = "987654321"
        before, after = reverse("actionplan:action-detail", args=[marker]).split(marker)
        return before, after

    def render_ref(self, record):
        before, after = self._action_url
        reference = quick_escape(record.reference)
        return mark_safe(f'<a href="{before}{record.pk}{after}">{reference}</a>')

    def render_action(self, record):
        return record.short_description

    def render_accountable_body(self, record):
        body_id = record.accountable_body_id
        if body_id not in self._body_links:
            url = reverse("actionplan:body-dashboard", kwargs={"pk": body_id})
            self._body_links[body_id] = format_html(
                '<a href="{}{}">{}</a>', url, self.as_of_query, record.accountable_body.name
            )
        return self._body_links[body_id]

    @cached_property
    def _owners(self) -> dict[int, list[tuple[str, str, int]]]:
        """The (role, agency, role id) of each owner of each action on this page, in source
        order: one query for the page, and no model instances (prefetched, each owner cost
        three)."""
        owners = {row.record.pk: [] for row in self.paginated_rows}
        links = ActionOwner.objects.filter(action__in=list(owners)).order_by("order")
        for action_id, role_id, role, short_name, name in links.values_list(
            "action_id", "role_id", "role__title", "role__agency__short_name", "role__agency__name"
        ):
            owners[action_id].append((role, short_name or name, role_id))
        return owners

    @cached_property
    def _people(self) -> dict[int, str]:
        """The people holding each owner role on this page, as markup (people_html): one
        query for the page."""
        role_ids = {role_id for owners in self._owners.values() for *_, role_id in owners}
        by_role = {role_id: [] for role_id in role_ids}
        holders = OwnerRole.holders.through.objects.filter(
            ownerrole_id__in=role_ids, user__is_active=True
        ).order_by(*(f"user__{name}" for name in HOLDER_ORDER))
        for role_id, first, last, username, email in holders.values_list(
            "ownerrole_id", "user__first_name", "user__last_name", "user__username", "user__email"
        ):
            by_role[role_id].append((person_name(first, last, username), email))
        return {role_id: people_html(people) for role_id, people in by_role.items()}

    def render_owners(self, record):
        return mark_safe(
            "".join(
                f'<span class="owner">{quick_escape(role)} '
                f'<span class="muted">({quick_escape(agency)})</span> '
                f"{self._people[role_id]}</span>"
                for role, agency, role_id in self._owners[record.pk]
            )
        )

    def render_due_date(self, record):
        due = mark_safe(f'<span class="nowrap">{_short_date(record.due_as_of)}</span>')
        if record.due_revision_reason_as_of is None:
            return due
        return due_date_html(
            due=record.due_as_of, original=record.due_date, reason=record.due_revision_reason_as_of
        )

    def render_rag(self, record):
        return round_status_html(record.rag_as_of, record.round_state)

    def order_rag(self, queryset, is_descending):
        """Ascending is worst first: Red, Amber, Green, Blue, then not yet rated."""
        prefix = "-" if is_descending else ""
        ordered = queryset.annotate(rag_rank=rank_expression("rag_as_of"))
        return ordered.order_by(f"{prefix}rag_rank", "sort_key"), True

    @cached_property
    def _zone(self):
        # timezone.localtime() once per row looked up the current time zone each time.
        return timezone.get_current_timezone()

    def render_last_update(self, record):
        if record.update_at_as_of is None:
            return NO_UPDATE
        day = record.update_at_as_of.astimezone(self._zone).date()
        return mark_safe(f'<span class="nowrap">{_short_date(day)}</span>')

    def render_commentary(self, record):
        return snippet(record.commentary_as_of or "")

    @cached_property
    def _measure_bands(self) -> dict[int, list[str]]:
        """Each quantified measure's band as of the table's date, for each action on this page:
        one query."""
        bands = {row.record.pk: [] for row in self.paginated_rows}
        measures = Measure.objects.filter(action__in=list(bands)).exclude(unit="")
        measures = measures.annotate(band=band_as_of(self.as_of)).order_by("order")
        for action_id, rag in measures.values_list("action_id", "band"):
            bands[action_id].append(rag)
        return bands

    def render_measures(self, record):
        bands = self._measure_bands[record.pk]
        if not bands:
            return ""
        off = sum(rag in (Rag.RED, Rag.AMBER) for rag in bands)
        if off:
            return format_html("<strong>{} of {} off target</strong>", off, len(bands))
        if all(rag == Rag.GREEN for rag in bands):
            return "All on target"
        return f"{len(bands)} not yet reported" if not any(bands) else "On target so far"

    def render_overdue(self, record):
        return overdue_tag_html() if record.overdue_as_of else NOT_OVERDUE

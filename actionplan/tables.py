"""The dashboards' action table. Rows come from ActionQuerySet.for_dashboard(as_of=...):
every cell reads a joined, prefetched or annotated value, and renders with format_html
rather than a template per cell, so a page costs the same whatever its length."""

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django_tables2 import tables

from actionplan.dashboards import rag_definition, rag_label
from actionplan.models import NOT_RATED, Rag

COMMENTARY_SNIPPET_CHARS = 100
# Ascending RAG order is worst first: Red, Amber, Green, Blue, then not yet rated.
_RAG_RANK = Case(
    When(rag_as_of=Rag.RED, then=Value(0)),
    When(rag_as_of=Rag.AMBER, then=Value(1)),
    When(rag_as_of=Rag.GREEN, then=Value(2)),
    When(rag_as_of=Rag.BLUE, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)
OVERDUE_TAG = mark_safe('<strong class="tag tag--overdue">Overdue</strong>')
NOT_OVERDUE = mark_safe('<span class="visually-hidden">Not overdue</span>')


def rag_html(value: str | None):
    """The RAG tag as in actionplan/_rag.html: always the word, never colour alone."""
    key = value or NOT_RATED
    return format_html(
        '<strong class="tag tag--{}" title="{}">{}</strong>',
        key,
        rag_definition(key),
        rag_label(key),
    )


class ActionTable(tables.Table):
    ref = tables.Column(
        "Ref", accessor="reference", order_by=("sort_key",), attrs={"th": {"class": "nowrap"}}
    )
    action = tables.Column("Action", accessor="description", order_by=("description",))
    accountable_body = tables.Column(
        "Accountable body", accessor="accountable_body__name", order_by=("accountable_body__name",)
    )
    owners = tables.Column("Owners", empty_values=(), orderable=False)
    due_date = tables.Column("Due", order_by=("due_date", "sort_key"))
    rag = tables.Column("Status", accessor="rag_as_of", empty_values=())
    last_update = tables.Column(
        "Last update", accessor="update_at_as_of", order_by=("update_at_as_of", "sort_key")
    )
    commentary = tables.Column(
        "Latest commentary", accessor="commentary_as_of", orderable=False, default=""
    )
    overdue = tables.Column(
        "Overdue", accessor="overdue_as_of", order_by=("overdue_as_of", "due_date", "sort_key")
    )

    class Meta:
        template_name = "actionplan/_table.html"
        attrs = {"class": "action-table"}
        empty_text = "No actions match these filters."

    def __init__(
        self, *args, caption: str, caption_id: str = "actions-caption", as_of_query="", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.caption, self.caption_id = caption, caption_id
        self.as_of_query = as_of_query  # keeps the date in links to body dashboards

    def render_ref(self, record, value):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)

    def render_action(self, record):
        return record.short_description

    def render_accountable_body(self, record, value):
        url = reverse("actionplan:body-dashboard", kwargs={"pk": record.accountable_body_id})
        return format_html('<a href="{}{}">{}</a>', url, self.as_of_query, value)

    def render_owners(self, record):
        return format_html_join(
            "",
            '<span class="owner">{} <span class="muted">({})</span></span>',
            (
                (role.title, role.agency.short_name or role.agency.name)
                for role in record.owner_roles()
            ),
        )

    def render_due_date(self, value):
        return format_html('<span class="nowrap">{}</span>', f"{value.day} {value:%b %Y}")

    def render_rag(self, value):
        return rag_html(value)

    def order_rag(self, queryset, is_descending):
        prefix = "-" if is_descending else ""
        ordered = queryset.annotate(rag_rank=_RAG_RANK).order_by(f"{prefix}rag_rank", "sort_key")
        return ordered, True

    def render_last_update(self, value):
        day = timezone.localtime(value).date()
        return format_html('<span class="nowrap">{}</span>', f"{day.day} {day:%b %Y}")

    def render_commentary(self, value):
        return Truncator(value).chars(COMMENTARY_SNIPPET_CHARS)

    def render_overdue(self, value):
        if value:
            return OVERDUE_TAG
        return NOT_OVERDUE

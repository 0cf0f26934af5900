from django import template
from django.utils.html import format_html

from actionplan.models import NOT_RATED_DEFINITION, NOT_RATED_LABEL, RAG_DEFINITIONS, Rag
from actionplan.tables import OVERDUE_TAG, rag_html

register = template.Library()


@register.simple_tag
def rag_tag(value):
    """A RAG status as a tag that always carries its word, never colour alone (made once per
    status, not rendered from a template each time: lists show one per row)."""
    return rag_html(value)


@register.simple_tag
def action_status(action, today):
    """The action's current RAG tag, then the overdue tag if it is overdue on `today`."""
    if action.is_overdue(today=today):
        return format_html("{} {}", rag_html(action.current_rag), OVERDUE_TAG)
    return rag_html(action.current_rag)


@register.inclusion_tag("actionplan/_rag_legend.html")
def rag_legend(open=False):
    rows = [(rag.value, rag.label, RAG_DEFINITIONS[rag]) for rag in Rag]
    return {"rows": rows, "not_rated": (NOT_RATED_LABEL, NOT_RATED_DEFINITION), "open": open}


@register.simple_tag
def is_overdue(action, today):
    return action.is_overdue(today=today)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, [])


@register.filter
def get_count(mapping, key):
    return mapping.get(key, 0)

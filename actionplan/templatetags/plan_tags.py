from django import template

from actionplan.models import (
    NOT_RATED,
    NOT_RATED_DEFINITION,
    NOT_RATED_LABEL,
    RAG_DEFINITIONS,
    Rag,
)

register = template.Library()


@register.inclusion_tag("actionplan/_rag.html")
def rag_tag(value):
    """A RAG status as a tag that always carries its word, never colour alone."""
    if not value or value == NOT_RATED:
        return {"rag": "", "label": NOT_RATED_LABEL, "definition": NOT_RATED_DEFINITION}
    rag = Rag(value)
    return {"rag": rag.value, "label": rag.label, "definition": RAG_DEFINITIONS[rag]}


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

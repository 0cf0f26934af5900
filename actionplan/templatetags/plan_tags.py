from django import template
from django.utils import timezone
from django.utils.html import format_html

from actionplan.measures import format_value
from actionplan.quarters import Quarter
from actionplan.rag import (
    LEVELS,
    OVERDUE_DEFINITION,
    WORST_FIRST,
    Rag,
    direction,
    overdue_tag_html,
    tag_html,
)

register = template.Library()


@register.simple_tag
def rag_tag(value):
    """The RAG tag of a status (actionplan/_rag_tag.html): always its word, never colour
    alone. Rendered once per status, not each time: lists show one per row."""
    return tag_html(value)


@register.simple_tag
def overdue_tag():
    """The overdue tag (actionplan/_overdue_tag.html)."""
    return overdue_tag_html()


@register.simple_tag
def action_status(action, today):
    """The action's current RAG tag, then the overdue tag if it is overdue on `today`."""
    if action.is_overdue(today=today):
        return format_html("{} {}", tag_html(action.current_rag), overdue_tag_html())
    return tag_html(action.current_rag)


@register.simple_tag
def rag_direction(now, before):
    """ "Improved", "Unchanged" or "Deteriorated" from `before` to `now`; "" unless both are
    rated (actionplan.rag.direction)."""
    travel = direction(now, before)
    return travel.capitalize() if travel else ""


@register.simple_tag
def rag_worst_first():
    """The scale's order from worst to best, in words: "Red, Amber, Green, Blue"."""
    return ", ".join(Rag(rag).label for rag in WORST_FIRST)


@register.inclusion_tag("actionplan/_rag_legend.html")
def rag_legend():
    return {"levels": LEVELS, "overdue_definition": OVERDUE_DEFINITION}


@register.filter
def measure_value(value, unit):
    """A measure's value or target as people write it ("12%", "£1,200")."""
    return format_value(value, unit)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, [])


@register.filter
def get_count(mapping, key):
    return mapping.get(key, 0)


@register.simple_tag
def quarter_of(moment):
    """The financial-year quarter a moment falls in, in local time: "Q3 2015/16"."""
    return Quarter.containing(timezone.localdate(moment)).short_label

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

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


NOBODY_HOLDS_ROLE = "Nobody holds this role"


def people_html(people: list[tuple[str, str]]) -> SafeString:
    """The people holding a role, (name, e-mail) each, by name, with a mailto link: every
    page that shows them is for signed-in people. Says so when nobody holds the role. Used
    by the action page (role_people) and the dashboards' tables (tables.ActionTable)."""
    if not people:
        return format_html('<span class="people people--none">{}</span>', NOBODY_HOLDS_ROLE)
    return format_html(
        '<span class="people">{}</span>',
        format_html_join(", ", "{}", ((_person_html(name, email),) for name, email in people)),
    )


def _person_html(name: str, email: str) -> SafeString:
    if not email:
        return format_html("{}", name)
    return format_html('{} (<a href="mailto:{}">{}</a>)', name, email, email)


@register.simple_tag
def role_people(holders):
    """people_html() of a role's holders (Action.owner_roles_with_people)."""
    return people_html([(person.get_full_name() or person.username, person.email)
                        for person in holders])  # fmt: skip


def due_date_html(*, due, original, reason: str | None, format: str = "j M Y") -> str:
    """The due date in force (actionplan/_due_date.html): "31 Mar 2016, revised from 30 Nov
    2015 (reason)" when revised, else the date alone."""
    context = {"due": due, "original": original, "reason": reason, "format": format}
    return render_to_string("actionplan/_due_date.html", context).strip()


@register.simple_tag
def due_date_on(action, day, format="j M Y"):
    """The action's due date in force on `day`, with its revision if any. Reads the action's
    revisions: prefetch them (with_due_date_revisions(), for_list()) in lists."""
    revision = action.due_revision_on(day)
    if revision is None:
        return due_date_html(due=action.due_date, original=None, reason=None, format=format)
    return due_date_html(
        due=revision.due_date, original=action.due_date, reason=revision.reason, format=format
    )


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


@register.filter
def a_or_an(word: str) -> str:
    """A plan's own name for a level, with its article: "a priority", "an objective"."""
    text = str(word).lower()
    return f"{'an' if text[:1] in 'aeiou' and text else 'a'} {text}"

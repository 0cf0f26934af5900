from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def days_words(days: int | None) -> str:
    """A span of days as a Board reads it: "17 days", "about 3 months"."""
    if days is None:
        return ""
    if days < 1:
        return "less than a day"
    if days == 1:
        return "1 day"
    if days <= 60:
        return f"{days} days"
    return f"about {round(days / 30.44)} months"


@register.filter
def person(user) -> str:
    """A person's name with their job title, as printed on the cover."""
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.job_title})" if getattr(user, "job_title", "") else name


@register.filter
def brief(text: str, length: int = 90) -> str:
    """Shorten text at a word boundary, for summary tables (the detail has it in full)."""
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-(")
    return cut + "…"


@register.filter
def toc_page(pages: dict | None, anchor: str) -> str:
    """The contents' page number for `anchor` as a data-page attribute, when the pack is
    rendered in parts and the numbers are known in advance (else the CSS asks WeasyPrint)."""
    if pages is None:
        return ""
    return format_html(' data-page="{}"', pages.get(anchor, 0))


@register.filter
def toc_priority_page(pages: dict | None, number: int) -> str:
    return toc_page(pages, f"priority-{number}")

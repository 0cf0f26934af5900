"""format_html() for the loops that write a page's rows and options.

Django's format_html() and conditional_escape() pass every argument through two layers of
lazy-string checks; for a table's cells or a select's hundreds of options that is most of the
cost (bench/columns.py). These give the same output, a fraction of the time, for arguments
that are plain values or HTML (SafeString): anything with __html__ goes in as it is, anything
else is escaped as django.utils.html.escape() does.
"""

import html

from django.utils.safestring import SafeString, mark_safe


def escape(value) -> str:
    """conditional_escape(): HTML as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(template: str, *args) -> SafeString:
    """format_html() with positional arguments."""
    return mark_safe(template.format(*[escape(arg) for arg in args]))

from django import forms, template
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def query_fields(context, *, without: str = "", only: str = ""):
    """The page's query-string parameters as hidden fields, so that a GET form carries what it
    does not change, as {% querystring %} does for a link (a GET form drops its action's query
    string): all but those named in `without`, or only those named in `only` (names separated
    by spaces)."""
    dropped, kept = set(without.split()), set(only.split())
    return format_html_join(
        "",
        '<input type="hidden" name="{}" value="{}">',
        (
            (name, value)
            for name, values in context.request.GET.lists()
            if name not in dropped and (not kept or name in kept)
            for value in values
        ),
    )


@register.simple_tag
def widget(field, **attrs):
    """Render a field's widget tied to its hint and error messages (GOV.UK pattern)."""
    # Never autofocus (Django's sign-in and password-change forms ask for it): a screen-reader
    # user would land in the middle of the page, past its heading, introduction and skip link.
    attrs.setdefault("autofocus", False)
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
        attrs["aria-invalid"] = "true"
        attrs["class"] = (attrs.get("class", "") + " input--error").strip()
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def error_text(field, error):
    """Django's own "This field is required." names no field, which is no use in the error
    summary (three identical links on the password change form): say "Enter <label>" instead.
    Our own forms' messages are specific already and pass through unchanged."""
    if str(error) == str(forms.Field.default_error_messages["required"]):
        label = str(field.label)
        return f"Enter {label[:1].lower()}{label[1:]}"
    return error

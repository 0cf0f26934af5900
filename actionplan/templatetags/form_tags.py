from django import template

register = template.Library()


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

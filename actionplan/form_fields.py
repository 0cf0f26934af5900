"""Fields the app's forms share: a date typed or picked in the browser, with one message for a
date that is not real, and the reason a change keeps in its record."""

from django import forms

# One example for every date field, in the form people type (the picker sends 2016-03-31).
DATE_EXAMPLE = "31/3/2016"


class DateInput(forms.DateInput):
    """The browser's date picker, given its value as 2016-03-31 whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_errors(what: str = "The date", *, required: str = "") -> dict[str, str]:
    """A date field's messages: not a real date, and (where one is needed) none given."""
    errors = {"invalid": f"{what} must be a real date, for example {DATE_EXAMPLE}."}
    return errors | {"required": required} if required else errors


def date_field(
    label: str, *, what: str = "The date", required: str = "", help_text: str = "", **kwargs
) -> forms.DateField:
    """A date picked or typed; `required` is what to say when none is given (none: optional).
    The widget is DateInput unless another is given (the dashboard's is written in Python:
    forms.QuickDateInput)."""
    kwargs.setdefault("widget", DateInput())
    return forms.DateField(
        label=label,
        required=bool(required),
        help_text=help_text,
        error_messages=date_errors(what, required=required),
        **kwargs,
    )


def reason_field(
    label: str, *, required: str, help_text: str = "", max_length: int = 1000, **kwargs
) -> forms.CharField:
    """Why a change is made, kept with its record: three lines unless another widget is given;
    `required` is what to say when it is left empty."""
    kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            "required": required,
            "max_length": f"Keep the reason to {max_length} characters or fewer.",
        },
        **kwargs,
    )

"""What any text a person types may hold, for every app's forms (accounts is the app that all
the others may import).

Control characters (other than tab and line breaks) and the two Unicode non-characters U+FFFE
and U+FFFF mean nothing in a plan's text, usually arrive pasted from another program, and
cannot be written to XLSX (XML 1.0) at all: they are refused where text is entered, with a
message, and replaced in the exports for anything stored before (actionplan/exports.py).
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# NUL is refused by Django's own CharField already; the rest of C0 but tab, LF and CR.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTROL_CHARACTERS_MESSAGE = (
    "Remove the invisible control characters from this text (they often come with text "
    "pasted from another program): they cannot be saved."
)


def validate_no_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def refuse_control_characters(field: forms.Field) -> forms.Field:
    """Add the check to a text field (a field of any other kind is returned as it is)."""
    if (
        isinstance(field, forms.CharField)
        and validate_no_control_characters not in field.validators
    ):
        field.validators.append(validate_no_control_characters)
    return field


class RefuseControlCharactersMixin:
    """For a form: every text field refuses control characters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            refuse_control_characters(field)


class RefuseControlCharactersAdminMixin:
    """For a ModelAdmin or an inline: every text field of its form refuses control characters."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        return refuse_control_characters(field) if field is not None else None

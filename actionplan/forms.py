from django import forms
from django.utils.html import format_html

from actionplan.models import RAG_DEFINITIONS, Rag
from actionplan.services import MIN_CONCERN_COMMENTARY, commentary_errors


def _rag_choice(rag: Rag):
    return rag.value, format_html(
        '<strong class="tag tag--{}">{}</strong> {}', rag.value, rag.label, RAG_DEFINITIONS[rag]
    )


class StatusUpdateForm(forms.Form):
    rag = forms.ChoiceField(
        label="RAG status",
        choices=[_rag_choice(rag) for rag in Rag],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a RAG status."},
    )
    commentary = forms.CharField(
        label="Commentary",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "What has happened since the last update, and what happens next. For Red or Amber, "
            f"say what is being done about it (at least {MIN_CONCERN_COMMENTARY} characters)."
        ),
        error_messages={
            "required": "Enter a commentary: say what has happened since the last update."
        },
        max_length=5000,
        strip=True,
    )
    evidence_url = forms.URLField(
        label="Evidence link (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A link to a report, minutes or other evidence, e.g. https://intranet.example/report.",
        error_messages={"invalid": "Enter a full web address, starting with https://."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def clean(self):
        data = super().clean()
        if "rag" in data and "commentary" in data:
            for error in commentary_errors(rag=data["rag"], commentary=data["commentary"]):
                self.add_error("commentary", error)
        return data

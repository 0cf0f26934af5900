from django import forms

from accounts.two_factor import RECOVERY_CODE, TOTP_CODE, normalise_code


class CodeForm(forms.Form):
    """A code from an authenticator app or, where allowed, a recovery code. Checks the form of
    the code only; whether it is right is for accounts.two_factor."""

    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )

    def __init__(self, *args, recovery_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery_allowed = recovery_allowed
        self.fields["code"].help_text = (
            "The 6-digit code your authenticator app shows, or one of your recovery codes"
            if recovery_allowed
            else "The 6-digit code your authenticator app shows for Actionplan"
        )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if TOTP_CODE.fullmatch(code):
            return code
        if self.recovery_allowed and RECOVERY_CODE.fullmatch(code):
            return code
        if self.recovery_allowed:
            raise forms.ValidationError(
                "Enter the 6-digit code from your authenticator app, or a recovery code of "
                "8 letters and digits"
            )
        raise forms.ValidationError("Enter the 6-digit code from your authenticator app")

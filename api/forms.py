"""The form of the tokens page: a name and how long the token lasts."""

from datetime import timedelta

from django import forms

LIFETIMES = {"30": timedelta(days=30), "90": timedelta(days=90), "365": timedelta(days=365)}


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What you will use it for, such as 'Oversight dashboard import'.",
        error_messages={"required": "Enter a name for the token"},
    )
    lifetime = forms.ChoiceField(
        label="Expires after",
        choices=[("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        initial="90",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the token expires"},
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name for the token")
        return name

    @property
    def lifetime_delta(self) -> timedelta:
        return LIFETIMES[self.cleaned_data["lifetime"]]

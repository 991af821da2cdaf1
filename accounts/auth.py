"""Sign-in with an e-mail address: the form, and how django-axes names the attempt."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


def axes_username(request, credentials) -> str:
    """Throttle by the e-mail address as typed, ignoring case and spaces."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return raw.strip().lower()


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account has been closed. Contact the national team.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

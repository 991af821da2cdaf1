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


class MaximumLengthValidator:
    """A password of at most ``max_length`` characters: a megabyte of password is not a
    password, and hashing it is work for nobody's benefit."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self):
        return f"Your password must be {self.max_length} characters or fewer."

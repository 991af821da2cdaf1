"""Pages of multi-factor sign-in: set up an authenticator app, give a code, backup codes."""

from base64 import b32encode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts import mfa


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
        error_messages={"required": "Enter the code"},
    )

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label
        self.fields["code"].help_text = help_text


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _key_text(device) -> str:
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@method_decorator(login_required, name="dispatch")
class SetupView(View):
    """Set up an authenticator app: scan the QR code (or type the key), give its first code."""

    template_name = "accounts/mfa/setup.html"

    def context(self, request, form):
        import segno

        device = mfa.pending_app(request.user)
        return {
            "form": form,
            "qr_data_uri": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "key": _key_text(device),
            "next": _next_url(request),
            "replacing": mfa.has_app(request.user),
        }

    def get(self, request):
        if not mfa.needs_multi_factor(request.user):
            return redirect("home")
        if mfa.has_app(request.user) and not request.user.is_verified():
            return redirect(reverse("mfa_verify") + "?" + request.GET.urlencode())
        return render(request, self.template_name, self.context(request, self._form()))

    def post(self, request):
        if not mfa.needs_multi_factor(request.user):
            return redirect("home")
        if mfa.has_app(request.user) and not request.user.is_verified():
            return redirect("mfa_verify")
        form = self._form(request.POST)
        if form.is_valid():
            codes = mfa.confirm_app(
                request, mfa.pending_app(request.user), form.cleaned_data["code"]
            )
            if codes is not None:
                return render(
                    request,
                    "accounts/mfa/backup_codes.html",
                    {"codes": codes, "next": _next_url(request), "first_time": True},
                )
            form.add_error(
                "code",
                "The code is not right. Check the time on your phone is set automatically, "
                "then enter the code the app shows now",
            )
        return render(request, self.template_name, self.context(request, form))

    @staticmethod
    def _form(data=None):
        return CodeForm(
            data,
            label="Code from the app",
            help_text="The app shows a new 6-digit code every 30 seconds.",
        )


@method_decorator(login_required, name="dispatch")
class VerifyView(View):
    template_name = "accounts/mfa/verify.html"

    def get(self, request):
        if request.user.is_verified() or not mfa.needs_multi_factor(request.user):
            return redirect(_next_url(request))
        return render(
            request, self.template_name, {"form": self._form(), "next": _next_url(request)}
        )

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            if mfa.verify(request, form.cleaned_data["code"]):
                return redirect(_next_url(request))
            form.add_error(
                "code",
                "The code is not right, or it has been used. Enter the code the app shows now, "
                "or an unused backup code. After a wrong code, wait a few seconds before trying "
                "again",
            )
        return render(
            request, self.template_name, {"form": form, "next": _next_url(request)}, status=200
        )

    @staticmethod
    def _form(data=None):
        return CodeForm(
            data,
            label="Code from your authenticator app, or a backup code",
            help_text="For example, 123456",
        )


@method_decorator(login_required, name="dispatch")
class BackupCodesView(View):
    """How many backup codes are left; make ten new ones (the old ones stop working)."""

    def get(self, request):
        if not mfa.needs_multi_factor(request.user):
            return redirect("home")
        return render(
            request,
            "accounts/mfa/backup_codes.html",
            {"left": mfa.backup_codes_left(request.user), "next": reverse("home")},
        )

    def post(self, request):
        if not mfa.needs_multi_factor(request.user):
            return redirect("home")
        codes = mfa.new_backup_codes(request.user)
        return render(
            request, "accounts/mfa/backup_codes.html", {"codes": codes, "next": reverse("home")}
        )

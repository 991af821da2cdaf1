"""The web page where a signed-in person makes and revokes their own API tokens.

A new key is shown once, on the page that answers the form (never stored, never put in a
redirect or the session), with ``Cache-Control: no-store``.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View

from api import tokens
from api.forms import TokenForm
from api.models import ApiToken
from common.views import ScopedPermissionRequiredMixin


class TokensView(ScopedPermissionRequiredMixin, View):
    permission_required = "api.manage_own_tokens"
    template_name = "api/tokens.html"

    def page(self, form, new=None, status=200):
        response = render(
            self.request,
            self.template_name,
            {
                "form": form,
                "new": new,
                "tokens": ApiToken.objects.filter(user=self.request.user)[:50],
                "breadcrumbs": [("Home", reverse("home")), ("API tokens", "")],
            },
            status=status,
        )
        add_never_cache_headers(response)
        return response

    def get(self, request, *args, **kwargs):
        return self.page(TokenForm())

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                new = tokens.create_token(
                    request.user, name=form.cleaned_data["name"], lifetime=form.lifetime_delta
                )
            except tokens.TokenError as error:
                form.add_error("name", str(error))
            else:
                return self.page(TokenForm(), new=new)
        return self.page(form)


class RevokeTokenView(ScopedPermissionRequiredMixin, View):
    """POST only: revoke one of the user's own tokens (another's answers 404)."""

    permission_required = "api.revoke_token"

    def get_permission_object(self):
        return get_object_or_404(ApiToken, pk=self.kwargs["pk"], user=self.request.user)

    def post(self, request, *args, **kwargs):
        token = self.get_permission_object()
        if tokens.revoke_token(token):
            messages.success(request, f"Token {token.name} revoked: it no longer works")
        else:
            messages.info(request, f"Token {token.name} was already revoked")
        return redirect("api:tokens")

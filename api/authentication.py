"""How the API knows who is asking: a token (``Authorization: Bearer <key>`` or
``Token <key>``) first, then the browser's session.

A token client sends no session cookie, so the multi-factor middleware sees a signed-out
visitor and lets it through; the token stands in for both factors (it was made on a page
that asked for them). A session of an assessor, moderator or admin who has not given the
second factor is redirected by the middleware before it reaches the API; should it get here
all the same, ``MultiFactorSessionAuthentication`` refuses it in the same words.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import mfa
from api import tokens

KEYWORDS = ("bearer", "token")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: give 'Bearer' and the key, separated by one space."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.") from error
        try:
            token = tokens.check_key(key)
        except tokens.InvalidKey as error:
            raise exceptions.AuthenticationFailed(str(error)) from error
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class MultiFactorSessionAuthentication(authentication.SessionAuthentication):
    """The session, as the web pages see it: a national role needs its second factor."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if mfa.needs_multi_factor(user) and not user.is_verified():
            raise exceptions.NotAuthenticated("Give your second factor before using the API.")
        return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A key made on /api/v1/tokens/ (also accepted as 'Token <key>').",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.MultiFactorSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}

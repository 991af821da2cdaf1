"""Making, revoking and checking API tokens (the writes and the one check of a key).

A key is ``secrets.token_urlsafe(32)`` (256 bits); only its SHA-256 is stored, so a key
cannot be read back from the database and needs no slow hash (it is not a password a
person chose). ``check_key`` is the one place that decides whether a key is good.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import ApiToken

PREFIX_LENGTH = 8
# A person rarely needs more; a limit keeps a leaked session from minting keys at will.
MAX_LIVE_TOKENS = 10
# last_used_at is written at most this often per token (one UPDATE that usually matches
# no row), so that busy clients do not queue on the token's row.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenError(Exception):
    """A token cannot be made or revoked; the message says why, for the page."""


class InvalidKey(Exception):
    """A key that does not authenticate; the message is the API's answer."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # shown once, never stored


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def live_tokens(user):
    now = timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def create_token(user, *, name: str, lifetime: timedelta | None) -> NewToken:
    """A new token for ``user``; the key is returned once. Side effects: one row."""
    name = name.strip()
    if not name:
        raise TokenError("Enter a name for the token")
    with transaction.atomic():
        if live_tokens(user).count() >= MAX_LIVE_TOKENS:
            raise TokenError(
                f"You have {MAX_LIVE_TOKENS} tokens in use: revoke one before making another"
            )
        if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
            raise TokenError(f"You already have a token called {name}")
        key = secrets.token_urlsafe(32)
        now = timezone.now()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, name=name, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH],
                    created_at=now, expires_at=now + lifetime if lifetime else None,
                )  # fmt: skip
        except IntegrityError as error:  # the same name made at the same moment
            raise TokenError(f"You already have a token called {name}") from error
    return NewToken(token=token, key=key)


def revoke_token(token: ApiToken) -> bool:
    """Revoke ``token`` at once; False (and nothing written) when it already was."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)


def check_key(key: str) -> ApiToken:
    """The live token of ``key``, with its user; raise ``InvalidKey`` saying why not.

    Two queries: the lookup, and the last-used stamp (an UPDATE that matches no row when
    the token was used within the last minute)."""
    if not key or len(key) > 200:
        raise InvalidKey("Invalid token.")
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None:
        raise InvalidKey("Invalid token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise InvalidKey("This token has been revoked.")
    if token.is_expired(now):
        raise InvalidKey("This token has expired.")
    if not token.user.is_active:
        raise InvalidKey("This token's user account is inactive.")
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
    ).update(last_used_at=now)
    return token

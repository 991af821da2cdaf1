"""API tokens: a person's named keys for the read-only JSON API.

The key itself is shown once, when the token is made, and never stored: the database
keeps its SHA-256 hash (looked up on every request) and a short visible prefix so that a
person can tell their tokens apart. A token acts as its user, with the user's scope; it
stops working when revoked, when it expires or when the user is made inactive.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key, hex.")
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell it.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        constraints = [
            # Two live tokens of one person never share a name (the page tells them apart).
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_live_name_once",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_live(self, now=None) -> bool:
        return self.revoked_at is None and not self.is_expired(now)

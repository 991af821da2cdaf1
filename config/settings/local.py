"""``make run``: the embedded default. SQLite and in-process Celery unless
``DATABASE_URL`` / ``CELERY_BROKER_URL`` say otherwise; e-mail to the console."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-a-secret")

from config.settings.base import *  # noqa: F403  (settings layering)

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

# Static files straight from static/ (no collectstatic needed outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

"""``make test`` and CI: the real PostgreSQL and Redis on 127.0.0.1 (see README)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/engagement_assessment")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# Under pytest-xdist (``make test`` runs two processes, gw0 and gw1) each process has its own
# Redis database (15, 14, ...), as pytest-django gives each its own test database: a real
# Celery worker of one process must never take the other's tasks. Celery reads the variable.
# Done once: a worker process a test starts inherits the environment, already set.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw") and os.environ.get("EA_TEST_BROKER_OF") != _xdist:
    _broker, _, _number = os.environ["CELERY_BROKER_URL"].rpartition("/")
    os.environ["CELERY_BROKER_URL"] = f"{_broker}/{int(_number) - int(_xdist[2:])}"
    os.environ["EA_TEST_BROKER_OF"] = _xdist

from config.settings.base import *  # noqa: E402, F403  (settings layering, after the environment)

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks queued by a request are not run by the test client; tests of tasks
# start a real worker against the real broker.
CELERY_TASK_ALWAYS_EAGER = False
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / ".test-media")  # noqa: F405

# Static files straight from static/ (no collectstatic needed outside production).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# No limit on signed-out API clients: the suite makes many anonymous requests from one
# address; tests/integration/test_api.py sets a rate to test the throttle.
API_ANONYMOUS_RATE = None

"""Settings chosen by environment variables (run in a subprocess: settings load once)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_with(env: dict, expression: str):
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({expression}, default=str))"
    )
    result = subprocess.run(  # noqa: S603  (fixed interpreter and code)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
    )
    return json.loads(result.stdout)


def test_local_settings_are_the_embedded_default():
    found = settings_with(
        {"DJANGO_SETTINGS_MODULE": "config.settings.local"},
        "[settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER]",
    )
    assert found == ["django.db.backends.sqlite3", True]


def test_a_broker_url_turns_off_in_process_tasks():
    found = settings_with(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "CELERY_BROKER_URL": "redis://x:6379/0",
        },
        "settings.CELERY_TASK_ALWAYS_EAGER",
    )
    assert found is False


def test_s3_storage_by_configuration_is_private():
    found = settings_with(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://u@db/ea",
            "CELERY_BROKER_URL": "redis://r:6379/0",
            "DJANGO_STORAGE": "s3",
            "DJANGO_S3_BUCKET": "evidence",
            "DJANGO_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        },
        "settings.STORAGES['default']",
    )
    assert found["BACKEND"] == "storages.backends.s3.S3Storage"
    assert found["OPTIONS"]["bucket_name"] == "evidence"
    assert found["OPTIONS"]["default_acl"] == "private"
    assert found["OPTIONS"]["querystring_auth"] is True


def test_production_settings_insist_on_https_and_secure_cookies():
    found = settings_with(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DATABASE_URL": "postgres://app@db:5432/app",
            "CELERY_BROKER_URL": "redis://broker:6379/0",
        },
        "[settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "settings.X_FRAME_OPTIONS, settings.SECURE_CONTENT_TYPE_NOSNIFF, settings.DEBUG, "
        "'accounts.middleware.RequireMultiFactorMiddleware' in settings.MIDDLEWARE]",
    )
    assert found == [True, True, True, True, 31536000, True, "DENY", True, False, True]


def test_templates_carry_no_inline_script_or_style():
    """The Content Security Policy allows neither; a template that had one would break."""
    import re

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    style = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.parts[-2] == "letters" and path.name in {"letter.html", "summary.html"}:
            continue  # printed by WeasyPrint, never served to a browser
        text = path.read_text()
        if inline_script.search(text) or style.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []

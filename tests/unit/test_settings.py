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

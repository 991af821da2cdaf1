"""The Celery application, configured from Django settings (``CELERY_*``).

Tasks are thin: they take ids, re-fetch and call one service. With no
``CELERY_BROKER_URL`` the local settings run tasks in-process (eager), so
``make run`` needs no Redis; tests of tasks use a real worker and broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("engagement_assessment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

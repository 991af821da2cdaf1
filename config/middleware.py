"""Middleware of the whole service."""

from django.db import connection
from django.http import HttpResponse


class HealthCheckMiddleware:
    """Answer ``/healthz/`` before host checks and the HTTPS redirect.

    A container's health check calls the app on its own address over plain HTTP,
    which ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` would refuse. It says "ok"
    only when the database answers.
    """

    path = "/healthz/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != self.path:
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        response = HttpResponse("ok", content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response

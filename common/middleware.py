"""Middleware of the apps: a plain answer when the database is away."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class DatabaseUnavailableMiddleware:
    """A view that lost its database connection (PostgreSQL restarted, failed over, the
    link dropped) answers 503 with a page saying nothing was changed, not a bare error.

    Every change is one transaction, and PostgreSQL rolls back a transaction whose
    connection is lost before it commits, so nothing of it is kept; trying again is safe.
    The page is rendered without the request (no user, no database), as the 500 page is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error(
            "Database unavailable: %s %s answered 503",
            request.method,
            request.path,
            exc_info=exception,
        )
        page = render_to_string("503.html", {"saving": request.method not in SAFE_METHODS})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response

"""Property-based run over the API's own OpenAPI schema (schemathesis 4, in process over
WSGI): every operation, signed out and with a national admin's token, finds no server
error, answers as its schema says, and never shows anything of an unreleased cycle.

The database holds the released 2019/20 cycle (two rated CCGs) and the 2018/19 cycle, rated
but not released. Hypothesis is derandomized and keeps no example database, so a run is the
same every time; a few examples per operation keep it well under a minute.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import tokens
from assessment.services import SHIPPED_FRAMEWORKS, load_cycle
from tests.integration.api_world import rate_cycle, released

pytestmark = pytest.mark.django_db

HIDDEN: dict = {}  # the unreleased cycle's label, slug and rating ids, for the check


@pytest.fixture
def api_schema(cycle, submission, other_submission, roles):
    released(cycle, roles)
    old = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    hidden = rate_cycle(old, roles.moderator, roles.admin, released_at=None)
    HIDDEN.update(
        texts=(old.label, old.slug, old.label.replace("/", "\\/")),
        ids={rating.pk for rating in hidden},
        key=tokens.create_token(roles.admin, name="schemathesis", lifetime=timedelta(1)).key,
    )
    # As Django's test client does: a request's end must not close the test's connection
    # (the data lives in the test's open transaction).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def no_unreleased_data(ctx, response, case):
    """No label, slug or rating id of the unreleased cycle in any answer."""
    text = response.text
    found = [t for t in HIDDEN["texts"] if t in text]
    if found:
        raise AssertionError(f"unreleased cycle {found} in {case.path}: {text[:200]}")
    if response.status_code == 200 and "json" in response.headers.get("content-type", [""])[0]:
        data = response.json()
        rows = data.get("results", [data]) if isinstance(data, dict) else []
        ids = {row.get("id") for row in rows if isinstance(row, dict)} & HIDDEN["ids"]
        if ids and case.path != "/api/v1/schema/":
            raise AssertionError(f"unreleased ratings {ids} in {case.path}")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    no_unreleased_data,
]


SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run_every_operation(schema, headers) -> list[str]:
    """Each operation's generated cases (valid and invalid), each response checked; the
    operations run, as METHOD path."""
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                # No invalid input to make: an operation whose every parameter is optional
                # and free (a list's page number is an integer; anything else is ignored).
                assert mode is GenerationMode.NEGATIVE, operation.path
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


@pytest.mark.parametrize("who", ["anonymous", "token"])
def test_the_api_holds_to_its_schema_and_shows_nothing_unreleased(api_schema, who):
    headers = {"Authorization": f"Bearer {HIDDEN['key']}"} if who == "token" else {}
    ran = run_every_operation(api_schema, headers)
    assert len(ran) == 8, ran

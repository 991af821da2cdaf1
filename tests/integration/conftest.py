"""A real Celery worker (in-process thread, the real Redis broker) for the task tests.

Tests that use it must be transactional: the worker's thread has its own database
connection and sees only committed rows.
"""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery_app import app


@pytest.fixture
def worker(transactional_db):
    app.control.purge()  # nothing left over from another run
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def wait_for(condition, seconds=20):
    """Poll ``condition`` until it holds or ``seconds`` pass; True if it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False

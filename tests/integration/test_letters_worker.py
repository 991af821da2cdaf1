"""Letters rendered by real Celery workers through the real Redis broker.

The kill test starts a worker as a separate process (prefork, two children, as deployed),
kills it with SIGKILL in the middle of a 191-letter run, starts another, and lets the
sweeper (what Celery beat runs every two minutes) re-queue the jobs whose messages died
with the first worker. Every letter must end rendered exactly once: one Document, one
file, whose SHA-256 matches, and no job left behind.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from assessment.moderation import record_rating
from config.celery_app import app
from evidence.models import Submission
from evidence.services import open_submissions
from letters import services
from letters.models import Document, RenderJob
from letters.selectors import run_progress
from tests.factories import CCGFactory, STPFactory
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def rate_every_submission(cycle, roles):
    scores = [(2, 2, 2, 1, 2), (3, 3, 3, 2, 2), (1, 0, 1, 1, 0), (3, 3, 3, 3, 3)]
    submissions = Submission.objects.filter(cycle=cycle).order_by("pk")
    submissions.update(status="submitted", submitted_at=timezone.now())
    for index, submission in enumerate(submissions):
        record_rating(
            submission,
            dict(zip("ABCDE", scores[index % len(scores)], strict=True)),
            proposed_by=roles.moderator,
            confirmed_by=roles.admin,
        )
    return submissions.count()


def test_a_run_is_rendered_by_a_real_worker(worker, roles, submission, other_submission):
    rate_every_submission(submission.cycle, roles)

    run = services.start_run(submission.cycle, actor=roles.admin)

    assert wait_for(lambda: run_progress(run).finished, seconds=60)
    progress = run_progress(run)
    assert (progress.rendered, progress.failed) == (4, 0)  # 2 CCGs x letter and summary


def start_worker_process(
    media_root: Path, *, broker_url: str | None = None, log=subprocess.PIPE
) -> subprocess.Popen:
    """A worker as deployed (prefork, two children) on the test database, in its own
    process group (so that it can be killed whole), on the test broker or ``broker_url``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
        "DJANGO_MEDIA_ROOT": str(media_root),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork",
        "--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603  (fixed local command)
        command, cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip


def settle(measure, seconds: float, still: float = 3.0):
    """Wait until ``measure()`` has not changed for ``still`` seconds (or ``seconds`` pass)."""
    deadline = time.monotonic() + seconds
    last, since = measure(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < still:
        time.sleep(0.2)
        now = measure()
        if now != last:
            last, since = now, time.monotonic()
    return last


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(roles, settings, cycle):
    region = STPFactory().region
    for n in range(189):  # and the two CCGs of the roles fixture: 191, as in 2019/20
        CCGFactory(ods_code=f"K{n:04d}", stp=STPFactory(region=region))
    open_submissions(cycle)
    assert rate_every_submission(cycle, roles) == 191
    app.control.purge()
    media = Path(settings.MEDIA_ROOT)

    first = start_worker_process(media)
    try:
        run = services.start_run(cycle, actor=roles.admin, kinds=("letter",))
        assert wait_for(lambda: run_progress(run).done >= 40, seconds=120), (
            first.stderr.read1().decode() if first.poll() is not None else "no progress"
        )
    finally:
        stop(first, signal.SIGKILL)
    killed_at = run_progress(run)
    assert 40 <= killed_at.done < 191, "the worker was not killed mid-run"

    second = start_worker_process(media)
    try:
        # The second worker drains what is left in the queue; the messages the first worker
        # held unacknowledged went down with it, so their jobs stay queued until swept.
        settle(lambda: run_progress(run).remaining, seconds=90)
        services.sweep_stuck_jobs(timeout=timedelta(0))
        assert wait_for(lambda: run_progress(run).finished, seconds=60)
    finally:
        stop(second)

    progress = run_progress(run)
    assert (progress.rendered, progress.unchanged, progress.failed) == (191, 0, 0)
    documents = list(Document.objects.filter(submission__cycle=cycle))
    assert len(documents) == 191
    assert {d.version for d in documents} == {1}
    assert len({d.submission_id for d in documents}) == 191
    for document in documents:
        with document.file.open("rb") as pdf:
            assert hashlib.sha256(pdf.read()).hexdigest() == document.sha256
    files = list((media / "letters").rglob("*.pdf"))
    assert len(files) == 191, "an interrupted render left a second file"
    assert set(RenderJob.objects.filter(run=run).values_list("status", flat=True)) == {"rendered"}

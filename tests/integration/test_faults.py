"""Faults of the real services in the middle of real work: afterwards nothing is lost,
nothing is duplicated, and the user was told plainly what happened.

A Celery worker killed mid-run is ``test_letters_worker.py``. Here:

* the broker restarted in the middle of a bulk letter run: a Redis of this test's own
  (nothing kept on disk, as a Redis without AOF) is killed and started again while a real
  worker process renders; the messages still queued die with it, the worker reconnects,
  and the sweeper (what beat runs) queues the lost jobs again;
* the database connection of a lead's request dropped inside the submit transaction,
  after the submission's status was already written: nothing of it is kept, the lead gets
  a 503 page saying nothing was changed, and submitting again works, once.
"""

import hashlib
import os
import socket
import subprocess
import threading
import time
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
import redis
from django.db import connection
from django.urls import reverse
from kombu import pools

from config.celery_app import app
from evidence import tasks as evidence_tasks
from evidence.models import (
    DomainNarrative,
    EvidenceFile,
    EvidenceItem,
    Submission,
    SubmissionEvent,
)
from evidence.services import open_submissions
from letters import services
from letters.models import Document, RenderJob
from letters.selectors import run_progress
from tests.factories import CCGFactory, STPFactory
from tests.integration import test_letters_worker as letters_worker
from tests.integration.conftest import wait_for
from tests.integration.test_letters_worker import rate_every_submission, settle, stop

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- broker restart


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A redis-server of this test's own: no RDB snapshot, no AOF, so a restart loses
    every message in it, as a production Redis without persistence would."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603  (fixed local command)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        assert wait_for(self.answers, seconds=10), "redis-server did not start"

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no chance to save anything
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def queued(self) -> int:
        return self.client().llen("celery")  # the default queue, a Redis list


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery app (what ``task.delay`` publishes through) at ``url``
    and back again. ``CELERY_BROKER_URL`` in the environment is what Celery reads first
    (before any setting), as a deployment sets it. The app's pools are per broker: those
    of the usual broker are set aside and found again after; those of ``url`` are closed."""
    previous = os.environ.get("CELERY_BROKER_URL")

    def detach_pools():
        app._pool = None
        app.amqp._producer_pool = None

    os.environ["CELERY_BROKER_URL"] = url
    detach_pools()
    try:
        yield
    finally:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
        with app.connection_for_write() as ours:
            for group in (pools.producers, pools.connections):
                with suppress(KeyError):
                    del group[ours]
        if previous is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = previous
        detach_pools()


def start_worker_process(broker_url: str, media_root: Path, log) -> subprocess.Popen:
    """``test_letters_worker.start_worker_process`` on the given broker, its log kept."""
    return letters_worker.start_worker_process(media_root, broker_url=broker_url, log=log)


def test_redis_restarted_mid_run_loses_and_duplicates_nothing(roles, settings, cycle, tmp_path):
    region = STPFactory().region
    for n in range(58):  # and the two CCGs of the roles fixture: 60
        CCGFactory(ods_code=f"R{n:04d}", stp=STPFactory(region=region))
    open_submissions(cycle)
    assert rate_every_submission(cycle, roles) == 60
    media = Path(settings.MEDIA_ROOT)
    broker = Broker(tmp_path)
    broker.start()
    worker_log = tmp_path / "worker.log"
    worker = None
    try:
        with celery_broker(broker.url), worker_log.open("wb") as log:
            # The real path: the run's transaction commits, on_commit queues one task each.
            run = services.start_run(cycle, actor=roles.admin, kinds=("letter",))
            assert broker.queued() == 60, "the jobs were not queued on this test's broker"

            worker = start_worker_process(broker.url, media, log)
            assert wait_for(lambda: run_progress(run).done >= 15, seconds=60), (
                worker_log.read_text()
            )
            broker.kill()
            at_restart = run_progress(run)
            broker.start()
            assert 15 <= at_restart.done < 60, "the broker was not restarted mid-run"
            assert broker.queued() == 0  # what was still queued is gone with it

            # The letters being rendered when Redis died are finished; nothing else comes.
            settle(lambda: run_progress(run).remaining, seconds=30)
            lost = run_progress(run).remaining
            assert lost > 0, "no message was lost: the restart came too late to prove anything"
            assert worker.poll() is None, "the worker did not survive the broker restart"

            requeued = services.sweep_stuck_jobs(timeout=timedelta(0))  # as beat would
            assert requeued == lost
            assert wait_for(lambda: run_progress(run).finished, seconds=60), (
                f"{run_progress(run)}\n{worker_log.read_text()}"
            )
    finally:
        if worker is not None:
            stop(worker)
        broker.kill()

    progress = run_progress(run)
    assert (progress.rendered, progress.unchanged, progress.failed) == (60, 0, 0)
    documents = list(Document.objects.filter(submission__cycle=cycle))
    assert len(documents) == 60
    assert {d.version for d in documents} == {1}
    assert len({d.submission_id for d in documents}) == 60
    for document in documents:
        with document.file.open("rb") as pdf:
            assert hashlib.sha256(pdf.read()).hexdigest() == document.sha256
    assert len(list((media / "letters").rglob("*.pdf"))) == 60
    assert set(RenderJob.objects.filter(run=run).values_list("status", flat=True)) == {"rendered"}
    assert "Connection to broker lost" in worker_log.read_text()  # it noticed, and came back


# --------------------------------------------------------------------------- database dropped


def evidence_url(submission, name, **extra):
    base = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code}
    return reverse(f"evidence:{name}", kwargs={**base, **extra})


def saved_state(submission):
    """Everything the lead has put into the submission, and what happened to it."""
    submission = Submission.objects.get(pk=submission.pk)
    return {
        "status": (submission.status, submission.submitted_at, submission.submitted_by_id),
        "narratives": sorted(
            DomainNarrative.objects.filter(submission=submission).values_list(
                "domain__code", "text", "version"
            )
        ),
        "items": sorted(
            EvidenceItem.objects.filter(submission=submission).values_list(
                "pk", "kind", "url", "description", "removed_at"
            )
        ),
        "files": sorted(
            EvidenceFile.objects.filter(item__submission=submission).values_list(
                "item_id", "revision", "sha256"
            )
        ),
        "events": list(submission.events.order_by("pk").values_list("pk", "kind")),
    }


def database(**options):
    params = connection.settings_dict
    return psycopg2.connect(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"], port=params["PORT"],
        **options,
    )  # fmt: skip


def backend_blocked_by(watcher, holder_pid: int, seconds: float = 10):
    """(pid, xid, query) of the backend waiting for a lock ``holder_pid`` holds."""
    deadline = time.monotonic() + seconds
    with watcher.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT pid, backend_xid::text, query FROM pg_stat_activity"
                " WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder_pid],
            )
            row = cursor.fetchone()
            if row:
                return row
            time.sleep(0.05)
    return None


def post_in_own_session(client, path, into: list) -> None:
    """The request in a thread of its own, with its own database session (as a web worker)."""
    try:
        into.append(client.post(path))
    except Exception as error:
        into.append(error)
    finally:
        connection.close()


def test_a_database_connection_dropped_mid_submit_keeps_the_draft_and_says_so(
    client, roles, submission, sample_files, monkeypatch, caplog
):
    client.force_login(roles.lead)
    for code in "ABCDE":
        response = client.post(
            evidence_url(submission, "narrative", domain=code),
            {"text": f"What we did in {code}.", "version": 0},
        )
        assert response.status_code == 302
    link = {"url": "https://www.example.org/governance", "description": "Constitution"}
    response = client.post(evidence_url(submission, "add_link", criterion="A1"), link)
    assert response.status_code == 302
    with sample_files["pdf"].open("rb") as pdf:
        response = client.post(
            evidence_url(submission, "add_file", criterion="A2"),
            {"file": pdf, "description": "Minutes"},
        )
    assert response.status_code == 302
    before = saved_state(submission)
    assert (len(before["narratives"]), len(before["items"]), len(before["files"])) == (5, 2, 1)
    receipts = []
    monkeypatch.setattr(evidence_tasks.send_submission_receipt, "delay", receipts.append)

    # A second session holds the event table, so the submit transaction stops at its
    # SUBMITTED event: the submission's row is locked and its status already written.
    holder, watcher = database(), database()
    watcher.autocommit = True
    answers = []
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE evidence_submissionevent IN SHARE MODE")
        request = threading.Thread(
            target=post_in_own_session, args=(client, evidence_url(submission, "check"), answers)
        )
        request.start()
        blocked = backend_blocked_by(watcher, holder.get_backend_pid())
        assert blocked is not None, "the submit never reached its transaction"
        pid, xid, query = blocked
        assert query.startswith('INSERT INTO "evidence_submissionevent"')
        assert xid is not None, "the request had not written anything yet"
        with watcher.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])  # the connection drops
        request.join(timeout=30)
        assert not request.is_alive()
    finally:
        holder.rollback()
        holder.close()
        watcher.close()

    (response,) = answers
    assert not isinstance(response, Exception), f"the error reached the user bare: {response!r}"
    assert response.status_code == 503
    page = response.content.decode()
    assert "Sorry, your change could not be saved" in page
    assert "so nothing was changed" in page
    assert "What you saved before is still there. Go back and try again" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert any(
        r.name == "common.middleware" and r.levelname == "ERROR" and r.exc_info
        for r in caplog.records
    ), "the lost connection was not logged"

    assert saved_state(submission) == before  # a draft, everything in it, no new event
    for stored in EvidenceFile.objects.filter(item__submission=submission):
        with stored.file.open("rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == stored.sha256
    assert not SubmissionEvent.objects.filter(kind="submitted").exists()
    assert receipts == []

    # The database is back (a new connection): submitting again works, once.
    response = client.post(evidence_url(submission, "check"))
    assert response.status_code == 302
    assert response["Location"] == evidence_url(submission, "submitted")
    after = saved_state(submission)
    assert after["status"][0] == "submitted"
    assert after["status"][2] == roles.lead.pk
    assert (after["narratives"], after["items"], after["files"]) == (
        before["narratives"],
        before["items"],
        before["files"],
    )
    again = client.post(evidence_url(submission, "check"), follow=True)
    assert "already been submitted" in again.content.decode()
    assert SubmissionEvent.objects.filter(submission=submission, kind="submitted").count() == 1
    assert receipts == [submission.pk]

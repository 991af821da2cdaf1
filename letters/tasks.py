"""Celery tasks of the letters: thin, ids only, each calls one function of
``letters.services``.

``render_job`` is delivered at least once (``acks_late``) and done at most once: the service
checks the job's state under its row lock. Connection errors (the database or the broker
away for a moment) are retried; any other error fails the job with its message, for the
admin to see and retry (not raised, so an in-process run in ``make run`` carries on).
The sweeper and the outbox run on Celery beat.
"""

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from letters import services

log = logging.getLogger(__name__)


@worker_process_init.connect
def prepare_renderer(**kwargs) -> None:
    """Import WeasyPrint and parse the letters' stylesheet and fonts when a worker process
    starts (about a second), not inside the first letter it is given."""
    from letters import rendering

    rendering._stylesheet()


@shared_task(
    name="letters.render_job",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def render_job(self, job_id: int) -> str:
    try:
        return services.render_job(job_id).status
    except (OperationalError, InterfaceError, ConnectionError):
        raise
    except Exception as error:
        log.exception("Letter job %s failed", job_id)
        services.record_job_failure(job_id, f"{type(error).__name__}: {error}")
        return "failed"


@shared_task(name="letters.sweep_stuck_jobs", acks_late=True)
def sweep_stuck_jobs() -> int:
    return services.sweep_stuck_jobs()


@shared_task(
    name="letters.send_message",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def send_message(self, message_id: int) -> bool:
    """SMTP errors are recorded on the message (failed), not retried: the admin resends."""
    return services.send_message(message_id)


@shared_task(name="letters.send_due_messages", acks_late=True)
def send_due_messages() -> int:
    return services.send_due_messages()

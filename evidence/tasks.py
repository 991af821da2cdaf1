"""Celery tasks of the evidence app: thin, ids only, each calls one service."""

from smtplib import SMTPException

from celery import shared_task

from evidence import notifications


@shared_task(
    name="evidence.send_submission_receipt",
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_submission_receipt(self, submission_id: int) -> bool:
    return notifications.send_receipt(submission_id)


@shared_task(name="evidence.send_deadline_reminders", acks_late=True)
def send_deadline_reminders() -> int:
    return notifications.send_due_reminders()

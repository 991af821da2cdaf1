"""Celery tasks of the assessment app: thin, ids only, each calls one function of
``assessment.clarifications``.

Delivery is at least once (``acks_late``; retried on SMTP and connection errors), so a
worker that dies after sending but before acknowledging sends that e-mail again. The model
keeps no "e-mail sent" mark, so each task checks state instead: the request goes only
while the clarification exists and is open, the answer only once it is answered. A second
answer is refused by the service, so it never queues a second answer e-mail.
"""

from smtplib import SMTPException

from celery import shared_task

from assessment import clarifications


@shared_task(
    name="assessment.send_clarification_request",
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_clarification_request(self, clarification_id: int) -> bool:
    """Tell the CCG's leads that an assessor has asked a question (never saying who)."""
    return clarifications.send_request_email(clarification_id)


@shared_task(
    name="assessment.send_clarification_answer",
    bind=True,
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_clarification_answer(self, clarification_id: int) -> bool:
    """Tell the assessor who asked that the CCG has answered."""
    return clarifications.send_answer_email(clarification_id)

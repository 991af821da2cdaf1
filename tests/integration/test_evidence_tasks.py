"""The receipt and the deadline reminders, sent by a real Celery worker through the real Redis
broker (transactional tests: the worker thread has its own database connection)."""

from datetime import timedelta

import pytest
from django.core import mail

from evidence import notifications, workflow
from evidence.models import DomainNarrative, SubmissionEvent
from evidence.services import apply_action
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def fill_narratives(submission, author):
    for domain in submission.cycle.domains.all():
        DomainNarrative.objects.create(
            submission=submission, domain=domain, text="Done.", updated_by=author
        )


def test_submitting_queues_a_receipt_that_a_worker_sends_to_lead_and_officer(
    worker, roles, submission
):
    fill_narratives(submission, roles.lead)

    apply_action(submission, workflow.Action.SUBMIT, actor=roles.lead)

    assert wait_for(
        lambda: SubmissionEvent.objects.filter(submission=submission, kind="receipt_sent").exists()
    ), "the worker did not send the receipt"
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert sorted(receipt.to) == sorted([roles.lead.email, roles.officer.email])
    assert "NHS West Norfolk CCG" in receipt.subject
    assert roles.other_lead.email not in receipt.to


def test_a_receipt_task_run_twice_sends_once(roles, submission):
    fill_narratives(submission, roles.lead)
    apply_action(submission, workflow.Action.SUBMIT, actor=roles.lead)
    assert notifications.send_receipt(submission.pk) is True
    assert notifications.send_receipt(submission.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("days", "sent"), [(14, 1), (7, 1), (1, 1), (10, 0), (0, 0)])
def test_reminders_go_14_7_and_1_days_before_the_deadline(roles, submission, days, sent):
    """Both CCGs of the fixture have a draft, so each threshold sends two reminders."""
    today = submission.cycle.submission_deadline - timedelta(days=days)
    assert notifications.send_due_reminders(today) == 2 * sent
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [roles.lead.email, roles.other_lead.email] * sent
    )
    if sent:
        assert f"{days} day" in mail.outbox[0].subject
    # Running again the same day sends nothing more.
    assert notifications.send_due_reminders(today) == 0


def test_no_reminder_once_submitted_and_an_extension_moves_them(
    roles, submission, other_submission
):
    fill_narratives(other_submission, roles.other_lead)
    apply_action(other_submission, workflow.Action.SUBMIT, actor=roles.other_lead)
    deadline = submission.cycle.submission_deadline
    submission.extension_until = deadline + timedelta(days=7)
    submission.save()
    assert notifications.send_due_reminders(deadline - timedelta(days=3)) == 0  # 10 days left
    assert notifications.send_due_reminders(deadline) == 1  # 7 days before the extension
    fill_narratives(submission, roles.lead)
    apply_action(submission, workflow.Action.SUBMIT, actor=roles.lead)
    assert notifications.send_due_reminders(deadline + timedelta(days=6)) == 0


def test_the_reminder_task_runs_on_a_real_worker(worker, roles, submission):
    from django.utils import timezone

    from evidence.tasks import send_deadline_reminders

    cycle = submission.cycle
    cycle.submission_deadline = timezone.localdate() + timedelta(days=7)
    cycle.submission_opens = timezone.localdate() - timedelta(days=7)
    cycle.save()

    send_deadline_reminders.delay()

    assert wait_for(
        lambda: SubmissionEvent.objects.filter(submission=submission, kind="reminder_sent").exists()
    ), "the worker did not send the reminder"
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [roles.lead.email, roles.other_lead.email]
    )

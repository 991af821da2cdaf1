"""E-mails about submissions: the receipt on submitting, and deadline reminders.

Both are idempotent: a receipt is sent once per submission (per SUBMITTED event), and
each reminder threshold (14, 7 and 1 days before the deadline) once per submission.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CCGRole, User
from evidence import workflow
from evidence.models import ReminderSent, Submission, SubmissionEvent

REMINDER_DAYS = (14, 7, 1)


def people_of(submission: Submission, role: str):
    return (
        User.objects.filter(
            is_active=True,
            ccg_roles__ccg=submission.ccg_id,
            ccg_roles__role=role,
        )
        .filter(Q(ccg_roles__cycle__isnull=True) | Q(ccg_roles__cycle=submission.cycle_id))
        .distinct()
        .order_by("email")
    )


def send_receipt(submission_id: int) -> bool:
    """E-mail the receipt to the CCG's leads and accountable officers; False if already sent."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("ccg", "cycle", "submitted_by")
            .get(pk=submission_id)
        )
        submitted = submission.events.filter(kind=SubmissionEvent.Kind.SUBMITTED).last()
        if submitted is None:
            return False
        if submission.events.filter(
            kind=SubmissionEvent.Kind.RECEIPT_SENT, at__gte=submitted.at
        ).exists():
            return False
        recipients = sorted(
            {u.email for u in people_of(submission, CCGRole.Role.LEAD)}
            | {u.email for u in people_of(submission, CCGRole.Role.ACCOUNTABLE_OFFICER)}
        )
        context = {"submission": submission, "site_url": settings.SITE_URL}
        send_mail(
            subject=f"Evidence received: {submission.ccg.name}, {submission.cycle.label}",
            message=render_to_string("evidence/email/receipt.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
        SubmissionEvent.objects.create(
            submission=submission,
            kind=SubmissionEvent.Kind.RECEIPT_SENT,
            note="To " + ", ".join(recipients),
        )
        return True


def send_due_reminders(today=None) -> int:
    """Remind the leads of drafts whose deadline is 14, 7 or 1 days away. Returns the count."""
    today = today or timezone.localdate()
    sent = 0
    drafts = Submission.objects.filter(
        status=workflow.Status.DRAFT, cycle__phase="submission"
    ).select_related("ccg", "cycle")
    for submission in drafts:
        days = workflow.days_left(
            today, submission.cycle.submission_deadline, submission.extension_until
        )
        if days not in REMINDER_DAYS:
            continue
        leads = list(people_of(submission, CCGRole.Role.LEAD))
        if not leads:
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(submission=submission, days_before=days)
                context = {"submission": submission, "days": days, "site_url": settings.SITE_URL}
                send_mail(
                    subject=(
                        f"{days} day{'s' if days != 1 else ''} left to submit evidence: "
                        f"{submission.ccg.name}"
                    ),
                    message=render_to_string("evidence/email/reminder.txt", context),
                    from_email=None,
                    recipient_list=[lead.email for lead in leads],
                )
                SubmissionEvent.objects.create(
                    submission=submission,
                    kind=SubmissionEvent.Kind.REMINDER_SENT,
                    note=f"{days} days before the deadline",
                )
        except IntegrityError:
            continue  # already sent by an earlier run
        sent += 1
    return sent

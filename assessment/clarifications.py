"""Clarification: an assessor's question to a CCG about one criterion, and the lead's answer.

This module owns every write to ``Clarification`` (asking, answering), the reads the
clarification pages use, and the two e-mails (the request to the CCG's leads, the answer
to the assessor who asked); ``assessment.tasks`` only calls the e-mail functions. While a
clarification is open the CCG's lead may add evidence to that criterion only
(``evidence.services._require_can_add``). A CCG's people never learn which assessor
asked: pages and e-mails they see say "An assessor" and "the national assessment team".
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import permissions
from accounts.models import CCGRole
from assessment.models import Clarification, Criterion
from evidence.models import Submission
from evidence.notifications import people_of
from evidence.selectors import active_items

logger = logging.getLogger(__name__)

QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000


class ClarificationError(Exception):
    """A request the clarification rules refuse; the message is for the user."""


class AlreadyAnswered(ClarificationError):
    """Answering a clarification that is already answered: nothing changed, nothing is sent."""

    def __init__(self, clarification: Clarification):
        self.clarification = clarification
        super().__init__(
            f"The question on {clarification.criterion.code} has already been answered."
        )


def _text(value: str, *, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ClarificationError(f"Enter your {what}")
    if len(value) > limit:
        raise ClarificationError(f"Your {what} must be {limit:,} characters or fewer")
    return value


def ask_clarification(submission: Submission, criterion: Criterion, *, question: str, actor):
    """Ask the CCG a question about ``criterion``; returns the new ``Clarification``.

    Side effects: row lock on the submission (so two assessors asking at once cannot both
    open a question on the same criterion); permission "assessment.ask_clarification"
    re-checked under the lock; a ``Clarification`` row (it is its own record: who asked,
    when); the e-mail to the CCG's leads queued after commit. Refused with
    ``ClarificationError`` while another question on the criterion is open.
    """
    from assessment import tasks

    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("cycle", "ccg")
            .get(pk=submission.pk)
        )
        if not actor.has_perm("assessment.ask_clarification", submission):
            raise PermissionDenied("assessment.ask_clarification")
        question = _text(question, what="question", limit=QUESTION_MAX_LENGTH)
        if criterion.domain.cycle_id != submission.cycle_id:
            raise ClarificationError(
                f"{criterion.code} is not a criterion of the {submission.cycle.label} cycle."
            )
        if Clarification.objects.filter(
            submission=submission, criterion=criterion, answered_at__isnull=True
        ).exists():
            raise ClarificationError(
                f"A question on {criterion.code} is already waiting for the CCG's answer. "
                "You can ask another once it has been answered."
            )
        clarification = Clarification.objects.create(
            submission=submission, criterion=criterion, asked_by=actor, question=question
        )
        clarification_id = clarification.pk
        transaction.on_commit(lambda: tasks.send_clarification_request.delay(clarification_id))
        return clarification


def answer_clarification(clarification: Clarification, *, answer: str, actor):
    """The CCG's lead answers an open question; returns the answered ``Clarification``.

    Side effects: row lock on the clarification; permission
    "assessment.answer_clarification" re-checked under the lock; answer, who and when
    saved; the e-mail to the assessor who asked queued after commit. Answering again
    changes nothing and queues nothing: it raises ``AlreadyAnswered`` (a
    ``ClarificationError``) so that the caller can say so.
    """
    from assessment import tasks

    with transaction.atomic():
        clarification = (
            Clarification.objects.select_for_update(of=("self",))
            .select_related("submission__cycle", "submission__ccg", "criterion")
            .get(pk=clarification.pk)
        )
        if not clarification.is_open and permissions.leads_clarification_ccg(actor, clarification):
            raise AlreadyAnswered(clarification)
        if not actor.has_perm("assessment.answer_clarification", clarification):
            raise PermissionDenied("assessment.answer_clarification")
        answer = _text(answer, what="answer", limit=ANSWER_MAX_LENGTH)
        clarification.answer = answer
        clarification.answered_by = actor
        clarification.answered_at = timezone.now()
        clarification.save(update_fields=["answer", "answered_by", "answered_at"])
        clarification_id = clarification.pk
        transaction.on_commit(lambda: tasks.send_clarification_answer.delay(clarification_id))
        return clarification


# Reads -------------------------------------------------------------------------------------


def clarifications_visible_to(user, submission: Submission):
    """The submission's clarifications that ``user`` may read, oldest first.

    The CCG's own people (lead, accountable officer) and the national team see the whole
    thread; an assessor sees only the questions they asked (assessors work independently).
    Scope the submission first (``evidence.selectors.submissions_visible_to``).
    """
    queryset = Clarification.objects.filter(submission=submission).select_related(
        "criterion__domain", "asked_by", "answered_by"
    )
    if (
        permissions.is_national_staff(user)
        or permissions.leads_submission(user, submission)
        or permissions.is_officer_of_submission(user, submission)
    ):
        return queryset
    return queryset.filter(asked_by=user)


def shows_assessor_names(user, submission: Submission) -> bool:
    """Whether ``user`` may see which assessor asked: the national team only, and never
    someone who is also a lead or accountable officer of this CCG (the assessor who asked
    always sees their own name; see ``asked_by_label``)."""
    return bool(permissions.is_national_staff(user)) and not (
        permissions.leads_submission(user, submission)
        or permissions.is_officer_of_submission(user, submission)
    )


def asked_by_label(clarification: Clarification, user, *, show_names: bool) -> str:
    if show_names or clarification.asked_by_id == user.pk:
        return clarification.asked_by.full_name or clarification.asked_by.email
    return "An assessor"


def evidence_added_since_asked(clarification: Clarification):
    """Evidence added to the clarification's criterion since the question, still current."""
    return active_items(
        submission_id=clarification.submission_id,
        criterion_id=clarification.criterion_id,
        created_at__gte=clarification.asked_at,
    )


# E-mails (called by assessment.tasks) ------------------------------------------------------


def _page_url(clarification: Clarification) -> str:
    submission = clarification.submission
    return settings.SITE_URL.rstrip("/") + reverse(
        "clarifications:detail",
        kwargs={
            "cycle": submission.cycle.slug,
            "ods_code": submission.ccg.ods_code,
            "pk": clarification.pk,
        },
    )


def _fetch(clarification_id: int) -> Clarification | None:
    return (
        Clarification.objects.select_related(
            "submission__cycle", "submission__ccg", "criterion", "asked_by", "answered_by"
        )
        .filter(pk=clarification_id)
        .first()
    )


def send_request_email(clarification_id: int) -> bool:
    """E-mail the CCG's leads that an assessor has asked a question; False if nothing sent.

    Sent only while the clarification exists and is open (a request delivered late, after
    the answer, is moot). The e-mail never names the assessor.
    """
    clarification = _fetch(clarification_id)
    if clarification is None or not clarification.is_open:
        return False
    submission = clarification.submission
    recipients = [lead.email for lead in people_of(submission, CCGRole.Role.LEAD)]
    if not recipients:
        logger.warning("No lead to tell about clarification %s of %s", clarification.pk, submission)
        return False
    context = {
        "clarification": clarification,
        "submission": submission,
        "criterion": clarification.criterion,
        "url": _page_url(clarification),
    }
    send_mail(
        subject=(
            f"Question about your evidence: {submission.ccg.name}, "
            f"{submission.cycle.label}, {clarification.criterion.code}"
        ),
        message=render_to_string("assessment/email/clarification_request.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return True


def send_answer_email(clarification_id: int) -> bool:
    """E-mail the assessor who asked that the CCG has answered; False if nothing sent.

    Sent only once the clarification is answered, and only to an active assessor.
    """
    clarification = _fetch(clarification_id)
    if clarification is None or clarification.is_open or not clarification.asked_by.is_active:
        return False
    submission = clarification.submission
    context = {
        "clarification": clarification,
        "submission": submission,
        "criterion": clarification.criterion,
        "evidence_added": evidence_added_since_asked(clarification).count(),
        "url": _page_url(clarification),
    }
    send_mail(
        subject=(
            f"Answer to your question: {submission.ccg.name}, "
            f"{submission.cycle.label}, {clarification.criterion.code}"
        ),
        message=render_to_string("assessment/email/clarification_answer.txt", context),
        from_email=None,
        recipient_list=[clarification.asked_by.email],
    )
    return True

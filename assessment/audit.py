"""The audit trail of one CCG's cycle: every event of its submission, in time order.

``audit_events`` merges the append-only records the service already keeps, one query per
source (only for the kinds asked for): the submission's events, assessors assigned and
unassigned, every score entered or changed, the assessments' status changes,
clarification questions and answers, the moderation's events, the final ratings (a
review's rating says which rating it superseded), reviews asked for and decided, and the
outcome letters rendered, e-mailed and downloaded.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from assessment.models import (
    AssessmentEvent,
    Assignment,
    Clarification,
    ModerationEvent,
    Rating,
    ReviewRequest,
    ScoreEvent,
)
from evidence.models import Submission, SubmissionEvent

# In the order they usually happen, which is also the order of events at the same time.
KINDS: tuple[tuple[str, str], ...] = (
    ("submission", "Submission"),
    ("assignment", "Assignment"),
    ("clarification", "Clarification"),
    ("score", "Score"),
    ("assessment", "Assessment"),
    ("moderation", "Moderation"),
    ("rating", "Final rating"),
    ("review", "Review"),
    ("letter", "Outcome letter"),
    ("support", "Improvement support"),
)
KIND_LABELS = dict(KINDS)
KIND_ORDER = {kind: index for index, (kind, _) in enumerate(KINDS)}

NO_ONE = "The service"  # events with no person behind them (a receipt e-mail sent)

MODERATION_ACTIONS = {
    "agreed_score": "Agreed score set",
    "propose": "Rating proposed",
    "confirm": "Rating confirmed (second moderator's sign-off)",
    "send_back": "Rating sent back",
    "review_decided": "Review decided",
}


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    kind: str
    kind_label: str
    actor_name: str
    summary: str
    order: int = 0  # the source row's id, to keep events of the same time in a fixed order


def _name(user) -> str:
    return str(user) if user is not None else NO_ONE


def _event(at, kind, actor, summary, order) -> AuditEvent:
    return AuditEvent(
        at=at,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        actor_name=_name(actor),
        summary=summary,
        order=order,
    )


def _score(value) -> str:
    return "not scored" if value is None else str(value)


def _with(text: str, detail: str) -> str:
    detail = (detail or "").strip()
    return f"{text}: {detail}" if detail else text


def _submission_events(submission: Submission) -> Iterable[AuditEvent]:
    for event in SubmissionEvent.objects.filter(submission=submission).select_related("actor"):
        yield _event(
            event.at, "submission", event.actor, _with(event.get_kind_display(), event.note),
            event.pk,
        )  # fmt: skip


def _assignment_events(submission: Submission) -> Iterable[AuditEvent]:
    for assignment in Assignment.objects.filter(submission=submission).select_related(
        "assessor", "assigned_by", "unassigned_by"
    ):
        how = {"csv": "from a CSV file", "auto": "automatically"}.get(assignment.method, "")
        yield _event(
            assignment.assigned_at, "assignment", assignment.assigned_by,
            f"{assignment.assessor} assigned to assess" + (f" ({how})" if how else ""),
            assignment.pk,
        )  # fmt: skip
        if assignment.unassigned_at is not None:
            yield _event(
                assignment.unassigned_at, "assignment", assignment.unassigned_by,
                f"{assignment.assessor} unassigned", assignment.pk,
            )  # fmt: skip


def _score_events(submission: Submission) -> Iterable[AuditEvent]:
    for event in ScoreEvent.objects.filter(assessment__submission=submission).select_related(
        "domain", "actor", "assessment__assessor"
    ):
        text = (
            f"Domain {event.domain.code}: {_score(event.old_score)} \u2192 "
            f"{_score(event.new_score)} by {event.assessment.assessor}"
        )
        yield _event(event.at, "score", event.actor, _with(text, event.rationale), event.pk)


def _assessment_events(submission: Submission) -> Iterable[AuditEvent]:
    for event in AssessmentEvent.objects.filter(assessment__submission=submission).select_related(
        "actor", "assessment__assessor"
    ):
        assessor = event.assessment.assessor
        if event.to_status == "submitted":
            text = f"{assessor}'s assessment submitted"
        elif event.to_status == "draft":
            text = f"{assessor}'s assessment returned to draft"
        else:
            text = f"{assessor}'s assessment: {event.from_status} \u2192 {event.to_status}"
        yield _event(event.at, "assessment", event.actor, _with(text, event.note), event.pk)


def _clarification_events(submission: Submission) -> Iterable[AuditEvent]:
    for question in Clarification.objects.filter(submission=submission).select_related(
        "criterion", "asked_by", "answered_by"
    ):
        code = question.criterion.code
        yield _event(
            question.asked_at, "clarification", question.asked_by,
            f"Question on {code} asked: {question.question}", question.pk,
        )  # fmt: skip
        if question.answered_at is not None:
            yield _event(
                question.answered_at, "clarification", question.answered_by,
                f"Question on {code} answered: {question.answer}", question.pk,
            )  # fmt: skip


def _moderation_events(submission: Submission) -> Iterable[AuditEvent]:
    for event in ModerationEvent.objects.filter(moderation__submission=submission).select_related(
        "actor"
    ):
        text = MODERATION_ACTIONS.get(event.action, event.action.replace("_", " ").capitalize())
        yield _event(event.at, "moderation", event.actor, _with(text, event.note), event.pk)


def _rating_text(rating: Rating) -> str:
    return f"{rating.total} {rating.band_label} (bands version {rating.bands_version})"


def _rating_events(submission: Submission) -> Iterable[AuditEvent]:
    for rating in Rating.objects.filter(submission=submission).select_related(
        "confirmed_by", "supersedes"
    ):
        if rating.source == Rating.Source.REVIEW:
            text = f"Final rating after review {_rating_text(rating)}"
        elif rating.source == Rating.Source.IMPORTED:
            text = f"Published rating imported {_rating_text(rating)}"
        else:
            text = f"Final rating {_rating_text(rating)}"
        if rating.supersedes is not None:
            earlier = rating.supersedes
            given = timezone.localtime(earlier.finalised_at)
            text += (
                f", superseding the rating of {earlier.total} {earlier.band_label} given on "
                f"{given.day} {given:%B %Y}"
            )
        yield _event(rating.finalised_at, "rating", rating.confirmed_by, _with(text, rating.note),
                     rating.pk)  # fmt: skip


def _review_events(submission: Submission) -> Iterable[AuditEvent]:
    for review in ReviewRequest.objects.filter(submission=submission).select_related(
        "requested_by", "reviewer", "rating"
    ):
        asked = review.rating
        yield _event(
            review.requested_at, "review", review.requested_by,
            f"Review of the rating {asked.total} {asked.band_label} requested: {review.grounds}",
            review.pk,
        )  # fmt: skip
        if review.decided_at is not None:
            yield _event(
                review.decided_at, "review", review.reviewer,
                _with(f"Review decided: {review.get_outcome_display().lower()}", review.reasons),
                review.pk,
            )  # fmt: skip


def _letter_events(submission: Submission) -> Iterable[AuditEvent]:
    """Letters and summaries rendered (each version, with its reason), e-mailed, downloaded."""
    from letters.models import Document, Download, OutboxMessage

    for document in Document.objects.filter(submission=submission).select_related(
        "rendered_by", "rating"
    ):
        text = (
            f"{document.get_kind_display()} version {document.version} rendered for "
            f"{document.rating.total} {document.rating.band_label} (SHA-256 {document.sha256[:12]})"
        )
        yield _event(document.rendered_at, "letter", document.rendered_by,
                     _with(text, document.reason), document.pk)  # fmt: skip
    for message in OutboxMessage.objects.filter(
        document__submission=submission, status__in=["sent", "failed"]
    ).select_related("document", "recipient"):
        what = f"Letter version {message.document.version} e-mailed to {message.recipient.email}"
        if message.status == "sent":
            yield _event(message.sent_at, "letter", None, what, message.pk)
        else:
            yield _event(message.updated_at, "letter", None,
                         _with(f"{what}: failed", message.error), message.pk)  # fmt: skip
    for download in Download.objects.filter(document__submission=submission).select_related(
        "document", "user"
    ):
        yield _event(
            download.at, "letter", download.user,
            f"{download.document.get_kind_display()} version {download.document.version} "
            "downloaded", download.pk,
        )  # fmt: skip


def _support_events(submission: Submission) -> Iterable[AuditEvent]:
    """The one-to-one improvement session: each change of its status, and its notices
    e-mailed (sent or failed) to the CCG's accountable officers and leads."""
    from letters.models import OutboxMessage
    from support.models import SessionEvent

    for event in SessionEvent.objects.filter(session__submission=submission).select_related(
        "actor"
    ):
        text = f"Improvement session {event.get_to_status_display().lower()}"
        if event.from_status:
            text += f" (was {event.get_from_status_display().lower()})"
        yield _event(event.at, "support", event.actor, _with(text, event.note), event.pk)
    for message in OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.NOTICE, submission=submission, status__in=["sent", "failed"]
    ).select_related("recipient"):
        what = f"Notice “{message.subject}” e-mailed to {message.recipient.email}"
        if message.status == "sent":
            yield _event(message.sent_at, "support", None, what, message.pk)
        else:
            yield _event(message.updated_at, "support", None,
                         _with(f"{what}: failed", message.error), message.pk)  # fmt: skip


SOURCES = {
    "submission": _submission_events,
    "assignment": _assignment_events,
    "clarification": _clarification_events,
    "score": _score_events,
    "assessment": _assessment_events,
    "moderation": _moderation_events,
    "rating": _rating_events,
    "review": _review_events,
    "letter": _letter_events,
    "support": _support_events,
}


def audit_events(submission: Submission, *, kinds: Iterable[str] | None = None) -> list[AuditEvent]:
    """Every event of the submission's cycle, oldest first (then by kind, then by record).

    ``kinds`` narrows to some of ``KINDS`` (None or empty: all); an unknown kind raises
    ValueError. One query per kind read.
    """
    wanted = list(KIND_LABELS) if not kinds else list(dict.fromkeys(kinds))
    unknown = [kind for kind in wanted if kind not in KIND_LABELS]
    if unknown:
        raise ValueError(f"Unknown kind of event: {', '.join(unknown)}.")
    events = [event for kind in wanted for event in SOURCES[kind](submission)]
    return sorted(events, key=lambda e: (e.at, KIND_ORDER[e.kind], e.order))

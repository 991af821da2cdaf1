"""Reviews after release: an accountable officer asks for a review of their CCG's rating,
with grounds, within the cycle's review window; a moderator who took no part in the rating
re-moderates, and the outcome (upheld or changed, with reasons) becomes a new final rating
that supersedes the old one, which stays in the history."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from assessment.models import Moderation, ModerationEvent, Rating, ReviewRequest
from assessment.moderation import current_rating, record_rating


class ReviewError(Exception):
    """A request the review rules refuse; the message is for the user."""


def can_request_review(submission, user) -> bool:
    return (
        user.has_perm("assessment.request_review", submission)
        and submission.cycle.review_window_is_open()
        and current_rating(submission) is not None
        and not submission.reviews.filter(decided_at__isnull=True).exists()
    )


def request_review(submission, *, grounds: str, actor) -> ReviewRequest:
    """Side effects: row lock on the submission; one ReviewRequest."""
    from evidence.models import Submission

    grounds = grounds.strip()
    if not actor.has_perm("assessment.request_review", submission):
        raise PermissionDenied("assessment.request_review")
    if not grounds:
        raise ReviewError("Give the grounds for the review.")
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update().select_related("cycle").get(pk=submission.pk)
        )
        cycle = submission.cycle
        if not cycle.review_window_is_open():
            if cycle.released_at is None:
                raise ReviewError("Ratings for this cycle have not been released yet.")
            raise ReviewError(
                f"Reviews could be requested until {cycle.review_window_ends:%d %B %Y}."
            )
        rating = current_rating(submission)
        if rating is None:
            raise ReviewError("This CCG has no final rating to review.")
        if submission.reviews.filter(decided_at__isnull=True).exists():
            raise ReviewError("A review of this rating has already been requested.")
        return ReviewRequest.objects.create(
            submission=submission, rating=rating, requested_by=actor, grounds=grounds
        )


def decide_review(review: ReviewRequest, *, scores: dict, reasons: str, actor) -> Rating:
    """Record the review's outcome as a new final rating that supersedes the one reviewed.

    Side effects: row lock on the review; a Rating (source "review", supersedes the old);
    the review's outcome saved; a ModerationEvent. Upheld when the scores are unchanged.
    """
    reasons = reasons.strip()
    if not reasons:
        raise ReviewError("Give the reasons for the outcome.")
    with transaction.atomic():
        review = (
            ReviewRequest.objects.select_for_update(of=("self",))
            .select_related("submission__cycle", "rating")
            .get(pk=review.pk)
        )
        if not review.is_open:  # first: its reviewer has taken part by now
            raise ReviewError("This review has already been decided.")
        if not actor.has_perm("assessment.decide_review", review):
            raise PermissionDenied("assessment.decide_review")
        rating = record_rating(
            review.submission,
            scores,
            proposed_by=actor,
            confirmed_by=actor,
            source=Rating.Source.REVIEW,
            supersedes=review.rating,
            note=reasons,
        )
        upheld = rating.scores == review.rating.scores
        review.reviewer = actor
        review.outcome = ReviewRequest.Outcome.UPHELD if upheld else ReviewRequest.Outcome.CHANGED
        review.reasons = reasons
        review.decided_at = timezone.now()
        review.new_rating = rating
        review.save(update_fields=["reviewer", "outcome", "reasons", "decided_at", "new_rating"])
        moderation = Moderation.objects.filter(submission=review.submission).first()
        if moderation is not None:
            ModerationEvent.objects.create(
                moderation=moderation,
                action="review_decided",
                actor=actor,
                note=f"{review.get_outcome_display()}: {rating.total} {rating.band_label}. "
                f"{reasons}",
            )
        return rating

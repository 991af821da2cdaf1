"""Moderation: agreed scores with reasons, a proposal, a second moderator's sign-off, and
the final rating, immutable from the moment it is written.

``apply_moderation_action`` is the single writer of a moderation's status. Confirming
writes the ``Rating`` (total, band and the band table's version, from ``scoring.rate``
over the cycle's table) in the same transaction, under the moderation's row lock, so two
moderators confirming at once give exactly one rating.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from assessment import scoring, workflow
from assessment.models import (
    AgreedScore,
    Assessment,
    Cycle,
    DomainScore,
    Moderation,
    ModerationEvent,
    Rating,
)

Action = workflow.ModerationAction
Status = workflow.ModerationStatus


class ModerationError(Exception):
    """A request the moderation rules refuse; the message is for the user."""


@dataclass(frozen=True)
class ModerationResult:
    moderation: Moderation
    changed: bool
    message: str
    rating: Rating | None = None


def _require_moderator(actor, submission) -> None:
    if not actor.has_perm("assessment.moderate_submission", submission):
        raise PermissionDenied("assessment.moderate_submission")


def assessor_scores(submission) -> dict[int, dict[str, int | None]]:
    """Each submitted assessment's scores by domain code (assessment id -> scores)."""
    result: dict[int, dict[str, int | None]] = {}
    for score in DomainScore.objects.filter(
        assessment__submission=submission, assessment__status="submitted"
    ).select_related("domain"):
        result.setdefault(score.assessment_id, {})[score.domain.code] = score.score
    return result


def open_moderation(submission, *, actor) -> Moderation:
    """The submission's moderation, started once both assessments are submitted."""
    _require_moderator(actor, submission)
    submitted = Assessment.objects.filter(submission=submission, status="submitted").count()
    if submitted < 2:
        raise ModerationError("Both assessors must submit before this CCG can be moderated.")
    moderation, _ = Moderation.objects.get_or_create(submission=submission)
    return moderation


def ensure_sample_seed(cycle: Cycle) -> int:
    """The cycle's recorded draw for the random sample, chosen once and kept."""
    if cycle.moderation_seed is None:
        Cycle.objects.filter(pk=cycle.pk, moderation_seed__isnull=True).update(
            moderation_seed=secrets.randbelow(1_000_000)
        )
        cycle.refresh_from_db(fields=["moderation_seed"])
    return cycle.moderation_seed


def set_agreed_score(
    moderation: Moderation, domain, *, score: int, reason: str, actor
) -> AgreedScore:
    """Set the agreed score of a domain; one that differs from either assessor's needs a reason.

    Side effects: row lock on the moderation; the AgreedScore upserted; a ModerationEvent.
    """
    score = int(scoring.validate_domain_score(score))
    reason = reason.strip()
    with transaction.atomic():
        moderation = Moderation.objects.select_for_update().get(pk=moderation.pk)
        _require_moderator(actor, moderation.submission)
        if moderation.status != Status.OPEN:
            raise ModerationError(
                "The agreed scores cannot change once the rating is proposed or final."
            )
        by_assessor = assessor_scores(moderation.submission).values()
        theirs = tuple(s.get(domain.code) for s in by_assessor)
        if workflow.agreed_score_needs_reason(score, theirs) and not reason:
            raise ModerationError(
                f"Domain {domain.code}: the agreed score {score} differs from an assessor's "
                f"({', '.join(map(str, theirs))}), so give the reason."
            )
        agreed = AgreedScore.objects.filter(moderation=moderation, domain=domain).first()
        if agreed is not None and (agreed.score, agreed.reason) == (score, reason):
            return agreed  # the same again (a form sent twice): nothing to record
        agreed, _ = AgreedScore.objects.update_or_create(
            moderation=moderation,
            domain=domain,
            defaults={"score": score, "reason": reason, "set_by": actor},
        )
        ModerationEvent.objects.create(
            moderation=moderation,
            action="agreed_score",
            actor=actor,
            note=f"Domain {domain.code}: {score}" + (f" ({reason})" if reason else ""),
        )
        return agreed


def apply_moderation_action(
    moderation: Moderation, action: Action, *, actor, note: str = ""
) -> ModerationResult:
    """The single writer of a moderation's status.

    PROPOSE needs an agreed score for every domain. CONFIRM and SEND_BACK are for a second
    moderator, never the proposer; SEND_BACK needs a comment. CONFIRM writes the final
    Rating. Side effects: row lock; status saved; a ModerationEvent; the Rating on CONFIRM.
    A repeated action changes nothing and says so.
    """
    action = Action(action)
    with transaction.atomic():
        moderation = (
            Moderation.objects.select_for_update(of=("self",))
            .select_related("submission__cycle")
            .get(pk=moderation.pk)
        )
        status = Status(moderation.status)
        if (status, action) in workflow.MODERATION_ALREADY_DONE:
            return ModerationResult(
                moderation, False, workflow.MODERATION_ALREADY_DONE[(status, action)]
            )
        submission = moderation.submission
        _require_moderator(actor, submission)
        new_status = workflow.next_moderation_status(status, action)
        agreed = {a.domain.code: a.score for a in moderation.agreed_scores.select_related("domain")}
        rating = None
        if action == Action.PROPOSE:
            missing = [code for code in scoring.DOMAIN_CODES if code not in agreed]
            if missing:
                raise ModerationError(f"Set the agreed score of domain {', '.join(missing)}.")
            moderation.proposed_by = actor
            moderation.proposed_at = timezone.now()
        else:
            if moderation.proposed_by_id == actor.pk:
                raise ModerationError("A second moderator must confirm or send back your proposal.")
            if action == Action.SEND_BACK and not note.strip():
                raise ModerationError("Say why you are sending the rating back.")
        if action == Action.CONFIRM:
            rating = record_rating(
                submission,
                agreed,
                proposed_by=moderation.proposed_by,
                confirmed_by=actor,
                note=note.strip(),
            )
        moderation.status = new_status.value
        moderation.save(update_fields=["status", "proposed_by", "proposed_at"])
        ModerationEvent.objects.create(
            moderation=moderation,
            action=action.value,
            from_status=status,
            to_status=new_status,
            actor=actor,
            note=note.strip(),
        )
        messages = {
            Action.PROPOSE: "Rating proposed. A second moderator must now confirm it.",
            Action.CONFIRM: f"Rating confirmed and final: {rating.total} {rating.band_label}."
            if rating
            else "",
            Action.SEND_BACK: "Rating sent back to the moderator who proposed it.",
        }
        return ModerationResult(moderation, True, messages[action], rating)


def record_rating(
    submission,
    scores,
    *,
    proposed_by,
    confirmed_by,
    source=Rating.Source.MODERATED,
    supersedes=None,
    note="",
) -> Rating:
    """Write a final rating: ``scoring.rate`` over the cycle's band table, with the table's
    version. The one place a Rating is made (confirmation and review both call it); the
    row can never change afterwards (database trigger)."""
    cycle = submission.cycle
    result = scoring.rate(scores, cycle.band_table())
    return Rating.objects.create(
        submission=submission,
        scores=dict(result.scores),
        total=result.total,
        band_code=result.band.code,
        band_label=result.band.label,
        bands_version=cycle.bands_version,
        source=source,
        proposed_by=proposed_by,
        confirmed_by=confirmed_by,
        supersedes=supersedes,
        note=note,
    )


def current_rating(submission) -> Rating | None:
    """The rating in force: the newest that no later rating supersedes."""
    return (
        Rating.objects.filter(submission=submission, superseded_by__isnull=True)
        .order_by("-finalised_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class BulkResult:
    done: int
    skipped: list[str]

    def summary(self, verb: str) -> str:
        text = f"{verb} {self.done} rating{'' if self.done == 1 else 's'}."
        if self.skipped:
            text += f" Left for individual moderation: {'; '.join(self.skipped)}."
        return text


def bulk_candidates(cycle: Cycle) -> list:
    """Agreed cases outside the sample where both assessors scored every domain the same:
    the only ones whose agreed scores need no judgement (and so no reason)."""
    from assessment.selectors import moderation_queue

    rows = moderation_queue(cycle, seed=ensure_sample_seed(cycle))
    return [row for row in rows if not row.reasons and row.scores[0] == row.scores[1]]


def propose_in_bulk(cycle: Cycle, *, actor) -> BulkResult:
    """Propose the assessors' identical scores as the agreed rating of every bulk candidate
    not yet in moderation. Each CCG is its own transaction, through the same services."""
    done, skipped = 0, []
    for row in bulk_candidates(cycle):
        if row.moderation is not None:
            continue
        try:
            moderation = open_moderation(row.submission, actor=actor)
            for domain in cycle.domains.order_by("code"):
                set_agreed_score(
                    moderation, domain, score=row.scores[0][domain.code], reason="", actor=actor
                )
            apply_moderation_action(moderation, Action.PROPOSE, actor=actor, note="In bulk")
            done += 1
        except (ModerationError, PermissionDenied) as refused:
            skipped.append(f"{row.submission.ccg.name} ({refused})")
    return BulkResult(done, skipped)


def confirm_in_bulk(cycle: Cycle, *, actor) -> BulkResult:
    """Confirm every proposed bulk candidate that ``actor`` did not propose or assess."""
    done, skipped = 0, []
    for row in bulk_candidates(cycle):
        if row.moderation is None or row.moderation.status != Status.PROPOSED:
            continue
        try:
            result = apply_moderation_action(
                row.moderation, Action.CONFIRM, actor=actor, note="In bulk"
            )
            done += int(result.changed)
        except (ModerationError, PermissionDenied):
            skipped.append(row.submission.ccg.name)
    return BulkResult(done, skipped)

"""Reads of improvement support: which CCGs of a released cycle are offered the one-to-one
session, and each one's session.

A CCG is offered the session when its rating in force (``results.selectors.final_ratings``)
is in a band the cycle's letter offers it to (``LetterWording.offers_session``: the bands on
the wording page, Red and Amber by default). A review can move a CCG out of those bands (or
into them): a session already recorded stays listed, marked as no longer offered, and a CCG
newly in the bands is offered one. Nothing is listed for a cycle not yet released.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import CCGRole
from assessment.models import Cycle, Rating
from evidence.models import Submission
from letters.models import LetterSettings
from letters.selectors import default_wording, letter_settings
from letters.wording import LetterWording
from results.selectors import final_ratings
from support.models import ImprovementSession, SessionEvent

STATUS_FILTERS = tuple(ImprovementSession.Status.values)


def default_offered_on(cycle: Cycle, rating: Rating) -> dt.date:
    """The day the offer was made: the letter's release, or, for a CCG moved into an offer
    band by a rating made after the release (a review's), the day of that rating (its letter
    is reissued with the offer)."""
    if rating.supersedes_id and rating.finalised_at > cycle.released_at:
        return timezone.localdate(rating.finalised_at)
    return timezone.localdate(cycle.released_at)


@dataclass
class SupportRow:
    """One CCG on the improvement-support list."""

    submission: Submission
    rating: Rating
    session: ImprovementSession | None
    offered: bool  # its rating in force is in an offer band

    @property
    def status(self) -> str:
        return self.session.status if self.session else ImprovementSession.Status.OFFERED

    @property
    def no_longer_offered(self) -> bool:
        return not self.offered

    @property
    def offered_on(self) -> dt.date:
        if self.session:
            return self.session.offered_on
        return default_offered_on(self.submission.cycle, self.rating)


def _rows(ratings, sessions, wordings: dict[int, LetterWording]) -> list[SupportRow]:
    by_submission = {session.submission_id: session for session in sessions}
    rows = []
    for rating in ratings:
        submission = rating.submission
        offered = wordings[submission.cycle_id].offers_session(rating.band_label)
        session = by_submission.get(submission.pk)
        if offered or session is not None:
            rows.append(SupportRow(submission, rating, session, offered))
    return rows


def support_rows(cycle: Cycle, *, status: str | None = None) -> list[SupportRow]:
    """The CCGs of a released cycle offered the session, and any whose session was recorded
    before a review moved them out of the offer bands, by CCG name; only those with
    ``status`` when given (3 queries; none before release)."""
    if not cycle.is_released():
        return []
    wording = letter_settings(cycle).wording
    ratings = (
        final_ratings()
        .filter(submission__cycle=cycle)
        .select_related("submission__ccg", "submission__cycle")
        .order_by("submission__ccg__name", "pk")
    )
    sessions = ImprovementSession.objects.filter(submission__cycle=cycle)
    rows = _rows(ratings, sessions, {cycle.pk: wording})
    if status in STATUS_FILTERS:
        rows = [row for row in rows if row.status == status]
    return rows


def missing_sessions(cycle: Cycle) -> list[SupportRow]:
    """The offered CCGs of a released cycle that have no session row yet."""
    return [row for row in support_rows(cycle) if row.session is None and row.offered]


def status_counts(rows: list[SupportRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def session_row(session: ImprovementSession) -> SupportRow | None:
    """The session with its CCG's rating in force and whether it is still offered."""
    submission = session.submission
    rating = final_ratings().filter(submission=submission).first()
    if rating is None:
        return None
    wording = letter_settings(submission.cycle).wording
    return SupportRow(submission, rating, session, wording.offers_session(rating.band_label))


def history(session: ImprovementSession):
    return SessionEvent.objects.filter(session=session).select_related("actor").order_by("at", "pk")


def _wordings(cycle_ids) -> dict[int, LetterWording]:
    """The letter wording in force of each cycle (one query)."""
    found = {
        row.cycle_id: LetterWording.from_dict(row.wording)
        for row in LetterSettings.objects.filter(cycle__in=cycle_ids)
    }
    missing = [pk for pk in cycle_ids if pk not in found]
    for cycle in Cycle.objects.filter(pk__in=missing):
        found[cycle.pk] = default_wording(cycle)
    return found


def sessions_for_ccg_people(user) -> list[SupportRow]:
    """The sessions offered to the CCGs of released cycles where ``user`` is accountable
    officer or engagement lead (for every cycle, or for that one), newest cycle first, and
    those recorded before a review moved the CCG out of the offer bands."""
    if not (user and user.is_authenticated):
        return []
    roles = list(
        CCGRole.objects.filter(
            user=user, role__in=[CCGRole.Role.LEAD, CCGRole.Role.ACCOUNTABLE_OFFICER]
        ).values_list("ccg_id", "cycle_id")
    )
    if not roles:
        return []
    scope = Q(pk__in=[])
    for ccg_id, cycle_id in roles:
        scope |= Q(
            submission__ccg_id=ccg_id, **({"submission__cycle_id": cycle_id} if cycle_id else {})
        )
    ratings = list(
        final_ratings()
        .filter(scope, submission__cycle__released_at__lte=timezone.now())
        .select_related("submission__ccg", "submission__cycle")
        .order_by("-submission__cycle__label", "submission__ccg__name")
    )
    if not ratings:
        return []
    sessions = ImprovementSession.objects.filter(submission__in=[r.submission_id for r in ratings])
    wordings = _wordings(sorted({rating.submission.cycle_id for rating in ratings}))
    return _rows(ratings, sessions, wordings)

"""The assessment workflow, as pure Python: statuses, the transition table, criterion findings.

``TRANSITIONS`` is the single source of truth; ``next_status`` refuses anything else, and
``ALREADY_DONE`` says what a repeated action answers instead of doing it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum

# Assessors have six weeks after the evidence deadline (the national team's plan; a cycle
# setting if it ever varies).
ASSESSMENT_PERIOD = timedelta(weeks=6)


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Action(StrEnum):
    SUBMIT = "submit"
    REOPEN = "reopen"  # a moderator or admin sends a submitted assessment back


class Finding(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"

    @property
    def label(self) -> str:
        return {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}[self.value]


TRANSITIONS: Mapping[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.REOPEN): Status.DRAFT,
}

ALREADY_DONE: Mapping[tuple[Status, Action], str] = {
    (Status.SUBMITTED, Action.SUBMIT): "You have already submitted this assessment.",
    (Status.DRAFT, Action.REOPEN): "This assessment is already a draft.",
}


class IllegalTransition(ValueError):
    pass


def next_status(status: Status | str, action: Action | str) -> Status:
    key = (Status(status), Action(action))
    if key not in TRANSITIONS:
        raise IllegalTransition(f"A {key[0]} assessment cannot be {key[1]}ed.")
    return TRANSITIONS[key]


def missing_for_submit(
    *,
    domain_scores: Mapping[str, int | None],
    rationales: Mapping[str, str],
    criteria: int,
    findings: int,
) -> list[str]:
    """What stops an assessor submitting: every domain scored with a rationale, every
    criterion given a finding. Plain-English lines for the page."""
    problems = []
    for code in sorted(domain_scores):
        if domain_scores[code] is None:
            problems.append(f"Score domain {code}.")
        elif not (rationales.get(code) or "").strip():
            problems.append(f"Give the rationale for domain {code}.")
    if findings < criteria:
        problems.append(f"Record a finding for every criterion ({findings} of {criteria} done).")
    return problems


# --------------------------------------------------------------------------- moderation


class ModerationStatus(StrEnum):
    OPEN = "open"
    PROPOSED = "proposed"
    FINAL = "final"


class ModerationAction(StrEnum):
    PROPOSE = "propose"
    CONFIRM = "confirm"
    SEND_BACK = "send_back"


MODERATION_TRANSITIONS: Mapping[tuple[ModerationStatus, ModerationAction], ModerationStatus] = {
    (ModerationStatus.OPEN, ModerationAction.PROPOSE): ModerationStatus.PROPOSED,
    (ModerationStatus.PROPOSED, ModerationAction.CONFIRM): ModerationStatus.FINAL,
    (ModerationStatus.PROPOSED, ModerationAction.SEND_BACK): ModerationStatus.OPEN,
}

MODERATION_ALREADY_DONE: Mapping[tuple[ModerationStatus, ModerationAction], str] = {
    (ModerationStatus.PROPOSED, ModerationAction.PROPOSE): "This rating has already been proposed.",
    (ModerationStatus.FINAL, ModerationAction.CONFIRM): "This rating is already final.",
    (ModerationStatus.FINAL, ModerationAction.PROPOSE): "This rating is already final.",
    (ModerationStatus.FINAL, ModerationAction.SEND_BACK): "This rating is final: it cannot be "
    "sent back.",
    (ModerationStatus.OPEN, ModerationAction.SEND_BACK): "This rating has not been proposed yet.",
    (ModerationStatus.OPEN, ModerationAction.CONFIRM): "This rating has not been proposed yet.",
}


def next_moderation_status(
    status: ModerationStatus | str, action: ModerationAction | str
) -> ModerationStatus:
    key = (ModerationStatus(status), ModerationAction(action))
    if key not in MODERATION_TRANSITIONS:
        raise IllegalTransition(f"A {key[0]} moderation cannot be {key[1]}.")
    return MODERATION_TRANSITIONS[key]


def agreed_score_needs_reason(agreed: int, assessor_scores: tuple[int, ...]) -> bool:
    """An agreed score that differs from either assessor's must say why."""
    return any(agreed != score for score in assessor_scores)

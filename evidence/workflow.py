"""The submission workflow and its rules, as pure Python.

``TRANSITIONS`` is the single source of truth for how a submission's status may
change; ``next_status`` refuses anything else. Whether a draft can still be
edited depends on the deadline and any extension (the deadline day itself is
included). A domain's progress on the task list is derived, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

MAX_ITEMS_PER_CRITERION = 3  # the 2018/19 template's limit: up to 3 pieces of evidence


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Action(StrEnum):
    SUBMIT = "submit"
    REOPEN = "reopen"  # a national admin returns a submitted submission to draft


class Progress(StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETE = "Complete"


TRANSITIONS: Mapping[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.REOPEN): Status.DRAFT,
}

# What a repeated action says instead of doing anything twice.
ALREADY_DONE: Mapping[tuple[Status, Action], str] = {
    (Status.SUBMITTED, Action.SUBMIT): "This submission has already been submitted.",
    (Status.DRAFT, Action.REOPEN): "This submission is already a draft.",
}


class IllegalTransition(ValueError):
    pass


def next_status(status: Status | str, action: Action | str) -> Status:
    key = (Status(status), Action(action))
    if key not in TRANSITIONS:
        raise IllegalTransition(f"A {key[0]} submission cannot be {key[1]}ed.")
    return TRANSITIONS[key]


def effective_deadline(deadline: date, extension_until: date | None) -> date:
    """The last day a draft may be edited: the cycle's deadline or a later extension."""
    if extension_until is not None and extension_until > deadline:
        return extension_until
    return deadline


def is_editable(
    status: Status | str, *, today: date, deadline: date, extension_until: date | None
) -> bool:
    return Status(status) == Status.DRAFT and today <= effective_deadline(deadline, extension_until)


def days_left(today: date, deadline: date, extension_until: date | None) -> int:
    return (effective_deadline(deadline, extension_until) - today).days


def domain_progress(*, has_narrative: bool, criteria_with_evidence: int, criteria: int) -> Progress:
    """Complete when the narrative is written and every criterion has evidence."""
    if not has_narrative and criteria_with_evidence == 0:
        return Progress.NOT_STARTED
    if has_narrative and criteria_with_evidence >= criteria:
        return Progress.COMPLETE
    return Progress.IN_PROGRESS

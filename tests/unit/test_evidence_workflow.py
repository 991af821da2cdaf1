"""The submission workflow rules (evidence/workflow.py), every (status, action) pair."""

from datetime import date

import pytest

from evidence.workflow import (
    ALREADY_DONE,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Progress,
    Status,
    days_left,
    domain_progress,
    effective_deadline,
    is_editable,
    next_status,
)

DEADLINE = date(2020, 7, 31)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_status_action_pair_is_a_transition_a_no_op_or_refused(status, action):
    key = (status, action)
    if key in TRANSITIONS:
        assert next_status(status, action) == TRANSITIONS[key]
    else:
        assert key in ALREADY_DONE
        with pytest.raises(IllegalTransition):
            next_status(status, action)


def test_submit_then_reopen_round_trip():
    assert next_status("draft", "submit") == Status.SUBMITTED
    assert next_status("submitted", "reopen") == Status.DRAFT


@pytest.mark.parametrize(
    ("today", "extension", "editable"),
    [
        (date(2020, 7, 30), None, True),
        (DEADLINE, None, True),  # the deadline day itself is included
        (date(2020, 8, 1), None, False),
        (date(2020, 8, 1), date(2020, 8, 14), True),
        (date(2020, 8, 14), date(2020, 8, 14), True),
        (date(2020, 8, 15), date(2020, 8, 14), False),
        (date(2020, 7, 31), date(2020, 7, 1), True),  # an earlier "extension" never shortens
    ],
)
def test_a_draft_is_editable_until_the_end_of_its_deadline_or_extension(today, extension, editable):
    assert (
        is_editable("draft", today=today, deadline=DEADLINE, extension_until=extension) is editable
    )


def test_a_submitted_submission_is_never_editable():
    assert not is_editable(
        "submitted", today=date(2020, 1, 1), deadline=DEADLINE, extension_until=None
    )


def test_effective_deadline_and_days_left():
    assert effective_deadline(DEADLINE, None) == DEADLINE
    assert effective_deadline(DEADLINE, date(2020, 8, 14)) == date(2020, 8, 14)
    assert days_left(date(2020, 7, 17), DEADLINE, None) == 14


@pytest.mark.parametrize(
    ("narrative", "with_evidence", "criteria", "expected"),
    [
        (False, 0, 4, Progress.NOT_STARTED),
        (True, 0, 4, Progress.IN_PROGRESS),
        (False, 4, 4, Progress.IN_PROGRESS),
        (True, 3, 4, Progress.IN_PROGRESS),
        (True, 4, 4, Progress.COMPLETE),
    ],
)
def test_domain_progress(narrative, with_evidence, criteria, expected):
    assert (
        domain_progress(
            has_narrative=narrative, criteria_with_evidence=with_evidence, criteria=criteria
        )
        == expected
    )

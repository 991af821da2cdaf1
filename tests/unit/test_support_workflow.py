"""The improvement session's transition table and the dates each status needs
(``support.workflow``, pure: no Django, no database)."""

import itertools
from datetime import date, datetime, timedelta

import pytest

from support.workflow import (
    TRANSITIONS,
    IllegalTransition,
    InvalidDates,
    SessionState,
    Status,
    allowed_moves,
    check_move,
    next_state,
)

NOW = datetime(2020, 11, 25, 10, 0)
TODAY = NOW.date()
OFFERED_ON = date(2020, 11, 2)
LATER = NOW + timedelta(days=7)

ALLOWED = {
    (Status.OFFERED, Status.BOOKED),
    (Status.OFFERED, Status.DECLINED),
    (Status.BOOKED, Status.BOOKED),
    (Status.BOOKED, Status.HELD),
    (Status.BOOKED, Status.DECLINED),
    (Status.DECLINED, Status.BOOKED),
}


def state(status, **dates):
    defaults = {
        Status.BOOKED: {"booked_for": NOW + timedelta(days=1)},
        Status.HELD: {"booked_for": NOW - timedelta(days=1), "held_on": TODAY},
        Status.DECLINED: {"declined_on": TODAY},
    }.get(status, {})
    return SessionState(status=status, offered_on=OFFERED_ON, **(defaults | dates))


def good_dates(new):
    return {
        Status.BOOKED: {"booked_for": LATER},
        Status.HELD: {"held_on": TODAY},
        Status.DECLINED: {"declined_on": TODAY},
        Status.OFFERED: {},
    }[new]


@pytest.mark.parametrize("current,new", list(itertools.product(Status, Status)))
def test_every_pair_is_allowed_or_refused_as_the_table_says(current, new):
    if (current, new) in ALLOWED:
        after = next_state(state(current), new, now=NOW, **good_dates(new))
        assert after.status == new
        assert new in allowed_moves(current)
    else:
        with pytest.raises(IllegalTransition):
            next_state(state(current), new, now=NOW, **good_dates(new))
        assert new not in allowed_moves(current)


def test_the_table_is_the_documented_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert TRANSITIONS[Status.HELD] == frozenset()


@pytest.mark.parametrize(
    "current,new,message",
    [
        (Status.HELD, Status.DECLINED, "has been held"),
        (Status.OFFERED, Status.OFFERED, "already offered"),
        (Status.DECLINED, Status.DECLINED, "already declined"),
        (Status.OFFERED, Status.HELD, "book it first"),
        (Status.DECLINED, Status.HELD, "book it first"),
        (Status.BOOKED, Status.OFFERED, "cannot go back to offered"),
    ],
)
def test_refusals_say_why(current, new, message):
    with pytest.raises(IllegalTransition, match=message):
        check_move(current, new)


def test_booking_needs_a_time_in_the_future():
    with pytest.raises(InvalidDates) as missing:
        next_state(state(Status.OFFERED), Status.BOOKED, now=NOW)
    assert missing.value.errors == {
        "booked_for": "Enter the date and time the session is booked for"
    }
    with pytest.raises(InvalidDates, match="a time in the future"):
        next_state(state(Status.OFFERED), Status.BOOKED, now=NOW, booked_for=NOW)
    booked = next_state(state(Status.OFFERED), Status.BOOKED, now=NOW, booked_for=LATER)
    assert booked == SessionState(Status.BOOKED, OFFERED_ON, booked_for=LATER)


def test_booking_before_the_offer_is_refused():
    early = SessionState(Status.OFFERED, offered_on=LATER.date() + timedelta(days=1))
    with pytest.raises(InvalidDates, match="before it was offered"):
        next_state(early, Status.BOOKED, now=NOW, booked_for=LATER)


def test_rebooking_needs_a_new_time_and_keeps_the_offer():
    booked = state(Status.BOOKED, booked_for=LATER)
    with pytest.raises(IllegalTransition, match="already booked for that time"):
        next_state(booked, Status.BOOKED, now=NOW, booked_for=LATER)
    moved = next_state(booked, Status.BOOKED, now=NOW, booked_for=LATER + timedelta(hours=2))
    assert moved.booked_for == LATER + timedelta(hours=2)
    assert moved.offered_on == OFFERED_ON


@pytest.mark.parametrize("new,field", [(Status.HELD, "held_on"), (Status.DECLINED, "declined_on")])
def test_held_and_declined_need_a_day_between_the_offer_and_today(new, field):
    booked = state(Status.BOOKED)
    with pytest.raises(InvalidDates) as missing:
        next_state(booked, new, now=NOW)
    assert list(missing.value.errors) == [field]
    with pytest.raises(InvalidDates, match="today or in the past"):
        next_state(booked, new, now=NOW, **{field: TODAY + timedelta(days=1)})
    with pytest.raises(InvalidDates, match="on or after 2 November 2020"):
        next_state(booked, new, now=NOW, **{field: OFFERED_ON - timedelta(days=1)})
    after = next_state(booked, new, now=NOW, **{field: OFFERED_ON})
    assert getattr(after, field) == OFFERED_ON
    assert after.booked_for == booked.booked_for  # the booking stays on record


def test_booking_again_after_a_decline_clears_the_decline():
    declined = state(Status.DECLINED)
    booked = next_state(declined, Status.BOOKED, now=NOW, booked_for=LATER)
    assert (booked.status, booked.declined_on, booked.booked_for) == (Status.BOOKED, None, LATER)


def test_dates_the_new_status_does_not_need_are_ignored():
    after = next_state(
        state(Status.OFFERED), Status.DECLINED, now=NOW, declined_on=TODAY, held_on=TODAY
    )
    assert after.held_on is None

"""The rules of an improvement session's status, as pure functions (no Django import).

A CCG rated in a band its letter offers the one-to-one session to (Amber and Red by
default) has a session, first *offered*. ``TRANSITIONS`` is the one table of the moves
between statuses, and ``next_state`` applies one move with the dates it needs:

* offered -> booked (``booked_for``: a date and time still to come) or declined;
* booked -> held (``held_on``: not in the future), declined, or booked again (a new time:
  rebooking);
* declined -> booked: a CCG that declined may change its mind, while the offer stands
  (the letter makes the offer for the year; nothing in it withdraws it);
* held is final: the session took place, and its record is not changed afterwards.

Every date a status records is on or after the day the session was offered, and a day
that has happened (held, declined) is not in the future. Dates of earlier statuses stay
recorded (a held session keeps the time it was booked for), except that booking again
after a decline clears the decline. Repeating the status a session already has is
refused with "already ...", except rebooking to a different time.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime


class Status(enum.StrEnum):
    OFFERED = "offered"
    BOOKED = "booked"
    HELD = "held"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return self.value.capitalize()


TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.OFFERED: frozenset({Status.BOOKED, Status.DECLINED}),
    Status.BOOKED: frozenset({Status.BOOKED, Status.HELD, Status.DECLINED}),
    Status.DECLINED: frozenset({Status.BOOKED}),
    Status.HELD: frozenset(),
}

# The date each status records, named as the session's fields.
DATE_OF: Mapping[Status, str] = {
    Status.OFFERED: "offered_on",
    Status.BOOKED: "booked_for",
    Status.HELD: "held_on",
    Status.DECLINED: "declined_on",
}


class IllegalTransition(ValueError):
    """A move the table does not allow; the message is for the user."""


class InvalidDates(ValueError):
    """Dates missing or out of order: ``errors`` maps a date field to its message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


@dataclass(frozen=True)
class SessionState:
    status: Status
    offered_on: date
    booked_for: datetime | None = None
    held_on: date | None = None
    declined_on: date | None = None


def allowed_moves(status: Status) -> tuple[Status, ...]:
    """The statuses a session of ``status`` may move to, in the table's order of statuses."""
    return tuple(s for s in Status if s in TRANSITIONS[Status(status)])


def check_move(current: Status, new: Status) -> None:
    """Raise ``IllegalTransition`` unless the table allows ``current`` -> ``new``."""
    current, new = Status(current), Status(new)
    if new in TRANSITIONS[current]:
        return
    if current == Status.HELD:
        raise IllegalTransition("The session has been held; its record cannot be changed.")
    if new == current:
        raise IllegalTransition(f"The session is already {current.value}.")
    if new == Status.OFFERED:
        raise IllegalTransition("A session cannot go back to offered; record what happened.")
    if new == Status.HELD:
        raise IllegalTransition(f"A session that is {current.value} cannot be held: book it first.")
    raise IllegalTransition(f"A session that is {current.value} cannot be {new.value}.")


def next_state(
    state: SessionState,
    new: Status,
    *,
    now: datetime,
    booked_for: datetime | None = None,
    held_on: date | None = None,
    declined_on: date | None = None,
) -> SessionState:
    """The session after moving to ``new`` with the dates given (``now`` is the local time,
    of the same awareness as ``booked_for``). Raises ``IllegalTransition`` or
    ``InvalidDates``; dates the new status does not need are ignored."""
    new = Status(new)
    check_move(state.status, new)
    today = now.date()
    errors: dict[str, str] = {}
    offered = f"{state.offered_on.day} {state.offered_on:%B %Y}"
    if new == Status.BOOKED:
        if booked_for is None:
            errors["booked_for"] = "Enter the date and time the session is booked for"
        elif booked_for <= now:
            errors["booked_for"] = "The session must be booked for a time in the future"
        elif booked_for.date() < state.offered_on:
            errors["booked_for"] = f"The session cannot be booked before it was offered ({offered})"
        elif state.status == Status.BOOKED and booked_for == state.booked_for:
            raise IllegalTransition("The session is already booked for that time.")
        if errors:
            raise InvalidDates(errors)
        return dataclasses.replace(state, status=new, booked_for=booked_for, declined_on=None)
    field, day, what = (
        ("held_on", held_on, "held")
        if new == Status.HELD
        else ("declined_on", declined_on, "declined")
    )
    if day is None:
        errors[field] = f"Enter the date the session was {what}"
    elif day > today:
        errors[field] = f"The date the session was {what} must be today or in the past"
    elif day < state.offered_on:
        errors[field] = f"The date the session was {what} must be on or after {offered}"
    if errors:
        raise InvalidDates(errors)
    return dataclasses.replace(state, status=new, **{field: day})

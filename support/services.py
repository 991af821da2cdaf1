"""Writes of improvement support: the sessions offered to the CCGs of a released cycle, and
every change of a session's status (``update_session``, the one writer of a change).

Each change is checked against ``support.workflow`` (the transition table and the dates
each status needs), saved with an append-only ``SessionEvent``, and e-mailed, as a notice
from the outbox (``letters.services.queue_notices``), to the CCG's accountable officers
and engagement leads: one notice per person and change, whichever CCGs they hold.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import CCGRole
from assessment.models import Cycle
from evidence.notifications import people_of
from letters import services as letters
from support import selectors, workflow
from support.models import ImprovementSession, SessionEvent

MAX_NOTE = 2000


class SupportError(Exception):
    """A change the rules refuse. ``errors`` maps a date field to its message, when the
    fault is in one; the message is for the user."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


def _require_admin(actor) -> None:
    if actor is None or not actor.has_perm("support.manage_sessions"):
        raise PermissionDenied("support.manage_sessions")


def sync_sessions(cycle: Cycle) -> int:
    """Record an offered session (with its first history row) for every CCG of a released
    cycle whose rating in force is in an offer band and that has none yet. Idempotent: the
    list page calls it on every view, and it writes only when a CCG is missing (under the
    cycle's row lock, so two calls at once make each session once; the submission's unique
    constraint stands behind it). Sessions are never removed. Returns how many it made."""
    if not selectors.missing_sessions(cycle):
        return 0
    with transaction.atomic():
        Cycle.objects.select_for_update().get(pk=cycle.pk)
        missing = selectors.missing_sessions(cycle)
        sessions = ImprovementSession.objects.bulk_create(
            ImprovementSession(
                submission=row.submission,
                offered_on=row.offered_on,
                status=ImprovementSession.Status.OFFERED,
            )
            for row in missing
        )
        SessionEvent.objects.bulk_create(
            SessionEvent(
                session=session,
                to_status=ImprovementSession.Status.OFFERED,
                offered_on=session.offered_on,
                note="Offered in the outcome letter.",
            )
            for session in sessions
        )
    return len(sessions)


def update_session(
    session: ImprovementSession,
    status: str,
    *,
    actor,
    booked_for: datetime | None = None,
    held_on: date | None = None,
    declined_on: date | None = None,
    note: str = "",
) -> ImprovementSession:
    """Move a session to ``status`` with the dates it needs.

    Raises ``PermissionDenied`` (not a national admin) or ``SupportError`` (a move the
    table refuses, dates missing or out of order, a cycle not released): nothing is changed
    then. Side effects: row lock on the session; its status, dates, notes and updated_by;
    one ``SessionEvent``; one notice per accountable officer and lead of the CCG in the
    outbox, queued for sending once the transaction commits.
    """
    _require_admin(actor)
    note = (note or "").strip()[:MAX_NOTE]
    with transaction.atomic():
        session = (
            ImprovementSession.objects.select_for_update(of=("self",))
            .select_related("submission__ccg", "submission__cycle")
            .get(pk=session.pk)
        )
        submission = session.submission
        if not submission.cycle.is_released():
            raise SupportError("The cycle's results have not been released.")
        state = workflow.SessionState(
            status=workflow.Status(session.status),
            offered_on=session.offered_on,
            booked_for=timezone.localtime(session.booked_for) if session.booked_for else None,
            held_on=session.held_on,
            declined_on=session.declined_on,
        )
        try:
            new = workflow.next_state(
                state, status, now=timezone.localtime(),
                booked_for=timezone.localtime(booked_for) if booked_for else None,
                held_on=held_on, declined_on=declined_on,
            )  # fmt: skip
        except workflow.InvalidDates as error:
            raise SupportError(str(error), error.errors) from None
        except (workflow.IllegalTransition, ValueError) as error:
            raise SupportError(str(error)) from None
        before = session.status
        session.status = new.status.value
        session.booked_for = new.booked_for
        session.held_on = new.held_on
        session.declined_on = new.declined_on
        if note:
            session.notes = note
        session.updated_by = actor
        session.save(
            update_fields=[
                "status", "booked_for", "held_on", "declined_on", "notes", "updated_by",
                "updated_at",
            ]
        )  # fmt: skip
        event = SessionEvent.objects.create(
            session=session, from_status=before, to_status=session.status,
            offered_on=session.offered_on, booked_for=session.booked_for,
            held_on=session.held_on, declined_on=session.declined_on, note=note, actor=actor,
        )  # fmt: skip
        _queue_notice(session, event)
    return session


def recipients(submission):
    """The CCG's accountable officers and engagement leads, each once, by e-mail address."""
    people = {
        person.pk: person
        for role in (CCGRole.Role.ACCOUNTABLE_OFFICER, CCGRole.Role.LEAD)
        for person in people_of(submission, role)
    }
    return sorted(people.values(), key=lambda person: person.email)


def _queue_notice(session: ImprovementSession, event: SessionEvent) -> list[int]:
    submission = session.submission
    context = {
        "session": session,
        "event": event,
        "ccg": submission.ccg,
        "cycle": submission.cycle,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("support/email/session_subject.txt", context).strip()
    body = render_to_string("support/email/session.txt", context)
    return letters.queue_notices(
        submission,
        recipients(submission),
        key=f"support-event:{event.pk}",
        subject=subject,
        body=body,
    )

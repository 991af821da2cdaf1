"""Improvement support: the CCGs of a released cycle offered the one-to-one session, each
session's status with its dates and history, and the notices e-mailed from the outbox.

The world: 2019/20 released yesterday, West Norfolk (07J) rated 9 Amber, Halton (01F) 13
Green, a Red CCG (3) and a Green star CCG (14); the letter offers the session to Red and
Amber (the seed wording's default).
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CCGRole
from assessment.moderation import current_rating, record_rating
from evidence.models import Submission
from evidence.services import open_submissions
from letters import services as letters
from letters.models import OutboxMessage
from support import selectors, services
from support.models import ImprovementSession, SessionEvent
from tests.factories import CCGFactory, CCGRoleFactory, UserFactory
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db

AMBER = {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2}  # 9
GREEN = {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2}  # 13
RED = {"A": 1, "B": 1, "C": 1, "D": 0, "E": 0}  # 3
GREEN_STAR = {"A": 3, "B": 3, "C": 3, "D": 3, "E": 2}  # 14


def rate(submission, scores, roles, *, supersedes=None):
    second = UserFactory(is_moderator=True)
    return record_rating(
        submission, scores, proposed_by=roles.moderator, confirmed_by=second,
        supersedes=supersedes,
    )  # fmt: skip


def release(cycle, *, at=None):
    cycle.released_at = at or timezone.now() - timedelta(days=1)
    cycle.save(update_fields=["released_at"])


@pytest.fixture
def rated(cycle, submission, other_submission, roles):
    """Four CCGs rated, one in each band; not yet released."""
    red_ccg = CCGFactory(name="NHS Red CCG")
    star_ccg = CCGFactory(name="NHS Star CCG")
    open_submissions(cycle)
    red = Submission.objects.get(cycle=cycle, ccg=red_ccg)
    star = Submission.objects.get(cycle=cycle, ccg=star_ccg)
    for each, scores in ((submission, AMBER), (other_submission, GREEN), (red, RED),
                         (star, GREEN_STAR)):  # fmt: skip
        rate(each, scores, roles)
    return SimpleNamespace(
        cycle=cycle, amber=submission, green=other_submission, red=red, star=star
    )


@pytest.fixture
def released(rated):
    release(rated.cycle)
    rated.cycle.refresh_from_db()
    services.sync_sessions(rated.cycle)
    rated.session = ImprovementSession.objects.get(submission=rated.amber)
    rated.red_session = ImprovementSession.objects.get(submission=rated.red)
    return rated


def names(rows):
    return [row.submission.ccg.name for row in rows]


def later(days=7, hour=14):
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def notices():
    return OutboxMessage.objects.filter(kind=OutboxMessage.Kind.NOTICE)


# --------------------------------------------------------------------------- who is offered


def test_amber_and_red_are_listed_green_and_green_star_are_not(released):
    rows = selectors.support_rows(released.cycle)
    assert names(rows) == ["NHS Red CCG", "NHS West Norfolk CCG"]
    assert all(row.offered and row.status == "offered" for row in rows)
    assert ImprovementSession.objects.count() == 2


def test_an_unreleased_cycle_lists_nothing(rated, client, roles):
    assert selectors.support_rows(rated.cycle) == []
    release(rated.cycle, at=timezone.now() + timedelta(days=2))  # set, but still to come
    assert selectors.support_rows(rated.cycle) == []
    client.force_login(roles.admin)
    page = client.get(reverse("support:cycle", args=[rated.cycle.slug])).content.decode()
    assert "have not been released" in page
    assert "West Norfolk" not in page
    assert ImprovementSession.objects.count() == 0


def test_the_session_is_offered_on_the_release_date_with_a_first_history_row(released):
    session = released.session
    assert session.offered_on == timezone.localdate(released.cycle.released_at)
    (event,) = SessionEvent.objects.filter(session=session)
    assert (event.from_status, event.to_status, event.actor) == ("", "offered", None)
    assert services.sync_sessions(released.cycle) == 0  # idempotent


def test_the_bands_come_from_the_cycles_letter_wording(released, roles):
    import dataclasses

    from letters.selectors import letter_settings

    facts = letter_settings(released.cycle)
    letters.save_wording(
        released.cycle, dataclasses.replace(facts.wording, amber_offer_bands=("Amber",)),
        letter_date=facts.letter_date, actor=roles.admin,
    )  # fmt: skip
    rows = selectors.support_rows(released.cycle)
    # Red is no longer offered, but its session stays listed, marked.
    assert [(n, row.offered) for n, row in zip(names(rows), rows, strict=True)] == [
        ("NHS Red CCG", False), ("NHS West Norfolk CCG", True),
    ]  # fmt: skip


def test_a_review_out_of_the_bands_keeps_the_session_marked_and_one_into_them_offers_one(
    released, roles, client
):
    rate(released.amber, GREEN, roles, supersedes=current_rating(released.amber))
    rate(released.green, AMBER, roles, supersedes=current_rating(released.green))
    services.sync_sessions(released.cycle)
    rows = {row.submission.ccg.name: row for row in selectors.support_rows(released.cycle)}
    assert rows["NHS West Norfolk CCG"].no_longer_offered
    assert rows["NHS West Norfolk CCG"].session == released.session
    assert rows["NHS Halton CCG"].offered
    # Offered with the reissued letter: the day of the new rating, not the release.
    assert rows["NHS Halton CCG"].session.offered_on == timezone.localdate()
    client.force_login(roles.admin)
    page = client.get(reverse("support:cycle", args=[released.cycle.slug])).content.decode()
    assert page.count("No longer offered") == 1
    detail = client.get(reverse("support:session", args=[released.session.pk])).content.decode()
    assert "is no longer in a band the letter offers the session to" in detail


# --------------------------------------------------------------------------- transitions


def test_booking_rebooking_and_holding_record_their_dates_and_history(released, roles):
    session, first, second = released.session, later(7), later(8, 10)
    services.update_session(session, "booked", booked_for=first, actor=roles.admin,
                            note="Agreed by phone")  # fmt: skip
    services.update_session(session, "booked", booked_for=second, actor=roles.admin)
    with pytest.raises(services.SupportError, match="Enter the date the session was held"):
        services.update_session(session, "held", actor=roles.admin)
    services.update_session(session, "held", held_on=timezone.localdate(), actor=roles.admin)
    session.refresh_from_db()
    assert session.status == "held"
    assert session.booked_for == second
    assert session.held_on == timezone.localdate()
    assert session.notes == "Agreed by phone"
    assert session.updated_by == roles.admin
    moves = list(session.events.values_list("from_status", "to_status", "booked_for", "actor"))
    assert moves == [
        ("", "offered", None, None),
        ("offered", "booked", first, roles.admin.pk),
        ("booked", "booked", second, roles.admin.pk),
        ("booked", "held", second, roles.admin.pk),
    ]


def test_declining_then_booking_after_all_then_declining(released, roles):
    session, today = released.session, timezone.localdate()
    services.update_session(session, "declined", declined_on=today, actor=roles.admin)
    session.refresh_from_db()
    assert (session.status, session.declined_on) == ("declined", today)
    services.update_session(session, "booked", booked_for=later(), actor=roles.admin)
    session.refresh_from_db()
    assert (session.status, session.declined_on) == ("booked", None)
    services.update_session(session, "declined", declined_on=today, actor=roles.admin)
    session.refresh_from_db()
    assert session.status == "declined"
    assert session.booked_for == later()  # the booking stays on record
    assert session.events.count() == 4


def session_state(session):
    session = ImprovementSession.objects.get(pk=session.pk)
    return (
        session.status, session.booked_for, session.held_on, session.declined_on,
        session.notes, session.events.count(), OutboxMessage.objects.count(),
    )  # fmt: skip


@pytest.mark.parametrize(
    "moves,status,dates,message",
    [
        ([], "held", {"held_on": 0}, "cannot be held: book it first"),
        ([], "offered", {}, "already offered"),
        ([("held", {"held_on": 0})], "declined", {"declined_on": 0}, "has been held"),
        ([("declined", {"declined_on": 0})], "declined", {"declined_on": 0}, "already declined"),
        ([], "booked", {"booked_for": -1}, "a time in the future"),
        ([], "booked", {}, "Enter the date and time"),
        ([], "declined", {"declined_on": 1}, "today or in the past"),
        ([], "declined", {"declined_on": -400}, "must be on or after"),
        ([], "cancelled", {}, "not a valid Status"),
    ],
)
def test_illegal_transitions_are_refused_with_a_clear_message_and_nothing_lost(
    released, roles, moves, status, dates, message
):
    session = released.session

    def resolve(values):
        out = {}
        for name, days in values.items():
            if name == "booked_for":
                out[name] = timezone.now() + timedelta(days=days)
            else:
                out[name] = timezone.localdate() + timedelta(days=days)
        return out

    if moves and moves[0][0] == "held":
        services.update_session(session, "booked", booked_for=later(), actor=roles.admin)
    for move, values in moves:
        services.update_session(session, move, actor=roles.admin, **resolve(values))
    before = session_state(session)
    with pytest.raises(services.SupportError, match=message):
        services.update_session(session, status, actor=roles.admin, note="x", **resolve(dates))
    assert session_state(session) == before


@pytest.mark.parametrize("role", ["moderator", "officer", "lead", "assessor", "nobody"])
def test_only_a_national_admin_may_update_a_session(released, roles, role):
    with pytest.raises(PermissionDenied):
        services.update_session(
            released.session, "booked", booked_for=later(), actor=getattr(roles, role)
        )
    assert session_state(released.session)[0] == "offered"


def test_the_database_refuses_a_booking_without_a_time_and_a_changed_history(released):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImprovementSession.objects.filter(pk=released.session.pk).update(status="booked")
    with pytest.raises(Exception, match="cannot be changed"), transaction.atomic():
        SessionEvent.objects.filter(session=released.session).update(note="rewritten")


# --------------------------------------------------------------------------- notices


def test_each_update_puts_one_notice_per_officer_and_lead_in_the_outbox(released, roles):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    to = sorted(notices().values_list("recipient__email", flat=True))
    assert to == sorted([roles.officer.email, roles.lead.email])
    notice = notices().get(recipient=roles.officer)
    assert notice.status == "pending"
    assert notice.submission == released.amber
    assert notice.document is None
    assert "NHS West Norfolk CCG" in notice.subject and "booked" in notice.subject
    assert f"{later():%H:%M}" in notice.body
    assert "Agreed" not in notice.body  # notes are the national team's
    services.update_session(released.session, "held", held_on=timezone.localdate(),
                            actor=roles.admin)  # fmt: skip
    assert notices().filter(recipient=roles.officer).count() == 2


def test_an_officer_of_two_ccgs_gets_one_notice_per_ccg(released, roles):
    CCGRoleFactory(user=roles.officer, ccg=released.red.ccg, role=CCGRole.Role.ACCOUNTABLE_OFFICER)
    for session in (released.session, released.red_session):
        services.update_session(session, "booked", booked_for=later(), actor=roles.admin)
    mine = notices().filter(recipient=roles.officer)
    assert sorted(mine.values_list("submission__ccg__name", flat=True)) == [
        "NHS Red CCG", "NHS West Norfolk CCG",
    ]  # fmt: skip


def test_the_outbox_sender_sends_a_notice_once_without_an_attachment(released, roles):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    notice = notices().get(recipient=roles.officer)
    assert letters.send_message(notice.pk) is True
    assert letters.send_message(notice.pk) is False  # at most once
    (email,) = [m for m in mail.outbox if m.to == [roles.officer.email]]
    assert email.subject == notice.subject
    assert email.body == notice.body
    assert email.attachments == []
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.sent_at is not None


def test_beat_sends_notices_left_waiting_and_letters_sent_still_means_letters(released, roles):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    assert letters.send_due_messages() == 2  # queued (a worker sends them)
    # The dashboard's "letter sent" count (document kind letter) never counts a notice.
    assert not OutboxMessage.objects.filter(document__kind="letter").exists()
    assert OutboxMessage.objects.filter(kind="notice").count() == 2


def test_the_outbox_page_lists_notices_beside_letters(released, roles, client):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    client.force_login(roles.admin)
    cycle = released.cycle
    page = client.get(reverse("letters:outbox", args=[cycle.slug])).content.decode()
    assert page.count("Notice: Improvement support session for NHS West Norfolk CCG") == 2
    assert "0 sent, 2 waiting" in page
    notice = notices().get(recipient=roles.officer)
    preview = client.get(reverse("letters:message", args=[cycle.slug, notice.pk]))
    assert preview.status_code == 200
    assert "None (a notice)" in preview.content.decode()
    response = client.post(reverse("letters:message", args=[cycle.slug, notice.pk]),
                           {"action": "hold"})  # fmt: skip
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "held"
    assert letters.send_message(notice.pk) is False


def test_a_real_worker_sends_the_notices_after_the_update_commits(worker, cycle, submission, roles):
    rate(submission, AMBER, roles)
    release(cycle)
    services.sync_sessions(cycle)
    session = ImprovementSession.objects.get(submission=submission)
    services.update_session(session, "booked", booked_for=later(), actor=roles.admin)
    assert wait_for(lambda: notices().filter(status="sent").count() == 2), list(
        notices().values_list("status", "error")
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([roles.officer.email, roles.lead.email])


# --------------------------------------------------------------------------- pages


def post_update(client, session, **data):
    return client.post(reverse("support:session", args=[session.pk]), data)


def booking(day, time="14:00"):
    return {
        "status": "booked", "booked_date_day": day.day, "booked_date_month": day.month,
        "booked_date_year": day.year, "booked_time": time,
    }  # fmt: skip


def test_the_admin_books_a_session_through_the_page(released, roles, client):
    client.force_login(roles.admin)
    day = later().date()
    note = "By phone <script>alert(1)</script>"
    response = post_update(client, released.session, **booking(day), note=note)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Session booked" in page
    assert f"{day.day} {day:%B %Y} at 14:00" in page
    assert "By phone &lt;script&gt;alert(1)&lt;/script&gt;" in page  # history, escaped
    assert "<script>alert(1)" not in page
    released.session.refresh_from_db()
    assert timezone.localtime(released.session.booked_for).hour == 14


def test_the_page_names_the_missing_date_and_changes_nothing(released, roles, client):
    client.force_login(roles.admin)
    before = session_state(released.session)
    for data, message in (
        ({"status": "booked"}, "Enter the date and time the session is booked for"),
        ({**booking(later().date()), "booked_time": ""}, "Enter the time booked for"),
        ({"status": "declined"}, "Enter the date the session was declined"),
        ({"status": "held"}, "Select a status the session can move to"),
        ({}, "Select what happened to the session"),
    ):
        response = post_update(client, released.session, **data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert session_state(released.session) == before


def test_the_list_filters_by_status(released, roles, client):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    client.force_login(roles.moderator)
    url = reverse("support:cycle", args=[released.cycle.slug])
    booked = client.get(url, {"status": "booked"}).content.decode()
    assert "NHS West Norfolk CCG" in booked and "NHS Red CCG" not in booked
    offered = client.get(url, {"status": "offered"}).content.decode()
    assert "NHS Red CCG" in offered and "NHS West Norfolk CCG" not in offered
    everything = client.get(url, {"status": "<script>"}).content.decode()
    assert "NHS Red CCG" in everything and "NHS West Norfolk CCG" in everything


@pytest.mark.parametrize(
    "role,cycle_page,session_page,sees_form",
    [
        ("admin", 200, 200, True),
        ("moderator", 200, 200, False),
        ("assessor", 404, 404, False),
        ("lead", 404, 404, False),
        ("officer", 404, 404, False),
        ("nobody", 404, 404, False),
    ],
)
def test_each_role_sees_the_national_pages_as_expected(
    released, roles, client, role, cycle_page, session_page, sees_form
):
    client.force_login(getattr(roles, role))
    listing = client.get(reverse("support:cycle", args=[released.cycle.slug]))
    detail = client.get(reverse("support:session", args=[released.session.pk]))
    assert (listing.status_code, detail.status_code) == (cycle_page, session_page)
    if detail.status_code == 200:
        assert ("Record what happened" in detail.content.decode()) is sees_form
    if role != "admin":
        assert post_update(client, released.session, **booking(later().date())).status_code == 404
        assert session_state(released.session)[0] == "offered"


def test_signed_out_visitors_are_sent_to_sign_in(released, client):
    for url in (
        reverse("support:cycle", args=[released.cycle.slug]),
        reverse("support:session", args=[released.session.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_ccgs_own_people_see_its_session_on_the_letters_page(released, roles, client):
    services.update_session(released.session, "booked", booked_for=later(), actor=roles.admin)
    for user in (roles.officer, roles.lead):
        client.force_login(user)
        page = client.get(reverse("letters:home")).content.decode()
        assert "Improvement support" in page
        assert "NHS West Norfolk CCG" in page and "Booked for" in page
        assert "NHS Red CCG" not in page
    client.force_login(roles.other_officer)  # Halton: Green, not offered
    assert "Improvement support" not in client.get(reverse("letters:home")).content.decode()


def test_before_release_the_ccgs_people_see_no_session(rated, roles, client):
    client.force_login(roles.officer)
    assert "Improvement support" not in client.get(reverse("letters:home")).content.decode()
    assert selectors.sessions_for_ccg_people(roles.officer) == []


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_runs_a_fixed_number_of_queries(released, roles, client, cycle):
    client.force_login(roles.admin)
    url = reverse("support:cycle", args=[cycle.slug])

    def add_red_ccgs(count):
        for ccg in CCGFactory.create_batch(count):
            open_submissions(cycle)
            rate(Submission.objects.get(cycle=cycle, ccg=ccg), RED, roles)

    few = queries_for(client, url)
    add_red_ccgs(1)
    making_one = queries_for(client, url)  # makes its session
    add_red_ccgs(5)
    making_five = queries_for(client, url)
    many = queries_for(client, url)
    assert ImprovementSession.objects.count() == 8
    assert few == many
    assert making_one == making_five


def test_the_audit_trail_shows_each_change_and_each_notice_sent(released, roles):
    from assessment.audit import audit_events

    session = released.session
    services.update_session(session, "booked", booked_for=later(), actor=roles.admin,
                            note="Agreed by phone")  # fmt: skip
    notice = notices().get(recipient=roles.officer)
    letters.send_message(notice.pk)

    events = audit_events(session.submission, kinds=["support"])

    summaries = [(e.actor_name, e.summary) for e in events]
    assert summaries[0] == (
        "The service",
        "Improvement session offered: Offered in the outcome letter.",
    )
    assert (roles.admin.full_name, "Improvement session booked (was offered): Agreed by phone") in (
        summaries
    )
    assert ("The service", f"Notice \u201c{notice.subject}\u201d e-mailed to "
            f"{roles.officer.email}") in summaries  # fmt: skip
    assert len(summaries) == 3  # the lead's notice is not sent yet

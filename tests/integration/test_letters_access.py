"""Who may open which letters page, for every role; and the letters pages' query counts.

Out of scope is 404; signed out is a redirect to sign-in. Before release nobody outside the
national team can download a letter or a summary; after it, a CCG's accountable officer
downloads its letter and summary in force, its engagement lead the summary only.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CCGRole
from assessment.moderation import record_rating
from evidence.models import Submission
from letters import services
from letters.models import Document, OutboxMessage
from tests.factories import CCGFactory, CCGRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous", "nobody", "lead", "other_lead", "officer", "other_officer",
    "assessor", "unassigned_assessor", "moderator", "admin",
]  # fmt: skip
ADMIN_ONLY = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "admin": 200}
ADMIN_POST = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "admin": 302}
NATIONAL_ONLY = ADMIN_ONLY
OFFICER_AFTER_RELEASE = ADMIN_ONLY | {"officer": 200}
OFFICER_OR_LEAD_AFTER_RELEASE = ADMIN_ONLY | {"officer": 200, "lead": 200}
OWN_LETTERS = dict.fromkeys(ROLES, 404) | {
    "anonymous": 302, "lead": 200, "other_lead": 200, "officer": 200, "other_officer": 200,
    "admin": 200,
}  # fmt: skip

# (name, method, expected before release, expected after release)
VIEWS = [
    ("home", "get", OWN_LETTERS, OWN_LETTERS),
    ("cycle", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("run", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("progress", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("wording", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("preview", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("release", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("outbox", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("message", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("downloads", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("zip", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("versions", "get", ADMIN_ONLY, ADMIN_ONLY),
    ("download_letter", "get", NATIONAL_ONLY, OFFICER_AFTER_RELEASE),
    ("download_summary", "get", NATIONAL_ONLY, OFFICER_OR_LEAD_AFTER_RELEASE),
    ("start_run", "post", ADMIN_POST, ADMIN_POST),
    ("retry", "post", ADMIN_POST, ADMIN_POST),
    ("send", "post", ADMIN_POST, ADMIN_POST),
    ("hold", "post", ADMIN_POST, ADMIN_POST),
]


@pytest.fixture
def letters(assigned, roles):
    """07J rated, rendered and set to release tomorrow (the messages are in the outbox)."""
    submission = assigned.submission
    record_rating(
        submission, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2},
        proposed_by=roles.moderator, confirmed_by=roles.admin,
    )  # fmt: skip
    run = services.start_run(submission.cycle, actor=roles.admin, enqueue=False)
    for job in run.jobs.all():
        services.render_job(job.pk)
    services.schedule_release(
        submission.cycle, at=timezone.now() + timedelta(days=1), actor=roles.admin
    )
    return SimpleNamespace(
        submission=submission,
        cycle=submission.cycle,
        run=run,
        letter=Document.objects.get(submission=submission, kind="letter"),
        summary=Document.objects.get(submission=submission, kind="summary"),
        message=OutboxMessage.objects.get(),
        unassigned=assigned.unassigned,
    )


def url_for(name, letters):
    slug = letters.cycle.slug
    return {
        "home": reverse("letters:home"),
        "cycle": reverse("letters:cycle", args=[slug]),
        "run": reverse("letters:run", args=[slug, letters.run.pk]),
        "progress": reverse("letters:progress", args=[slug, letters.run.pk]),
        "wording": reverse("letters:wording", args=[slug]),
        "preview": reverse("letters:preview", args=[slug]) + "?ccg=07J&kind=letter",
        "release": reverse("letters:release", args=[slug]),
        "outbox": reverse("letters:outbox", args=[slug]),
        "message": reverse("letters:message", args=[slug, letters.message.pk]),
        "downloads": reverse("letters:downloads", args=[slug]),
        "zip": reverse("letters:zip", args=[slug]),
        "versions": reverse("letters:versions", args=[slug, "07J"]),
        "download_letter": reverse("letters:download", args=[letters.letter.pk]),
        "download_summary": reverse("letters:download", args=[letters.summary.pk]),
        "start_run": reverse("letters:start_run", args=[slug]),
        "retry": reverse("letters:retry", args=[slug, letters.run.pk]),
        "send": reverse("letters:outbox", args=[slug]),
        "hold": reverse("letters:message", args=[slug, letters.message.pk]),
    }[name]


def user_for(role, roles, letters):
    if role == "unassigned_assessor":
        return letters.unassigned
    return getattr(roles, role)


@pytest.mark.parametrize("released", [False, True], ids=["before_release", "after_release"])
@pytest.mark.parametrize(("name", "method", "before", "after"), VIEWS, ids=[v[0] for v in VIEWS])
def test_letters_view_answers_each_role_as_expected(
    client, roles, letters, name, method, before, after, released
):
    """Every role in one test (the rendered letters are made once per view, not per role);
    a POST that succeeds changes state, so it is checked last, by the admin."""
    if released:
        letters.cycle.released_at = timezone.now() - timedelta(minutes=1)
        letters.cycle.save()
    data = {"scope": "all", "kinds": "letter", "action": "hold"} if method == "post" else {}
    answers = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(user_for(role, roles, letters))
        response = getattr(client, method)(url_for(name, letters), data)
        answers[role] = response.status_code
        if role == "anonymous":
            assert response["Location"].startswith("/sign-in/")

    assert answers == (after if released else before)


def test_a_lead_of_the_ccg_sees_only_its_summary_and_an_officer_both(client, roles, letters):
    letters.cycle.released_at = timezone.now() - timedelta(minutes=1)
    letters.cycle.save()
    client.force_login(roles.lead)
    listed = client.get(reverse("letters:home")).context["documents"]
    assert [d.kind for d in listed] == ["summary"]
    client.force_login(roles.officer)
    assert sorted(d.kind for d in client.get(reverse("letters:home")).context["documents"]) == [
        "letter", "summary",
    ]  # fmt: skip
    client.force_login(roles.other_officer)
    assert list(client.get(reverse("letters:home")).context["documents"]) == []


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_rated_ccgs(cycle, roles, count):
    from evidence.services import open_submissions

    for _ in range(count):
        ccg = CCGFactory()
        CCGRoleFactory(user=roles.officer, ccg=ccg, role=CCGRole.Role.ACCOUNTABLE_OFFICER)
    open_submissions(cycle)
    for submission in Submission.objects.filter(cycle=cycle, ratings__isnull=True):
        Submission.objects.filter(pk=submission.pk).update(
            status="submitted", submitted_at=timezone.now()
        )
        record_rating(
            submission, {"A": 3, "B": 3, "C": 3, "D": 2, "E": 2},
            proposed_by=roles.moderator, confirmed_by=roles.admin,
        )  # fmt: skip
    run = services.start_run(cycle, actor=roles.admin, enqueue=False, kinds=("letter",))
    for job in run.jobs.all():
        services.render_job(job.pk)


def test_letters_pages_queries_do_not_grow_with_the_ccgs(client, roles, letters):
    cycle = letters.cycle
    cycle.released_at = timezone.now() - timedelta(minutes=1)
    cycle.save()
    admin_urls = [
        reverse("letters:cycle", args=[cycle.slug]),
        reverse("letters:outbox", args=[cycle.slug]),
        reverse("letters:downloads", args=[cycle.slug]),
        reverse("letters:run", args=[cycle.slug, letters.run.pk]),
    ]
    client.force_login(roles.admin)
    few = [queries_for(client, url) for url in admin_urls]
    client.force_login(roles.officer)
    few_officer = queries_for(client, reverse("letters:home"))

    add_rated_ccgs(cycle, roles, 3)
    services.send_due_messages()  # nothing is sent here: no worker; just queued
    client.force_login(roles.admin)
    assert [queries_for(client, url) for url in admin_urls] == few
    client.force_login(roles.officer)
    assert queries_for(client, reverse("letters:home")) == few_officer
    assert len(client.get(reverse("letters:home")).context["documents"]) == 5


def test_a_user_made_assessor_later_still_sees_no_letter(client, roles, letters):
    user = UserFactory(is_assessor=True, is_moderator=True)
    client.force_login(user)
    assert client.get(reverse("letters:download", args=[letters.letter.pk])).status_code == 404

"""Every URL of the project, for every role: the expected answer of each lives in EXPECTED.

The list of URLs comes from the URLconf, so a new view cannot escape this test: a URL name
without an entry in EXPECTED fails ``test_every_url_has_an_entry``. Each URL is requested
(GET) in one world where West Norfolk's (07J) 2019/20 evidence, with a file, has been
submitted and assessed by two assessors, a clarification asked, the rating made final and
released, a review requested, and the letters rendered and e-mailed. Answers: 200, 302 (to
sign-in, for a signed-out visitor; or a page's own redirect), 404 (outside the user's scope,
as the design asks), 405 (a page that only takes POST, for a user who may use it).
"""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.tokens import create_token as create_api_token
from assessment.models import Assignment, ConflictDeclaration, ReviewRequest
from assessment.moderation import record_rating
from evidence.models import EvidenceFile, EvidenceItem
from letters import services as letters
from letters.models import Document, OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous", "nobody", "lead", "other_lead", "officer", "other_officer",
    "assessor", "unassigned_assessor", "conflicted_assessor", "moderator", "admin",
)  # fmt: skip
SKIPPED_NAMESPACES = {"admin"}  # the Django admin guards itself (is_staff), tested by Django


def answers(default, **overrides):
    table = dict.fromkeys(ROLES, default)
    table.update(overrides)
    return table


SIGNED_IN = answers(200, anonymous=302)
EVERYONE = answers(200)
NATIONAL = answers(404, anonymous=302, moderator=200, admin=200)
ADMIN = answers(404, anonymous=302, admin=200)
ADMIN_POST = answers(404, anonymous=302, admin=405)
ASSESSORS = answers(
    404, anonymous=302, assessor=200, unassigned_assessor=200, conflicted_assessor=200
)
NATIONAL_AND_ASSESSORS = ASSESSORS | {"moderator": 200, "admin": 200}
NATIONAL_ROLES = answers(
    302, assessor=200, unassigned_assessor=200, conflicted_assessor=200, moderator=200, admin=200
)
OWN_CCG = answers(404, anonymous=302, lead=200, officer=200, moderator=200, admin=200)
REFUSED_EDIT = answers(
    404, anonymous=302, lead=302, officer=302, assessor=302, moderator=302, admin=302
)
# Pages that need a query string to show anything.
QUERIES = {"letters:preview": "?ccg=07J&kind=letter"}

EXPECTED: dict[str, dict[str, int]] = {
    "home": SIGNED_IN,
    "login": answers(200, **dict.fromkeys(ROLES[1:], 302)),  # signed in: sent home
    "logout": answers(405),  # sign-out is a POST
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,  # an invalid link says so
    "password_reset_complete": EVERYONE,
    # Multi-factor sign-in: the national roles' pages; others are sent home (a verified
    # session is sent on from the code page too).
    "mfa_setup": NATIONAL_ROLES,
    "mfa_verify": answers(302),
    "mfa_backup_codes": NATIONAL_ROLES,
    "accessibility": EVERYONE,
    "privacy": EVERYONE,
    "ccgs:register": NATIONAL,
    "ccgs:detail": OWN_CCG,
    "assessment:cycle_list": NATIONAL_AND_ASSESSORS,
    "assessment:cycle_detail": NATIONAL_AND_ASSESSORS,
    "evidence:list": SIGNED_IN,  # each user's own CCGs' submissions (none for most)
    "evidence:dashboard": ADMIN,
    "evidence:overview": OWN_CCG | {"assessor": 200},
    "evidence:check": OWN_CCG | {"assessor": 200},
    "evidence:submitted": OWN_CCG | {"assessor": 200},
    "evidence:extension": ADMIN,
    "evidence:domain": OWN_CCG | {"assessor": 200},
    # The evidence is submitted: those who may see it are sent back to it with the reason
    # (302), except the lead adding evidence to the criterion of an open clarification.
    "evidence:narrative": REFUSED_EDIT,
    "evidence:add_link": REFUSED_EDIT | {"lead": 200},
    "evidence:add_file": REFUSED_EDIT | {"lead": 200},
    "evidence:replace_file": REFUSED_EDIT,
    "evidence:remove_item": REFUSED_EDIT,
    "evidence:download": OWN_CCG | {"assessor": 200},
    "assessors:queue": ASSESSORS,
    "assessors:overview": answers(404, anonymous=302, assessor=200),
    "assessors:domain": answers(404, anonymous=302, assessor=200),
    "assessors:submit": answers(404, anonymous=302, assessor=405),
    "assignments:conflicts": ASSESSORS,
    "assignments:withdraw_conflict": answers(404, anonymous=302, conflicted_assessor=200),
    "assignments:cycle": ADMIN,
    "assignments:assign": ADMIN_POST,
    "assignments:upload": ADMIN_POST,
    "assignments:auto": ADMIN_POST,
    "assignments:export": ADMIN,
    "assignments:unassign": ADMIN,
    "clarifications:list": OWN_CCG | {"assessor": 200},
    "clarifications:ask": answers(404, anonymous=302, assessor=200),
    "clarifications:detail": OWN_CCG | {"assessor": 200},
    "moderation:queue": NATIONAL,
    "moderation:bulk": answers(404, anonymous=302, moderator=405, admin=405),
    "moderation:moderate": NATIONAL,
    "reviews:list": NATIONAL,
    "reviews:decide": NATIONAL,
    "reviews:request": answers(404, anonymous=302, officer=200),
    "insight:cycle": NATIONAL,
    "audit:submission": NATIONAL,
    "letters:home": answers(
        404, anonymous=302, lead=200, other_lead=200, officer=200, other_officer=200, admin=200
    ),
    "letters:download": answers(404, anonymous=302, officer=200, admin=200),
    "letters:cycle": ADMIN,
    "letters:start_run": ADMIN_POST,
    "letters:run": ADMIN,
    "letters:progress": ADMIN,
    "letters:retry": ADMIN_POST,
    "letters:wording": ADMIN,
    "letters:preview": ADMIN,
    "letters:release": ADMIN,
    "letters:outbox": ADMIN,
    "letters:message": ADMIN,
    "letters:downloads": ADMIN,
    "letters:zip": ADMIN,
    "letters:versions": ADMIN,
    # Results history and exports: the CCG's own people and the national team; the
    # published exports for the national team (the world's 2019/20 cycle is released).
    "results:history": OWN_CCG,
    "results:index": NATIONAL,
    "results:export": NATIONAL,
    # The national dashboard: moderators and admins (the home sends them to the newest
    # cycle's dashboard).
    "results:dashboard": NATIONAL,
    "results:dashboard_home": answers(404, anonymous=302, moderator=302, admin=302),
    # Good-practice library: every signed-in user reads it (the world's example is of a
    # released cycle); moderators review proposals (deciding is a POST); the admin records
    # the CCGs' consent to be named.
    "library:index": SIGNED_IN,
    "library:example": SIGNED_IN,
    "library:review": answers(404, anonymous=302, moderator=200),
    "library:decide": answers(404, anonymous=302, moderator=405),
    "library:consent": ADMIN,
    # Read-only API: published cycles and ratings and the schema are public; CCGs need a
    # token or a session (401 without, never a redirect) and are scoped as ccgs:detail; the
    # tokens page is every signed-in user's own (revoking is a POST; the world's token is
    # the lead's).
    "api:schema": EVERYONE,
    "api:cycle_list": EVERYONE,
    "api:cycle_detail": EVERYONE,
    "api:rating_list": EVERYONE,
    "api:rating_detail": EVERYONE,
    "api:cycle_rating_detail": EVERYONE,
    "api:ccg_list": answers(200, anonymous=401),
    "api:ccg_detail": OWN_CCG | {"anonymous": 401},
    "api:ccg_history": OWN_CCG | {"anonymous": 401},
    "api:tokens": SIGNED_IN,
    "api:revoke_token": answers(404, anonymous=302, lead=405),
    # Improvement support: the national team's list and session pages (moderators read,
    # the admin also records changes); a CCG's own people see theirs on letters:home.
    "support:cycle": NATIONAL,
    "support:session": NATIONAL,
}


def url_names(patterns=None, namespace=None):
    """(name, route) of every named URL pattern, namespaced, outside SKIPPED_NAMESPACES."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = pattern.namespace or namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def test_every_url_has_an_entry():
    names = {name for name, _ in url_names()}
    assert sorted(names - set(EXPECTED)) == [], "add the new URL to EXPECTED"
    assert sorted(set(EXPECTED) - names) == [], "EXPECTED names a URL that is gone"
    assert all(set(row) == set(ROLES) for row in EXPECTED.values())


@pytest.fixture
def world(request, submission, roles, sample_files):
    """West Norfolk's whole cycle, through the services (see the module docstring)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.assignments import declare_conflict
    from assessment.clarifications import ask_clarification
    from assessment.reviews import request_review
    from evidence.services import add_file

    criterion = submission.cycle.domains.get(code="A").criteria.order_by("position").first()
    path = sample_files["pdf"]
    add_file(
        submission, criterion, actor=roles.lead, description="Board minutes",
        upload=SimpleUploadedFile("minutes.pdf", path.read_bytes(), "application/pdf"),
    )  # fmt: skip
    assessed = request.getfixturevalue("assessed")
    conflicted = UserFactory(is_assessor=True, full_name="Connie Conflicted")
    declare_conflict(
        conflicted, submission.cycle, ccg=submission.ccg, reason="Worked there", actor=conflicted
    )
    clarification = ask_clarification(
        submission, criterion, question="Which meetings?", actor=roles.assessor
    )
    record_rating(
        submission, {"A": 2, "B": 2, "C": 2, "D": 1, "E": 2},
        proposed_by=roles.moderator, confirmed_by=assessed.moderator2,
    )  # fmt: skip
    cycle = submission.cycle
    cycle.released_at = timezone.now() - timezone.timedelta(minutes=5)
    cycle.save()
    request_review(submission, grounds="Domain D is better.", actor=roles.officer)
    run = letters.start_run(cycle, actor=roles.admin, enqueue=False)
    for job in run.jobs.all():
        letters.render_job(job.pk)
    example = _approved_example(submission, assessed.first, roles.moderator)
    from support.services import sync_sessions

    sync_sessions(cycle)  # 07J is rated 9 Amber: offered the one-to-one session
    return SimpleNamespace(
        example=example,
        support_session=submission.improvement_session,
        submission=submission,
        criterion=criterion,
        item=EvidenceItem.objects.get(submission=submission),
        file=EvidenceFile.objects.get(item__submission=submission),
        conflict=ConflictDeclaration.objects.get(assessor=conflicted),
        conflicted=conflicted,
        unassigned=assessed.unassigned,
        assignment=Assignment.objects.filter(submission=submission).first(),
        clarification=clarification,
        review=ReviewRequest.objects.get(submission=submission),
        run=run,
        message=OutboxMessage.objects.get(),
        letter=Document.objects.get(submission=submission, kind="letter"),
        api_token=create_api_token(roles.lead, name="World", lifetime=None).token,
    )


def _approved_example(submission, assessor, moderator):
    """Grace's good practice of domain A, proposed and approved for the library."""
    from assessment.models import DomainScore
    from library import services as library

    DomainScore.objects.filter(
        assessment__submission=submission, assessment__assessor=assessor, domain__code="A"
    ).update(good_practice="Residents sit on the board's engagement panel.")
    proposal = library.proposals_for(submission.cycle).get()
    return library.approve_example(
        proposal, title="Residents on the engagement panel",
        summary="Residents sit on the board's engagement panel.", actor=moderator,
    )  # fmt: skip


def kwargs_for(pattern, world, name=None) -> dict:
    """The URL's arguments, by name, taken from the world."""
    submission = world.submission
    values = {
        "slug": submission.cycle.slug,
        "cycle": submission.cycle.slug,
        "ods_code": submission.ccg.ods_code,
        "domain": "A",
        "criterion": world.criterion.code,
        "item": world.item.pk,
        "file": world.file.pk,
        "uidb64": "MQ",
        "token": "not-a-token",
        "format": "csv",
    }
    by_view = {
        "withdraw_conflict": world.conflict.pk,
        "unassign": world.assignment.pk,
        "detail": world.clarification.pk,
        "decide": world.review.pk,
        "run": world.run.pk,
        "progress": world.run.pk,
        "retry": world.run.pk,
        "message": world.message.pk,
        "download": world.letter.pk,
    }
    # Namespaced keys first, for views whose bare names collide with another app's.
    by_view |= {"library:example": world.example.pk, "library:decide": world.example.pk}
    by_view |= {"api:revoke_token": world.api_token.pk}
    by_view |= {"support:session": world.support_session.pk}
    if name == "api:rating_detail":
        by_view[name] = world.submission.ratings.get(superseded_by__isnull=True).pk
    key = name if name in by_view else pattern.name
    names = list(pattern.pattern.converters)
    return {arg: by_view[key] if arg == "pk" else values[arg] for arg in names}


def user_for(role, roles, world):
    return {
        "unassigned_assessor": world.unassigned,
        "conflicted_assessor": world.conflicted,
    }.get(role) or getattr(roles, role)


def test_every_url_answers_every_role_as_expected(client, roles, world):
    resolved = {
        name: reverse(name, kwargs=kwargs_for(p, world, name)) + QUERIES.get(name, "")
        for name, p in url_names()
    }
    wrong = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(user_for(role, roles, world))
        for name, url in resolved.items():
            response = client.get(url)
            status = response.status_code
            if status != EXPECTED[name][role]:
                wrong.append(f"{name} as {role}: {status}, expected {EXPECTED[name][role]}")
            elif status == 302 and name != "login":
                # Signed out: to sign-in and back; signed in: never to sign-in.
                to_sign_in = response["Location"].startswith(reverse("login") + "?next=")
                if to_sign_in != (role == "anonymous"):
                    wrong.append(f"{name} as {role}: redirected to {response['Location']}")
    assert wrong == [], "\n".join(wrong)

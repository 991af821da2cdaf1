"""Every assignment page for every role: 200, a redirect to sign-in (302), or 404 outside
scope; plus what an assignment means for access to the CCG's submission.

Roles beyond the usual ones: ``assessor`` is assigned to the CCG; ``conflicted`` is an
assessor who declared a conflict with the CCG (and so was never assigned); ``unassigned``
was assigned and then unassigned. Pages that only accept POST are asked with POST.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.assignments import assign, declare_conflict, unassign
from assessment.models import Assignment, ConflictDeclaration
from evidence.models import Submission
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "lead", "officer", "assessor", "conflicted", "unassigned",
         "moderator", "admin"]  # fmt: skip

ADMIN_ONLY = dict.fromkeys(ROLES, 404) | {"anonymous": "login", "admin": 200}
ASSESSORS = dict.fromkeys(ROLES, 404) | {
    "anonymous": "login", "assessor": 200, "conflicted": 200, "unassigned": 200,
}  # fmt: skip
OWN_DECLARATION = dict.fromkeys(ROLES, 404) | {"anonymous": "login", "conflicted": 200}
# The CCG's submission: its own people and the national team, and only the assessor who is
# assigned now (a conflicted or unassigned assessor gets 404).
SUBMISSION = dict.fromkeys(ROLES, 404) | {
    "anonymous": "login", "lead": 200, "officer": 200, "assessor": 200, "moderator": 200,
    "admin": 200,
}  # fmt: skip

EXPECTED = {
    ("GET", "cycle"): ADMIN_ONLY,
    ("POST", "assign"): ADMIN_ONLY,  # an empty form: the page again, with its errors
    ("POST", "upload"): ADMIN_ONLY,
    ("POST", "auto"): ADMIN_ONLY | {"admin": "page"},
    ("GET", "unassign"): ADMIN_ONLY,
    ("GET", "export"): ADMIN_ONLY,
    ("GET", "conflicts"): ASSESSORS,
    ("GET", "withdraw_conflict"): OWN_DECLARATION,
    ("GET", "submission"): SUBMISSION,
}


@pytest.fixture
def people(roles, submission):
    Submission.objects.filter(pk=submission.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    submission.refresh_from_db()
    conflicted = UserFactory(is_assessor=True, full_name="Conflicted Assessor")
    declaration = declare_conflict(
        conflicted, submission.cycle, ccg=submission.ccg, reason="Former employee",
        actor=conflicted,
    ).declaration  # fmt: skip
    unassigned = UserFactory(is_assessor=True, full_name="Former Assessor")
    unassign(assign(submission, unassigned, actor=roles.admin), actor=roles.admin)
    assignment = assign(submission, roles.assessor, actor=roles.admin)
    by_role = {name: getattr(roles, name, None) for name in ROLES}
    by_role |= {"anonymous": None, "conflicted": conflicted, "unassigned": unassigned}
    return by_role, assignment, declaration


def url_for(name, submission, assignment, declaration):
    cycle = {"cycle": submission.cycle.slug}
    return {
        "cycle": reverse("assignments:cycle", kwargs=cycle),
        "assign": reverse("assignments:assign", kwargs=cycle),
        "upload": reverse("assignments:upload", kwargs=cycle),
        "auto": reverse("assignments:auto", kwargs=cycle),
        "unassign": reverse("assignments:unassign", kwargs={**cycle, "pk": assignment.pk}),
        "export": reverse("assignments:export", kwargs=cycle),
        "conflicts": reverse("assignments:conflicts"),
        "withdraw_conflict": reverse("assignments:withdraw_conflict", args=[declaration.pk]),
        "submission": submission.get_absolute_url(),
    }[name]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "view"), list(EXPECTED))
def test_assignment_view_answers_each_role(client, people, submission, method, view, role):
    by_role, assignment, declaration = people
    if by_role[role] is not None:
        client.force_login(by_role[role])
    url = url_for(view, submission, assignment, declaration)
    before = Assignment.objects.filter(unassigned_at__isnull=True).count()

    response = client.post(url) if method == "POST" else client.get(url)

    expected = EXPECTED[(method, view)][role]
    if expected == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    elif expected == "page":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse(
            "assignments:cycle", kwargs={"cycle": submission.cycle.slug}
        )
    else:
        assert response.status_code == expected
    if expected != "page":
        assert Assignment.objects.filter(unassigned_at__isnull=True).count() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_no_one_but_an_admin_can_post_an_assignment_or_unassign(client, people, submission, role):
    by_role, assignment, _ = people
    if by_role[role] is not None:
        client.force_login(by_role[role])
    cycle = submission.cycle.slug

    client.post(
        reverse("assignments:assign", kwargs={"cycle": cycle}),
        {"submission": submission.pk, "assessor": by_role["unassigned"].pk},
    )
    client.post(reverse("assignments:unassign", kwargs={"cycle": cycle, "pk": assignment.pk}))

    assert list(
        Assignment.objects.filter(unassigned_at__isnull=True).values_list("assessor", flat=True)
    ) == [assignment.assessor_id]


def test_another_assessor_cannot_withdraw_a_declaration(client, people):
    by_role, _, declaration = people
    client.force_login(by_role["assessor"])

    response = client.post(reverse("assignments:withdraw_conflict", args=[declaration.pk]))

    assert response.status_code == 404
    assert ConflictDeclaration.objects.filter(pk=declaration.pk).exists()


def test_an_unknown_cycle_is_not_found_for_an_admin(client, roles):
    client.force_login(roles.admin)

    assert client.get(reverse("assignments:cycle", kwargs={"cycle": "1999-00"})).status_code == 404


def test_an_assignment_of_another_cycle_is_not_found(client, people, submission):
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

    by_role, assignment, _ = people
    older = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    client.force_login(by_role["admin"])

    url = reverse("assignments:unassign", kwargs={"cycle": older.slug, "pk": assignment.pk})

    assert client.get(url).status_code == 404


def test_the_assign_pages_answer_get_with_method_not_allowed(client, people, submission):
    client.force_login(people[0]["admin"])
    cycle = {"cycle": submission.cycle.slug}

    for name in ("assign", "upload", "auto"):
        assert client.get(reverse(f"assignments:{name}", kwargs=cycle)).status_code == 405

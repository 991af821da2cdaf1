"""Every clarification page for every role: 200, a redirect to sign-in, or 404 outside scope.

The submission is submitted; ``assessor`` is assigned to it and asked the question on A1,
``second_assessor`` is assigned too but did not ask, ``unassigned_assessor`` is not assigned.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.clarifications import ask_clarification
from assessment.models import Assignment, Clarification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "lead", "other_lead", "officer", "other_officer", "assessor",
         "second_assessor", "unassigned_assessor", "moderator", "admin"]  # fmt: skip

EXPECTED = {
    # The thread: everyone who may see the submission (an assessor sees their own questions).
    "list": {"anonymous": "login", "nobody": 404, "lead": 200, "other_lead": 404,
             "officer": 200, "other_officer": 404, "assessor": 200, "second_assessor": 200,
             "unassigned_assessor": 404, "moderator": 200, "admin": 200},
    # Asking: assessors assigned to the submitted submission.
    "ask": {"anonymous": "login", "nobody": 404, "lead": 404, "other_lead": 404,
            "officer": 404, "other_officer": 404, "assessor": 200, "second_assessor": 200,
            "unassigned_assessor": 404, "moderator": 404, "admin": 404},
    # One question: the CCG's lead and accountable officer, the assessor who asked, the
    # national team (only the lead may answer).
    "detail": {"anonymous": "login", "nobody": 404, "lead": 200, "other_lead": 404,
               "officer": 200, "other_officer": 404, "assessor": 200, "second_assessor": 404,
               "unassigned_assessor": 404, "moderator": 200, "admin": 200},
}  # fmt: skip


@pytest.fixture
def people(roles, submission):
    submission.status = "submitted"
    submission.submitted_at = timezone.now()
    submission.save()
    second = UserFactory(is_assessor=True)
    for assessor in (roles.assessor, second):
        Assignment.objects.create(submission=submission, assessor=assessor, assigned_by=roles.admin)
    roles.second_assessor = second
    roles.unassigned_assessor = UserFactory(is_assessor=True)
    return roles


@pytest.fixture
def clarification(people, submission):
    a1 = submission.cycle.domains.get(code="A").criteria.get(code="A1")
    return ask_clarification(
        submission, a1, question="Where are the minutes?", actor=people.assessor
    )


def url_for(view, submission, clarification=None):
    kwargs = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code}
    if view == "ask":
        kwargs["criterion"] = "A1"
    if view == "detail":
        kwargs["pk"] = clarification.pk
    return reverse(f"clarifications:{view}", kwargs=kwargs)


def assert_answers(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(EXPECTED))
def test_clarification_view_answers_each_role(
    client, people, submission, clarification, view, role
):
    if role != "anonymous":
        client.force_login(getattr(people, role))

    response = client.get(url_for(view, submission, clarification))

    assert_answers(response, EXPECTED[view][role])


OUT_OF_SCOPE = [
    (view, role) for view in ("ask", "detail") for role in ROLES if EXPECTED[view][role] != 200
]


@pytest.mark.parametrize(("view", "role"), OUT_OF_SCOPE)
def test_posting_outside_scope_changes_nothing(
    client, people, submission, clarification, view, role
):
    """A POST is answered like a GET for those who may not see the page; nothing is written.
    (Posting in scope is covered in test_clarifications.py.)"""
    expected = EXPECTED[view][role]
    if role != "anonymous":
        client.force_login(getattr(people, role))

    response = client.post(
        url_for(view, submission, clarification), {"question": "Q?", "answer": "A."}
    )

    assert_answers(response, expected)
    clarification.refresh_from_db()
    assert clarification.is_open
    assert Clarification.objects.count() == 1


@pytest.mark.parametrize("view", list(EXPECTED))
def test_an_assessor_finds_nothing_while_the_submission_is_a_draft(
    client, people, submission, view
):
    """Assigned, but the CCG has not submitted: the submission is not in the assessor's scope."""
    clarification = Clarification.objects.create(
        submission=submission,
        criterion=submission.cycle.domains.get(code="A").criteria.get(code="A1"),
        asked_by=people.assessor,
        question="Asked before it was reopened.",
    )
    submission.status, submission.submitted_at = "draft", None
    submission.save()
    client.force_login(people.assessor)

    assert client.get(url_for(view, submission, clarification)).status_code == 404


def test_an_unknown_criterion_is_not_found(client, people, submission):
    client.force_login(people.assessor)
    url = reverse(
        "clarifications:ask",
        kwargs={"cycle": submission.cycle.slug, "ods_code": "07J", "criterion": "Z9"},
    )
    assert client.get(url).status_code == 404


def test_a_clarification_is_not_found_through_another_ccgs_address(
    client, people, other_submission, clarification
):
    """The other CCG's lead asks for this CCG's question through their own CCG's URL."""
    client.force_login(people.other_lead)
    url = reverse(
        "clarifications:detail",
        kwargs={
            "cycle": other_submission.cycle.slug,
            "ods_code": other_submission.ccg.ods_code,
            "pk": clarification.pk,
        },
    )
    assert client.get(url).status_code == 404


def test_a_lead_for_another_cycle_only_does_not_see_this_cycles_questions(
    client, people, submission, clarification
):
    from accounts.models import CCGRole
    from assessment.services import SHIPPED_FRAMEWORKS, load_cycle

    older = load_cycle(SHIPPED_FRAMEWORKS[0]).cycle
    CCGRole.objects.filter(user=people.lead).update(cycle=older)
    client.force_login(people.lead)
    for view in ("list", "detail"):
        assert client.get(url_for(view, submission, clarification)).status_code == 404


def test_an_unassigned_assessor_loses_the_pages(client, people, submission, clarification):
    Assignment.objects.filter(assessor=people.assessor).update(unassigned_at=timezone.now())
    client.force_login(people.assessor)
    for view in EXPECTED:
        assert client.get(url_for(view, submission, clarification)).status_code == 404

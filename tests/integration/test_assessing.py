"""Assessors score a CCG: findings, scores with rationale, append-only history, independence,
submitting once, and what a CCG lead never sees."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import services, workflow
from assessment.models import Assessment, AssessmentEvent, DomainScore, ScoreEvent
from assessment.scoring import ScoreError

pytestmark = pytest.mark.django_db


def url(name, submission, **extra):
    kwargs = {"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code, **extra}
    return reverse(f"assessors:{name}", kwargs=kwargs)


def domain_post(domain, score, rationale="Strong evidence.", finding="met"):
    data = {"rationale": rationale, "improvement_points": "Publish more.", "good_practice": ""}
    if score is not None:
        data["score"] = score
    for criterion in domain.criteria.all():
        data[f"finding_{criterion.pk}"] = finding
        data[f"note_{criterion.pk}"] = ""
    return data


def complete(client, submission, scores=(2, 2, 2, 1, 2)):
    for domain, score in zip(submission.cycle.domains.order_by("code"), scores, strict=True):
        response = client.post(
            url("domain", submission, domain=domain.code), domain_post(domain, score)
        )
        assert response.status_code == 302, response.content.decode()[:500]


def test_an_assessor_scores_a_domain_and_every_change_is_an_event(client, assigned):
    submission = assigned.submission
    domain = submission.cycle.domains.get(code="A")
    client.force_login(assigned.first)

    client.post(url("domain", submission, domain="A"), domain_post(domain, 2))
    client.post(
        url("domain", submission, domain="A"), domain_post(domain, 3, "Better than I thought.")
    )
    client.post(
        url("domain", submission, domain="A"), domain_post(domain, 3, "Better than I thought.")
    )

    events = list(ScoreEvent.objects.values_list("old_score", "new_score", "rationale"))
    assert events == [(None, 2, "Strong evidence."), (2, 3, "Better than I thought.")]
    assert DomainScore.objects.get().score == 3
    page = client.get(url("overview", submission)).content.decode()
    assert "History of your scores" in page and "Better than I thought." in page


def test_a_score_needs_a_rationale_and_must_be_0_to_3(client, assigned):
    submission = assigned.submission
    domain = submission.cycle.domains.get(code="B")
    client.force_login(assigned.first)

    no_reason = client.post(url("domain", submission, domain="B"), domain_post(domain, 2, ""))
    out_of_range = client.post(url("domain", submission, domain="B"), domain_post(domain, 7))

    assert "Give the rationale for your score" in no_reason.content.decode()
    assert "Select a valid choice" in out_of_range.content.decode()
    assert not DomainScore.objects.exists()
    with pytest.raises(ScoreError, match="from 0 to 3"):
        services.save_domain(
            Assessment.objects.get(assessor=assigned.first), domain, score=4, rationale="x",
            improvement_points="",
            good_practice="", findings=[], actor=assigned.first,
        )  # fmt: skip


def test_the_other_assessors_scores_stay_hidden_until_you_submit(client, assigned):
    submission = assigned.submission
    client.force_login(assigned.second)
    complete(client, submission, scores=(3, 3, 3, 3, 3))

    client.force_login(assigned.first)
    before = client.get(url("overview", submission)).content.decode()
    assert "Sam Second-Assessor" not in before
    assert "once you have submitted yours" in before

    complete(client, submission)
    client.post(url("submit", submission))
    after = client.get(url("overview", submission)).content.decode()
    assert "Scores of Sam Second-Assessor" in after


def test_submitting_needs_everything_then_locks_and_a_repeat_is_a_no_op(client, assigned):
    submission = assigned.submission
    client.force_login(assigned.first)

    refused = client.post(url("submit", submission), follow=True).content.decode()
    assert "Score domain A." in refused
    complete(client, submission)
    client.post(url("submit", submission))
    again = client.post(url("submit", submission), follow=True).content.decode()

    assert "You have already submitted this assessment." in again
    assert AssessmentEvent.objects.count() == 1
    assessment = Assessment.objects.get(assessor=assigned.first)
    assert assessment.status == workflow.Status.SUBMITTED
    locked = client.post(
        url("domain", submission, domain="A"),
        domain_post(submission.cycle.domains.get(code="A"), 0),
        follow=True,
    )
    assert "can no longer change" in locked.content.decode()
    assert DomainScore.objects.get(assessment=assessment, domain__code="A").score == 2


def test_a_ccg_lead_never_sees_assessors_or_draft_scores(client, assigned, roles):
    submission = assigned.submission
    client.force_login(assigned.first)
    complete(client, submission)
    client.force_login(roles.lead)
    for page_url in (
        submission.get_absolute_url(),
        reverse("evidence:domain", kwargs={"cycle": submission.cycle.slug,
                "ods_code": submission.ccg.ods_code, "domain": "A"}),
        reverse("home"),
    ):  # fmt: skip
        page = client.get(page_url).content.decode()
        assert assigned.first.full_name not in page
        assert assigned.first.email not in page
        assert "Strong evidence." not in page
    assert client.get(url("overview", submission)).status_code == 404


ROLES = ["anonymous", "nobody", "lead", "officer", "assessor", "unassigned", "conflicted",
         "moderator", "admin"]  # fmt: skip
QUEUE = {"anonymous": "login", "nobody": 404, "lead": 404, "officer": 404, "assessor": 200,
         "unassigned": 200, "conflicted": 200, "moderator": 404, "admin": 404}  # fmt: skip
SCORING = {"anonymous": "login", "nobody": 404, "lead": 404, "officer": 404, "assessor": 200,
           "unassigned": 404, "conflicted": 404, "moderator": 404, "admin": 404}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("view", "expected"), [("queue", QUEUE), ("overview", SCORING),
                                                ("domain", SCORING)])  # fmt: skip
def test_assessor_views_answer_each_role(client, assigned, roles, role, view, expected):
    conflicted = None
    if role == "conflicted":
        from assessment.assignments import declare_conflict

        conflicted = assigned.second  # assigned, then declares a conflict with the CCG's STP
        declare_conflict(
            conflicted, assigned.submission.cycle, stp=assigned.submission.ccg.stp,
            reason="Former employer", actor=conflicted,
        )  # fmt: skip
    user = {
        "unassigned": assigned.unassigned, "assessor": assigned.first, "conflicted": conflicted
    }.get(role)  # fmt: skip
    if role != "anonymous":
        client.force_login(user or getattr(roles, role))
    submission = assigned.submission
    target = {
        "queue": reverse("assessors:queue"),
        "overview": url("overview", submission),
        "domain": url("domain", submission, domain="A"),
    }[view]

    response = client.get(target)

    if expected[role] == "login":
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected[role]


def test_submit_is_refused_outside_scope(client, assigned):
    client.force_login(assigned.unassigned)
    assert client.post(url("submit", assigned.submission)).status_code == 404


def test_an_unassigned_assessor_loses_access(client, assigned):
    from django.utils import timezone

    client.force_login(assigned.first)
    assert client.get(url("overview", assigned.submission)).status_code == 200
    assigned.submission.assignments.filter(assessor=assigned.first).update(
        unassigned_at=timezone.now()
    )
    assert client.get(url("overview", assigned.submission)).status_code == 404
    evidence_page = assigned.submission.get_absolute_url()
    assert client.get(evidence_page).status_code == 404


def count_queries(client, target):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_queue_queries_are_fixed_for_1_and_50_ccgs(client, assigned, roles):
    from assessment.models import Assignment
    from evidence.models import Submission
    from tests.factories import CCGFactory

    client.force_login(assigned.first)
    one = count_queries(client, reverse("assessors:queue"))
    cycle = assigned.submission.cycle
    for ccg in CCGFactory.create_batch(49):
        extra = Submission.objects.create(
            ccg=ccg, cycle=cycle, status="submitted", submitted_at=assigned.submission.submitted_at
        )
        Assignment.objects.create(
            submission=extra, assessor=assigned.first, assigned_by=roles.admin
        )
    fifty = count_queries(client, reverse("assessors:queue"))
    page = client.get(reverse("assessors:queue")).content.decode()
    assert page.count('<tr class="nhsuk-table__row" role="row">') == 51  # header + 50
    assert one == fifty


def test_scoring_page_queries_are_fixed_for_1_and_50_evidence_items(client, assigned, roles):
    from assessment.models import Criterion
    from evidence.models import EvidenceItem

    submission = assigned.submission
    domain = submission.cycle.domains.get(code="A")
    criteria = list(domain.criteria.all())
    EvidenceItem.objects.create(
        submission=submission, criterion=criteria[0], kind="link",
        url="https://example.org/0", description="0", created_by=roles.lead,
    )  # fmt: skip
    client.force_login(assigned.first)
    one = count_queries(client, url("domain", submission, domain="A"))
    for n in range(1, 50):
        EvidenceItem.objects.create(
            submission=submission, criterion=criteria[n % len(criteria)], kind="link",
            url=f"https://example.org/{n}", description=str(n), created_by=roles.lead,
        )  # fmt: skip
    for n in range(10):
        Criterion.objects.create(domain=domain, code=f"A{20 + n}", title="More", description="x",
                                 position=20 + n)  # fmt: skip
    assert count_queries(client, url("domain", submission, domain="A")) == one

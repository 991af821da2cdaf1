"""The moderation pages: who may open them, what they show, and the queue's query count."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, DomainScore
from evidence.models import Submission
from tests.factories import CCGFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "lead", "officer", "assessor", "moderator", "admin"]
EXPECTED = {"anonymous": "login", "nobody": 404, "lead": 404, "officer": 404, "assessor": 404,
            "moderator": 200, "admin": 200}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["queue", "moderate"])
def test_moderation_pages_answer_each_role(client, assessed, roles, view, role):
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    submission = assessed.submission
    target = (
        reverse("moderation:queue", kwargs={"cycle": submission.cycle.slug})
        if view == "queue"
        else reverse("moderation:moderate", kwargs={"cycle": submission.cycle.slug,
                     "ods_code": submission.ccg.ods_code})
    )  # fmt: skip
    response = client.get(target)
    if EXPECTED[role] == "login":
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == EXPECTED[role]


def test_the_moderation_page_shows_both_assessors_and_the_boundary_words(client, assessed, roles):
    submission = assessed.submission
    url = reverse("moderation:moderate", kwargs={"cycle": submission.cycle.slug,
                  "ods_code": submission.ccg.ods_code})  # fmt: skip
    client.force_login(roles.moderator)
    data = {f"score_{code}": 2 for code in "ABCDE"}
    data.update({f"reason_{code}": "" for code in "ABCDE"})
    refused = client.post(url, data)
    assert "differs from an assessor" in refused.content.decode()
    data["reason_D"] = "Both assessors were half right."
    client.post(url, data)
    page = client.get(url).content.decode()
    assert assessed.first.full_name in page and assessed.second.full_name in page
    assert "Total 10" in page and "Green" in page
    assert "10 is Green" in page  # boundary sensitivity in words


def add_assessed_ccgs(cycle, count):
    assessors = [UserFactory(is_assessor=True) for _ in range(2)]
    domains = list(cycle.domains.order_by("code"))
    for ccg in CCGFactory.create_batch(count):
        submission = Submission.objects.create(ccg=ccg, cycle=cycle, status="submitted",
                                               submitted_at="2020-07-01T12:00:00Z")  # fmt: skip
        for assessor, score in zip(assessors, (1, 3), strict=True):
            assessment = Assessment.objects.create(submission=submission, assessor=assessor,
                                                   status="submitted",
                                                   submitted_at="2020-08-01T12:00:00Z")  # fmt: skip
            DomainScore.objects.bulk_create(
                DomainScore(assessment=assessment, domain=d, score=score, rationale="r")
                for d in domains
            )


def test_the_queue_renders_in_a_fixed_number_of_queries(client, assessed, roles):
    cycle = assessed.submission.cycle
    url = reverse("moderation:queue", kwargs={"cycle": cycle.slug})
    client.force_login(roles.moderator)
    client.get(url)  # the sample's draw is recorded on the first visit

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = count()
    add_assessed_ccgs(cycle, 190)  # 191 CCGs in all, as in 2019/20
    assert count() == one
    assert client.get(url).content.decode().count("moderation/2019-20/") >= 191

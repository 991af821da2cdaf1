"""Review after release: the officer asks within the window; a moderator who took no part
decides; the outcome is a new rating that supersedes the old one, which stays."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import moderation, reviews, workflow
from assessment.models import Rating, ReviewRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    for domain in assessed.submission.cycle.domains.order_by("code"):
        moderation.set_agreed_score(mod, domain, score=2, reason="Agreed.", actor=roles.moderator)
    moderation.apply_moderation_action(
        mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator
    )
    moderation.apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2
    )
    cycle = assessed.submission.cycle
    cycle.released_at = timezone.now() - timedelta(days=1)
    cycle.save()
    assessed.fresh_moderator = UserFactory(is_moderator=True, full_name="Fay Fresh-Moderator")
    return assessed


def request_url(submission):
    return reverse("reviews:request", kwargs={"cycle": submission.cycle.slug,
                   "ods_code": submission.ccg.ods_code})  # fmt: skip


def test_no_review_before_release(assessed, roles):
    with pytest.raises(reviews.ReviewError, match="not been released"):
        reviews.request_review(assessed.submission, grounds="Please.", actor=roles.officer)


def test_no_review_after_the_window(released, roles):
    cycle = released.submission.cycle
    cycle.released_at = timezone.now() - timedelta(days=cycle.review_window_days + 1)
    cycle.save()
    with pytest.raises(reviews.ReviewError, match="could be requested until"):
        reviews.request_review(released.submission, grounds="Late.", actor=roles.officer)


def test_only_the_ccgs_accountable_officer_may_ask(released, roles):
    for outsider in (roles.other_officer, roles.lead, roles.moderator):
        with pytest.raises(reviews.PermissionDenied):
            reviews.request_review(released.submission, grounds="x", actor=outsider)


def test_a_changed_outcome_supersedes_the_old_rating_which_stays(client, released, roles):
    client.force_login(roles.officer)
    response = client.post(request_url(released.submission), {"grounds": "Domain D is better."})
    assert response.status_code == 302
    review = ReviewRequest.objects.get()
    again = client.post(request_url(released.submission), {"grounds": "Twice."})
    assert "already been requested" in again.content.decode()

    for took_part in (roles.moderator, released.moderator2):
        with pytest.raises(reviews.PermissionDenied):
            reviews.decide_review(review, scores=dict.fromkeys("ABCDE", 2), reasons="x",
                                  actor=took_part)  # fmt: skip
    new = reviews.decide_review(
        review, scores={"A": 2, "B": 2, "C": 2, "D": 3, "E": 2}, reasons="D was outstanding.",
        actor=released.fresh_moderator,
    )  # fmt: skip

    review.refresh_from_db()
    old = review.rating
    assert (review.outcome, new.total, new.band_label, new.supersedes) == (
        "changed", 11, "Green", old
    )  # fmt: skip
    assert moderation.current_rating(released.submission) == new
    assert Rating.objects.count() == 2 and old.total == 10  # the old one stays as it was
    page = client.get(request_url(released.submission)).content.decode()
    assert "Outcome: changed, 11 Green" in page


def test_an_unchanged_outcome_is_upheld(released, roles):
    review = reviews.request_review(released.submission, grounds="Check.", actor=roles.officer)
    new = reviews.decide_review(
        review, scores=dict.fromkeys("ABCDE", 2), reasons="Right first time.",
        actor=released.fresh_moderator,
    )  # fmt: skip
    review.refresh_from_db()
    assert review.outcome == "upheld" and new.total == 10 and new.source == "review"


ROLES = ["anonymous", "lead", "officer", "other_officer", "assessor", "moderator", "admin"]
REQUEST = {"anonymous": "login", "lead": 404, "officer": 200, "other_officer": 404,
           "assessor": 404, "moderator": 404, "admin": 404}  # fmt: skip
MODERATORS = {"anonymous": "login", "lead": 404, "officer": 404, "other_officer": 404,
              "assessor": 404, "moderator": 200, "admin": 200}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("view", "expected"), [("request", REQUEST), ("list", MODERATORS),
                                                ("decide", MODERATORS)])  # fmt: skip
def test_review_pages_answer_each_role(client, released, roles, view, expected, role):
    review = reviews.request_review(released.submission, grounds="Check.", actor=roles.officer)
    cycle = released.submission.cycle.slug
    target = {
        "request": request_url(released.submission),
        "list": reverse("reviews:list", kwargs={"cycle": cycle}),
        "decide": reverse("reviews:decide", kwargs={"cycle": cycle, "pk": review.pk}),
    }[view]
    if role != "anonymous":
        client.force_login(getattr(roles, role))
    response = client.get(target)
    if expected[role] == "login":
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected[role]

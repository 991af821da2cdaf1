"""Moderation: the triaged queue, agreed scores with reasons, two-person sign-off, and
final ratings that nothing can change (service, admin, database)."""

import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from assessment import moderation, scoring, workflow
from assessment.models import Moderation, Rating, ScoreEvent
from assessment.moderation import ModerationError, apply_moderation_action, set_agreed_score

pytestmark = pytest.mark.django_db


def queue_url(submission):
    return reverse("moderation:queue", kwargs={"cycle": submission.cycle.slug})


def page_url(submission):
    return reverse(
        "moderation:moderate",
        kwargs={"cycle": submission.cycle.slug, "ods_code": submission.ccg.ods_code},
    )


def agree_all(moderation_obj, actor, scores=(2, 2, 2, 2, 2), reason="Evidence read again."):
    for domain, score in zip(
        moderation_obj.submission.cycle.domains.order_by("code"), scores, strict=True
    ):
        set_agreed_score(moderation_obj, domain, score=score, reason=reason, actor=actor)


def test_the_queue_shows_a_spread_of_two_with_its_reason(client, assessed, roles):
    client.force_login(roles.moderator)
    page = client.get(queue_url(assessed.submission)).content.decode()
    assert "NHS West Norfolk CCG" in page
    assert "Domain D" in page and "differ by 2" in page


def test_a_differing_agreed_score_needs_a_reason(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    domain_d = assessed.submission.cycle.domains.get(code="D")
    with pytest.raises(ModerationError, match="give the reason"):
        set_agreed_score(mod, domain_d, score=2, reason="", actor=roles.moderator)
    domain_a = assessed.submission.cycle.domains.get(code="A")
    set_agreed_score(mod, domain_a, score=2, reason="", actor=roles.moderator)  # both said 2


def test_two_person_sign_off_makes_a_final_rating_once(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    agree_all(mod, roles.moderator)
    apply_moderation_action(mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator)

    with pytest.raises(ModerationError, match="second moderator"):
        apply_moderation_action(mod, workflow.ModerationAction.CONFIRM, actor=roles.moderator)
    result = apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2
    )
    again = apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2
    )

    rating = Rating.objects.get()
    assert (rating.total, rating.band_label, rating.scores) == (
        10,
        "Green",
        {"A": 2, "B": 2, "C": 2, "D": 2, "E": 2},
    )
    assert rating.bands_version == assessed.submission.cycle.bands_version
    assert rating.proposed_by == roles.moderator and rating.confirmed_by == assessed.moderator2
    assert result.changed and not again.changed
    assert again.message == "This rating is already final."
    with pytest.raises(ModerationError, match="cannot change once"):
        set_agreed_score(
            mod, assessed.submission.cycle.domains.get(code="A"), score=3, reason="x",
            actor=roles.moderator,
        )  # fmt: skip


def test_a_moderator_who_assessed_the_ccg_cannot_moderate_it(assessed):
    assessor = assessed.first
    assessor.is_moderator = True
    assessor.save()
    with pytest.raises(moderation.PermissionDenied):
        moderation.open_moderation(assessed.submission, actor=assessor)


def test_send_back_needs_a_comment_and_reopens(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    agree_all(mod, roles.moderator)
    apply_moderation_action(mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator)
    with pytest.raises(ModerationError, match="Say why"):
        apply_moderation_action(mod, workflow.ModerationAction.SEND_BACK, actor=assessed.moderator2)
    apply_moderation_action(
        mod, workflow.ModerationAction.SEND_BACK, actor=assessed.moderator2, note="Check D."
    )
    assert Moderation.objects.get().status == "open"
    assert not Rating.objects.exists()


def final_rating(assessed, roles):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    agree_all(mod, roles.moderator)
    apply_moderation_action(mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator)
    return apply_moderation_action(
        mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2
    ).rating


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE assessment_rating SET total = 15",
        "DELETE FROM assessment_rating",
        "UPDATE assessment_scoreevent SET new_score = 0",
        "DELETE FROM assessment_scoreevent",
        "UPDATE assessment_moderationevent SET note = 'x'",
    ],
)
def test_the_database_refuses_to_change_final_ratings_and_history(assessed, roles, statement):
    final_rating(assessed, roles)
    with (
        pytest.raises(IntegrityError, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert Rating.objects.get().total == 10
    assert ScoreEvent.objects.exists()


def test_the_orm_cannot_change_a_final_rating_either(assessed, roles):
    rating = final_rating(assessed, roles)
    rating.total = 15
    with pytest.raises(IntegrityError), transaction.atomic():
        rating.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(pk=rating.pk).delete()


def test_the_admin_cannot_change_a_final_rating(client, assessed, roles):
    rating = final_rating(assessed, roles)
    admin = roles.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    change_url = reverse("admin:assessment_rating_change", args=[rating.pk])
    response = client.post(change_url, {"total": 15})
    assert response.status_code == 403
    delete_url = reverse("admin:assessment_rating_delete", args=[rating.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Rating.objects.get().total == 10


def test_every_combination_of_five_scores_gets_the_cycles_band(assessed):
    cycle = assessed.submission.cycle
    table = list(cycle.bands.values_list("code", "minimum", "maximum"))
    for scores in itertools.product(range(4), repeat=5):
        values = dict(zip(scoring.DOMAIN_CODES, scores, strict=True))
        rating = scoring.rate(values, cycle.band_table())
        expected = [code for code, low, high in table if low <= sum(scores) <= high]
        assert [rating.band.code] == expected, scores


def test_every_combination_is_stored_as_the_final_rating_the_table_says(assessed, roles):
    """All 1,024 combinations through ``record_rating``, the one writer of final ratings
    (each superseding the last, so that one submission can hold them all)."""
    submission = assessed.submission
    table = list(submission.cycle.bands.values_list("code", "minimum", "maximum"))
    previous = None
    for scores in itertools.product(range(4), repeat=5):
        values = dict(zip(scoring.DOMAIN_CODES, scores, strict=True))
        previous = moderation.record_rating(
            submission, values, proposed_by=roles.moderator, confirmed_by=assessed.moderator2,
            source=Rating.Source.REVIEW if previous else Rating.Source.MODERATED,
            supersedes=previous,
        )  # fmt: skip
    stored = Rating.objects.filter(submission=submission).values_list(
        "scores", "total", "band_code", "bands_version"
    )
    assert len(stored) == 1024
    for scores, total, band_code, version in stored:
        assert total == sum(scores.values())
        assert [band_code] == [code for code, low, high in table if low <= total <= high]
        assert version == submission.cycle.bands_version


@pytest.mark.parametrize("scores", [(0, 0, 0, 0, 0), (1, 1, 1, 1, 0), (1, 1, 1, 1, 1),
                                    (2, 2, 2, 2, 1), (2, 2, 2, 2, 2), (3, 3, 3, 2, 2),
                                    (3, 3, 3, 3, 2), (3, 3, 3, 3, 3)])  # fmt: skip
def test_the_stored_final_rating_matches_the_cycles_table_at_each_boundary(assessed, roles, scores):
    mod = moderation.open_moderation(assessed.submission, actor=roles.moderator)
    agree_all(mod, roles.moderator, scores=scores)
    apply_moderation_action(mod, workflow.ModerationAction.PROPOSE, actor=roles.moderator)
    apply_moderation_action(mod, workflow.ModerationAction.CONFIRM, actor=assessed.moderator2)
    rating = Rating.objects.get()
    band = assessed.submission.cycle.bands.get(minimum__lte=sum(scores), maximum__gte=sum(scores))
    assert (rating.total, rating.band_code) == (sum(scores), band.code)


def make_identical_case(cycle, scores):
    """A submitted CCG whose two assessors gave the same ``scores`` (A-E)."""
    from assessment.models import Assessment, DomainScore
    from evidence.models import Submission
    from tests.factories import CCGFactory, UserFactory

    submission = Submission.objects.create(
        ccg=CCGFactory(), cycle=cycle, status="submitted", submitted_at="2020-07-01T12:00:00Z"
    )
    for _ in range(2):
        assessment = Assessment.objects.create(
            submission=submission, assessor=UserFactory(is_assessor=True), status="submitted",
            submitted_at="2020-08-01T12:00:00Z",
        )  # fmt: skip
        DomainScore.objects.bulk_create(
            DomainScore(assessment=assessment, domain=d, score=score, rationale="r")
            for d, score in zip(cycle.domains.order_by("code"), scores, strict=True)
        )
    return submission


def test_identical_agreed_cases_are_proposed_and_confirmed_in_bulk(assessed, roles):
    cycle = assessed.submission.cycle
    cycle.moderation_sample_percent = 0
    cycle.save()
    top = make_identical_case(cycle, (3, 3, 3, 3, 3))  # 15: one less is still Green star
    middle = make_identical_case(cycle, (2, 2, 1, 1, 1))  # 7: Amber either side
    near = make_identical_case(cycle, (2, 2, 2, 2, 2))  # 10: one less is Amber, so queued

    candidates = {row.submission.pk for row in moderation.bulk_candidates(cycle)}
    assert candidates == {top.pk, middle.pk}
    assert near.pk not in candidates and assessed.submission.pk not in candidates

    proposed = moderation.propose_in_bulk(cycle, actor=roles.moderator)
    own = moderation.confirm_in_bulk(cycle, actor=roles.moderator)
    confirmed = moderation.confirm_in_bulk(cycle, actor=assessed.moderator2)

    assert (proposed.done, own.done, confirmed.done) == (2, 0, 2)
    ratings = {r.submission_id: r for r in Rating.objects.all()}
    assert set(ratings) == {top.pk, middle.pk}
    assert (ratings[top.pk].total, ratings[top.pk].band_label) == (15, "Green star")
    assert (ratings[middle.pk].total, ratings[middle.pk].band_label) == (7, "Amber")
    assert {r.confirmed_by for r in ratings.values()} == {assessed.moderator2}

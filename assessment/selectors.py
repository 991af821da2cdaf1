"""Reads of cycles and their framework."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from assessment.models import Criterion, Cycle, Domain

ACTIVE_PHASES = (
    Cycle.Phase.SUBMISSION,
    Cycle.Phase.ASSESSMENT,
    Cycle.Phase.MODERATION,
    Cycle.Phase.OUTCOME,
)


def current_cycle() -> Cycle | None:
    """The latest cycle under way (not being set up, not closed), if any."""
    return Cycle.objects.filter(phase__in=ACTIVE_PHASES).order_by("-label").first()


def cycles_with_framework():
    """Cycles with their bands, domains and criteria in a fixed number of queries."""
    return Cycle.objects.prefetch_related(
        "bands",
        Prefetch(
            "domains",
            queryset=Domain.objects.prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
            ),
        ),
    )


# --------------------------------------------------------------------------- assessing


def assessor_queue(user):
    """The assessor's active assignments with the state of their own assessment (3 queries)."""
    from assessment.models import Assessment, Assignment, DomainScore

    own = Assessment.objects.filter(submission=OuterRef("submission"), assessor=user)
    scored = (
        DomainScore.objects.filter(
            assessment__submission=OuterRef("submission"),
            assessment__assessor=user,
            score__isnull=False,
        )
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Assignment.objects.filter(
            assessor=user, unassigned_at__isnull=True, submission__status="submitted"
        )
        .select_related("submission__ccg__stp__region", "submission__cycle")
        .annotate(
            assessment_status=Subquery(own.values("status")[:1]),
            domains_scored=Coalesce(Subquery(scored[:1]), 0),
        )
        .order_by("-submission__cycle__label", "submission__ccg__name")
    )


@dataclass
class CriterionAssessmentView:
    criterion: object
    evidence: list  # evidence.selectors.ItemView
    finding: object  # CriterionFinding or None


@dataclass
class DomainAssessmentView:
    domain: object
    narrative: object
    criteria: list[CriterionAssessmentView]
    score: object  # DomainScore or None


def domain_assessment(submission, assessment, domain_code: str) -> DomainAssessmentView:
    """One domain of the scoring page: the CCG's narrative and evidence beside the criteria,
    with the assessor's own findings and score (a fixed number of queries)."""
    from assessment.models import CriterionFinding, DomainScore
    from evidence.selectors import submission_overview

    view = submission_overview(submission).domain(domain_code)
    findings = {
        f.criterion_id: f
        for f in CriterionFinding.objects.filter(
            assessment=assessment, criterion__domain=view.domain
        )
    }
    score = DomainScore.objects.filter(assessment=assessment, domain=view.domain).first()
    return DomainAssessmentView(
        domain=view.domain,
        narrative=view.narrative,
        criteria=[
            CriterionAssessmentView(c.criterion, c.items, findings.get(c.criterion.pk))
            for c in view.criteria
        ],
        score=score,
    )


@dataclass
class AssessmentSummary:
    assessment: object
    scores: dict  # domain code -> DomainScore
    findings: int


def assessment_summaries(submission, assessments) -> list[AssessmentSummary]:
    """Score tables for the given assessments of one submission (2 queries)."""
    from assessment.models import Assessment, DomainScore

    ids = [a.pk for a in assessments]
    scores: dict[int, dict] = {pk: {} for pk in ids}
    for score in DomainScore.objects.filter(assessment_id__in=ids).select_related("domain"):
        scores[score.assessment_id][score.domain.code] = score
    counts = dict(
        Assessment.objects.filter(pk__in=ids).annotate(n=Count("findings")).values_list("pk", "n")
    )
    return [AssessmentSummary(a, scores[a.pk], counts.get(a.pk, 0)) for a in assessments]


# --------------------------------------------------------------------------- moderation


@dataclass
class QueueRow:
    submission: object
    scores: list  # two dicts of domain code -> score, in assessment order
    totals: list
    reasons: tuple
    moderation: object
    rating: object

    @property
    def agreed(self) -> bool:
        return not self.reasons

    @property
    def moderation_status(self) -> str:
        return self.moderation.status if self.moderation else ""


def moderation_queue(cycle, *, seed: int) -> list[QueueRow]:
    """Every CCG of ``cycle`` whose two assessments are submitted, triaged (fixed queries)."""
    from assessment.models import DomainScore, Moderation, Rating
    from assessment.triage import triage
    from evidence.models import Submission

    submissions = {
        s.pk: s
        for s in Submission.objects.filter(cycle=cycle)
        .annotate(done=Count("assessments", filter=Q(assessments__status="submitted")))
        .filter(done__gte=2)
        .select_related("ccg__stp__region", "cycle")
        .order_by("ccg__name")
    }
    by_assessment: dict[int, dict] = {}
    owner: dict[int, int] = {}
    for submission_id, assessment_id, code, score in DomainScore.objects.filter(
        assessment__submission__in=list(submissions), assessment__status="submitted"
    ).values_list("assessment__submission_id", "assessment_id", "domain__code", "score"):
        by_assessment.setdefault(assessment_id, {})[code] = score
        owner[assessment_id] = submission_id
    pairs: dict[int, list] = {}
    for assessment_id in sorted(by_assessment):
        pairs.setdefault(owner[assessment_id], []).append(by_assessment[assessment_id])
    moderations = {
        m.submission_id: m for m in Moderation.objects.filter(submission__in=list(submissions))
    }
    ratings = {
        r.submission_id: r
        for r in Rating.objects.filter(submission__in=list(submissions), superseded_by__isnull=True)
    }
    bands = cycle.band_table()
    cases = {pk: (pairs[pk][0], pairs[pk][1]) for pk in submissions if len(pairs.get(pk, [])) >= 2}
    results = {
        result.key: result
        for result in triage(
            cases, bands, sample_percent=cycle.moderation_sample_percent, seed=seed
        )
    }
    rows = []
    for pk, submission in submissions.items():
        if pk not in cases:
            continue
        a, b = cases[pk]
        rows.append(
            QueueRow(
                submission=submission,
                scores=[a, b],
                totals=[sum(v or 0 for v in a.values()), sum(v or 0 for v in b.values())],
                reasons=results[pk].reasons,
                moderation=moderations.get(pk),
                rating=ratings.get(pk),
            )
        )
    return rows

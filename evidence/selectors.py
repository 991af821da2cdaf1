"""Reads of evidence submissions, scoped to the user, and the overview that the task list,
the domain pages and the check-your-answers page are drawn from (a fixed number of queries).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q

from accounts import permissions
from accounts.models import CCGRole
from assessment.models import Assignment, Criterion, Domain
from evidence import workflow
from evidence.models import DomainNarrative, EvidenceFile, EvidenceItem, Submission


def submissions_visible_to(user, cycle=None):
    """The national team sees every submission; a lead or officer sees their CCGs' own."""
    queryset = Submission.objects.select_related("ccg__stp__region", "cycle")
    if cycle is not None:
        queryset = queryset.filter(cycle=cycle)
    if permissions.is_national_staff(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    roles = CCGRole.objects.filter(user=user, ccg=OuterRef("ccg")).filter(
        Q(cycle__isnull=True) | Q(cycle=OuterRef("cycle"))
    )
    assigned = Assignment.objects.filter(
        assessor=user, assessor__is_assessor=True, submission=OuterRef("pk"),
        unassigned_at__isnull=True,
    )  # fmt: skip
    return queryset.filter(Exists(roles) | (Q(status="submitted") & Exists(assigned)))


def submissions_for_ccgs(ccgs, cycle):
    """The submissions of ``ccgs`` in ``cycle`` (for a user's own CCGs; scope them first)."""
    if cycle is None:
        return Submission.objects.none()
    return (
        Submission.objects.filter(cycle=cycle, ccg__in=ccgs)
        .select_related("ccg", "cycle")
        .order_by("ccg__name")
    )


def active_items(**filters):
    """Evidence items still in their submission, oldest first, with their file revisions
    (newest first) in one more query."""
    return (
        EvidenceItem.objects.filter(removed_at__isnull=True, **filters)
        .select_related("criterion")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=EvidenceFile.objects.select_related("uploaded_by").order_by("-revision"),
            )
        )
        .order_by("created_at", "pk")
    )


@dataclass
class ItemView:
    item: EvidenceItem
    current_file: EvidenceFile | None
    revisions: list[EvidenceFile]
    duplicate_of: list[str] = field(default_factory=list)  # criterion codes with the same file


@dataclass
class CriterionView:
    criterion: Criterion
    items: list[ItemView]

    @property
    def has_room(self) -> bool:
        return len(self.items) < workflow.MAX_ITEMS_PER_CRITERION


@dataclass
class DomainView:
    domain: Domain
    narrative: DomainNarrative | None
    criteria: list[CriterionView]

    @property
    def progress(self) -> workflow.Progress:
        return workflow.domain_progress(
            has_narrative=bool(self.narrative and self.narrative.text),
            criteria_with_evidence=sum(1 for c in self.criteria if c.items),
            criteria=len(self.criteria),
        )


@dataclass
class SubmissionOverview:
    submission: Submission
    domains: list[DomainView]

    @property
    def blocking_problems(self) -> list[str]:
        """What stops the lead submitting: a domain without its narrative."""
        return [
            f"Write the narrative for domain {view.domain.code} ({view.domain.name})."
            for view in self.domains
            if not (view.narrative and view.narrative.text)
        ]

    @property
    def warnings(self) -> list[str]:
        """Criteria without evidence: allowed, but the lead should know."""
        return [
            f"{c.criterion.code} {c.criterion.title} has no evidence."
            for view in self.domains
            for c in view.criteria
            if not c.items
        ]

    def domain(self, code: str) -> DomainView:
        return next(view for view in self.domains if view.domain.code == code)


def submission_overview(submission: Submission) -> SubmissionOverview:
    domains = list(
        Domain.objects.filter(cycle_id=submission.cycle_id)
        .order_by("code")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("position")))
    )
    narratives = {
        n.domain_id: n
        for n in DomainNarrative.objects.filter(submission=submission).select_related("updated_by")
    }
    items = active_items(submission=submission)
    by_criterion: dict[int, list[ItemView]] = defaultdict(list)
    by_hash: dict[str, list[ItemView]] = defaultdict(list)
    for item in items:
        revisions = list(item.revisions.all())
        view = ItemView(item, revisions[0] if revisions else None, revisions)
        by_criterion[item.criterion_id].append(view)
        if view.current_file:
            by_hash[view.current_file.sha256].append(view)
    for same in by_hash.values():
        if len(same) > 1:
            for view in same:
                view.duplicate_of = [
                    other.item.criterion.code for other in same if other is not view
                ]
    return SubmissionOverview(
        submission=submission,
        domains=[
            DomainView(
                domain=domain,
                narrative=narratives.get(domain.pk),
                criteria=[
                    CriterionView(criterion, by_criterion.get(criterion.pk, []))
                    for criterion in domain.criteria.all()
                ],
            )
            for domain in domains
        ],
    )


def open_clarification_for(submission, criterion):
    """The open clarification request on ``criterion``, if any (the lead may then add evidence)."""
    from assessment.models import Clarification

    return (
        Clarification.objects.filter(
            submission=submission, criterion=criterion, answered_at__isnull=True
        )
        .select_related("submission")
        .first()
    )

"""Writes to cycles and their framework, and to assessors' assessments.

``load_cycle`` makes the database match a framework file: idempotent (loading the
same file again changes nothing and says so) and transactional (a broken file is
refused whole, before any write). Changing a cycle's band table bumps its
``bands_version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from assessment import scoring, workflow
from assessment.framework import CycleSpec, FrameworkFileError, read_framework_file
from assessment.models import (
    Assessment,
    AssessmentEvent,
    Criterion,
    CriterionFinding,
    Cycle,
    Domain,
    DomainScore,
    RaggBand,
    ScoreEvent,
)
from common.db import save_changed

FRAMEWORK_DIR = Path(__file__).resolve().parent / "frameworks"
SHIPPED_FRAMEWORKS = (FRAMEWORK_DIR / "2018-19.toml", FRAMEWORK_DIR / "2019-20.toml")

CYCLE_FIELDS = (
    "framework_name",
    "indicator_name",
    "guidance_section",
    "guidance_title",
    "framework_version",
    "register_year",
    "period_start",
    "period_end",
    "submission_opens",
    "submission_deadline",
    "review_window_days",
)


@dataclass(frozen=True)
class LoadReport:
    cycle: Cycle
    outcome: str  # "created", "updated" or "unchanged"

    def summary(self) -> str:
        criteria = Criterion.objects.filter(domain__cycle=self.cycle).count()
        return (
            f"Cycle {self.cycle.label} {self.outcome}: {self.cycle.framework_name}, "
            f"{criteria} criteria, bands version {self.cycle.bands_version}."
        )


def load_cycle(path: str | Path) -> LoadReport:
    """Load (or reload) the cycle defined by the framework file at ``path``."""
    return apply_cycle_spec(read_framework_file(path))


@transaction.atomic
def apply_cycle_spec(spec: CycleSpec) -> LoadReport:
    cycle = Cycle.objects.select_for_update().filter(label=spec.label).first()
    if cycle is None:
        cycle = Cycle.objects.create(
            label=spec.label,
            slug=spec.slug,
            source_sha256=spec.source_sha256,
            **{name: getattr(spec, name) for name in CYCLE_FIELDS},
        )
        outcome = "created"
    else:
        changed = [name for name in CYCLE_FIELDS if getattr(cycle, name) != getattr(spec, name)]
        for name in changed:
            setattr(cycle, name, getattr(spec, name))
        outcome = "updated" if changed else "unchanged"
        if changed:
            cycle.save(update_fields=[*changed, "updated_at"])

    if _sync_bands(cycle, spec) and outcome != "created":
        cycle.bands_version += 1
        cycle.save(update_fields=["bands_version", "updated_at"])
        outcome = "updated"
    if _sync_domains(cycle, spec) and outcome == "unchanged":
        outcome = "updated"
    if cycle.source_sha256 != spec.source_sha256:
        cycle.source_sha256 = spec.source_sha256
        cycle.save(update_fields=["source_sha256", "updated_at"])
    return LoadReport(cycle=cycle, outcome=outcome)


def _sync_bands(cycle: Cycle, spec: CycleSpec) -> bool:
    current = sorted((b.code, b.label, b.minimum, b.maximum) for b in cycle.bands.all())
    wanted = sorted((b.code, b.label, b.minimum, b.maximum) for b in spec.bands)
    if current == wanted:
        return False
    cycle.bands.all().delete()
    RaggBand.objects.bulk_create(
        RaggBand(cycle=cycle, code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)
        for b in spec.bands
    )
    return True


def _sync_domains(cycle: Cycle, spec: CycleSpec) -> bool:
    changed = False
    domains = {domain.code: domain for domain in cycle.domains.prefetch_related("criteria")}
    for domain_spec in spec.domains:
        domain = domains.get(domain_spec.code)
        if domain is None:
            domain = Domain.objects.create(
                cycle=cycle,
                code=domain_spec.code,
                name=domain_spec.name,
                summary=domain_spec.summary,
            )
            existing = {}
            changed = True
        else:
            changed |= save_changed(domain, name=domain_spec.name, summary=domain_spec.summary)
            existing = {criterion.code: criterion for criterion in domain.criteria.all()}
        for position, criterion_spec in enumerate(domain_spec.criteria, start=1):
            values = {
                "title": criterion_spec.title,
                "description": criterion_spec.description,
                "evidence_examples": list(criterion_spec.evidence_examples),
                "position": position,
            }
            criterion = existing.pop(criterion_spec.code, None)
            if criterion is None:
                Criterion.objects.create(domain=domain, code=criterion_spec.code, **values)
                changed = True
            else:
                changed |= save_changed(criterion, **values)
        if existing:
            try:
                Criterion.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
            except ProtectedError as exc:
                # Evidence (and later scores) point at them: a framework file may not
                # take a criterion away once a CCG has used it.
                raise FrameworkFileError(
                    spec.label,
                    [
                        f"criterion {code} is missing from the file, but evidence has been "
                        "submitted against it, so it cannot be removed"
                        for code in sorted(existing)
                    ],
                ) from exc
            changed = True
    return changed


# --------------------------------------------------------------------------- assessing


class AssessmentError(Exception):
    """A request the assessment rules refuse; the message is for the user."""


@dataclass(frozen=True)
class FindingInput:
    criterion_id: int
    finding: str  # "" for not yet recorded
    note: str


def _require(user, perm: str, obj) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(perm)


def open_assessment(submission, *, actor) -> Assessment:
    """The assessor's own assessment of ``submission`` (created as a draft on first open)."""
    _require(actor, "assessment.assess_submission", submission)
    assessment, _ = Assessment.objects.get_or_create(submission=submission, assessor=actor)
    return assessment


def save_domain(
    assessment: Assessment,
    domain: Domain,
    *,
    score: int | None,
    rationale: str,
    improvement_points: str,
    good_practice: str,
    findings: list[FindingInput],
    actor,
) -> DomainScore:
    """Save a domain's score, texts and criterion findings in one transaction.

    Side effects: row lock on the assessment; the DomainScore and CriterionFindings are
    upserted; a ScoreEvent (old -> new, rationale, who, when) is appended whenever the
    score or its rationale changes. Refused once the assessment is submitted.
    """
    if score is not None:
        score = int(scoring.validate_domain_score(score))
    if score is not None and not rationale.strip():
        raise AssessmentError(f"Give the rationale for your score for domain {domain.code}.")
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.assessor_id != actor.pk:
            raise PermissionDenied("not your assessment")
        _require(actor, "assessment.assess_submission", assessment.submission)
        if assessment.status != workflow.Status.DRAFT:
            raise AssessmentError("You have submitted this assessment: it can no longer change.")
        if domain.cycle_id != assessment.submission.cycle_id:
            raise AssessmentError("That domain belongs to another cycle.")
        current, _ = DomainScore.objects.get_or_create(assessment=assessment, domain=domain)
        old_score, old_rationale = current.score, current.rationale
        current.score = score
        current.rationale = rationale.strip()
        current.improvement_points = improvement_points.strip()
        current.good_practice = good_practice.strip()
        current.save()
        if (old_score, old_rationale) != (current.score, current.rationale):
            ScoreEvent.objects.create(
                assessment=assessment,
                domain=domain,
                old_score=old_score,
                new_score=current.score,
                rationale=current.rationale,
                actor=actor,
            )
        criteria = {c.pk for c in domain.criteria.all()}
        for item in findings:
            if item.criterion_id not in criteria:
                raise AssessmentError("A finding names a criterion of another domain.")
            if not item.finding:
                CriterionFinding.objects.filter(
                    assessment=assessment, criterion_id=item.criterion_id
                ).delete()
                continue
            CriterionFinding.objects.update_or_create(
                assessment=assessment,
                criterion_id=item.criterion_id,
                defaults={
                    "finding": workflow.Finding(item.finding).value,
                    "note": item.note.strip(),
                },
            )
        return current


@dataclass(frozen=True)
class AssessmentActionResult:
    assessment: Assessment
    changed: bool
    message: str


def apply_assessment_action(
    assessment: Assessment, action: workflow.Action, *, actor, note=""
) -> AssessmentActionResult:
    """The single writer of an assessment's status.

    Side effects: row lock; status and submitted_at saved; an AssessmentEvent appended.
    Submitting needs every domain scored with a rationale and every criterion given a
    finding. Repeating a submit changes nothing and says so.
    """
    action = workflow.Action(action)
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("submission__cycle")
            .get(pk=assessment.pk)
        )
        status = workflow.Status(assessment.status)
        if (status, action) in workflow.ALREADY_DONE:
            return AssessmentActionResult(
                assessment, False, workflow.ALREADY_DONE[(status, action)]
            )
        if action == workflow.Action.SUBMIT:
            if assessment.assessor_id != actor.pk:
                raise PermissionDenied("not your assessment")
            _require(actor, "assessment.assess_submission", assessment.submission)
            problems = _missing_for_submit(assessment)
            if problems:
                raise AssessmentError(" ".join(problems))
        else:
            _require(actor, "assessment.manage_assignments", assessment.submission)
        new_status = workflow.next_status(status, action)
        assessment.status = new_status.value
        assessment.submitted_at = (
            timezone.now() if new_status == workflow.Status.SUBMITTED else None
        )
        assessment.save(update_fields=["status", "submitted_at"])
        AssessmentEvent.objects.create(
            assessment=assessment, from_status=status, to_status=new_status, actor=actor, note=note
        )
        message = (
            "Assessment submitted."
            if action == workflow.Action.SUBMIT
            else "The assessment is a draft again."
        )
        return AssessmentActionResult(assessment, True, message)


def _missing_for_submit(assessment: Assessment) -> list[str]:
    cycle_domains = Domain.objects.filter(cycle_id=assessment.submission.cycle_id)
    scores = {s.domain_id: s for s in assessment.domain_scores.all()}
    domain_scores = {d.code: getattr(scores.get(d.pk), "score", None) for d in cycle_domains}
    rationales = {d.code: getattr(scores.get(d.pk), "rationale", "") for d in cycle_domains}
    criteria = Criterion.objects.filter(domain__cycle_id=assessment.submission.cycle_id).count()
    return workflow.missing_for_submit(
        domain_scores=domain_scores,
        rationales=rationales,
        criteria=criteria,
        findings=assessment.findings.count(),
    )

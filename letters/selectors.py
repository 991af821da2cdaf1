"""Reads for the letters: a cycle's wording, what a letter or summary is rendered from, the
documents in force, render progress, and the documents a user may download.

``letter_content`` and ``summary_content`` turn the database (cycle, CCG, final rating,
findings) into the plain values that ``letters.rendering`` lays out; ``inputs_of`` gives
those values as JSON and their SHA-256, which decides whether a document must be
rendered again ("the same inputs never render twice").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import CCGRole
from assessment import workflow
from assessment.models import CriterionFinding, Cycle, DomainScore, Rating
from evidence.models import Submission
from letters.models import (
    Document,
    DocumentKind,
    Download,
    LetterSettings,
    OutboxMessage,
    RenderJob,
)
from letters.rendering import (
    LetterContent,
    SummaryContent,
    SummaryCriterion,
    SummaryDomain,
)
from letters.wording import SEED_WORDINGS, LetterWording, seed_wording

_FINDING_ORDER = {
    workflow.Finding.NOT_MET.value: 0,
    workflow.Finding.PARTLY_MET.value: 1,
    workflow.Finding.MET.value: 2,
}


def default_wording(cycle: Cycle) -> LetterWording:
    """The seed letter of the cycle, or the latest seed letter for a cycle without one."""
    if cycle.label in SEED_WORDINGS:
        return seed_wording(cycle.label)
    return SEED_WORDINGS[max(SEED_WORDINGS)]


@dataclass(frozen=True)
class LetterFacts:
    """The cycle's letter settings in force: the admin's, or the defaults until they edit."""

    wording: LetterWording
    letter_date: dt.date
    framework_name: str
    indicator_name: str
    guidance_section: str
    guidance_title: str

    @classmethod
    def defaults(cls, cycle: Cycle) -> LetterFacts:
        return cls(
            wording=default_wording(cycle),
            letter_date=timezone.localdate(),
            framework_name=cycle.framework_name,
            indicator_name=cycle.indicator_name,
            guidance_section=cycle.guidance_section,
            guidance_title=cycle.guidance_title,
        )


FACT_FIELDS = ("framework_name", "indicator_name", "guidance_section", "guidance_title")


def letter_settings(cycle: Cycle) -> LetterFacts:
    row = LetterSettings.objects.filter(cycle=cycle).first()
    if row is None:
        return LetterFacts.defaults(cycle)
    return LetterFacts(
        wording=LetterWording.from_dict(row.wording),
        letter_date=row.letter_date,
        **{name: getattr(row, name) for name in FACT_FIELDS},
    )


def wording_for(cycle: Cycle) -> tuple[LetterWording, dt.date]:
    """The wording and letter date in force."""
    found = letter_settings(cycle)
    return found.wording, found.letter_date


def current_ratings(cycle: Cycle):
    """Submission id -> the final rating in force, for every rated CCG of the cycle (1 query)."""
    ratings = Rating.objects.filter(submission__cycle=cycle, superseded_by__isnull=True).order_by(
        "finalised_at", "pk"
    )
    return {rating.submission_id: rating for rating in ratings}


@dataclass(frozen=True)
class CycleFacts:
    """What every letter of a cycle shares, read once for a whole run."""

    cycle: Cycle
    letter: LetterFacts
    bands: tuple[tuple[str, int, int], ...]
    domain_names: dict[str, str]

    @property
    def wording(self) -> LetterWording:
        return self.letter.wording

    @property
    def letter_date(self) -> dt.date:
        return self.letter.letter_date

    @classmethod
    def of(cls, cycle: Cycle) -> CycleFacts:
        return cls(
            cycle=cycle,
            letter=letter_settings(cycle),
            bands=tuple((b.label, b.minimum, b.maximum) for b in cycle.band_table()),
            domain_names=dict(cycle.domains.values_list("code", "name")),
        )


def _shared_content(submission: Submission, rating: Rating, facts: CycleFacts) -> dict:
    """The fields a letter and a summary both show."""
    return {
        "ccg_name": submission.ccg.name,
        "ods_code": submission.ccg.ods_code,
        "cycle_label": facts.cycle.label,
        "framework_name": facts.letter.framework_name,
        "indicator_name": facts.letter.indicator_name,
        "date": facts.letter_date,
        "scores": dict(rating.scores),
        "total": rating.total,
        "band_label": rating.band_label,
        "bands": facts.bands,
        "wording": facts.wording,
    }


def letter_content(submission: Submission, rating: Rating, facts: CycleFacts) -> LetterContent:
    return LetterContent(
        **_shared_content(submission, rating, facts),
        guidance_section=facts.letter.guidance_section,
        guidance_title=facts.letter.guidance_title,
    )


def summary_domains(submission: Submission) -> tuple[SummaryDomain, ...]:
    """Per domain: the criteria either assessor found not fully met (the worse finding, with
    both notes), and the assessors' improvement points as the moderators saw them (2 queries).
    The domain's score is filled in by ``summary_content`` from the final rating."""
    findings: dict[str, dict[str, list]] = {}
    titles: dict[str, tuple[str, str]] = {}
    for finding in (
        CriterionFinding.objects.filter(
            assessment__submission=submission, assessment__status="submitted"
        )
        .select_related("criterion__domain")
        .order_by("criterion__domain__code", "criterion__position", "assessment_id")
    ):
        criterion = finding.criterion
        titles[criterion.code] = (criterion.domain.code, criterion.title)
        findings.setdefault(criterion.code, {"findings": [], "notes": []})
        findings[criterion.code]["findings"].append(finding.finding)
        if finding.note.strip():
            findings[criterion.code]["notes"].append(finding.note.strip())
    points: dict[str, list[str]] = {}
    for score in (
        DomainScore.objects.filter(
            assessment__submission=submission, assessment__status="submitted"
        )
        .select_related("domain")
        .order_by("domain__code", "assessment_id")
    ):
        text = score.improvement_points.strip()
        if text and text not in points.setdefault(score.domain.code, []):
            points[score.domain.code].append(text)
    by_domain: dict[str, list[SummaryCriterion]] = {}
    for code, found in findings.items():
        worst = min(found["findings"], key=_FINDING_ORDER.__getitem__)
        if worst == workflow.Finding.MET.value:
            continue
        domain_code, title = titles[code]
        by_domain.setdefault(domain_code, []).append(
            SummaryCriterion(
                code=code,
                title=title,
                finding_label=workflow.Finding(worst).label,
                note="\n".join(dict.fromkeys(found["notes"])),
            )
        )
    return tuple(
        SummaryDomain(
            code=code,
            name="",
            score=0,
            criteria_not_met=tuple(by_domain.get(code, ())),
            improvement_points=tuple(points.get(code, ())),
        )
        for code in sorted(set(by_domain) | set(points))
    )


def summary_content(submission: Submission, rating: Rating, facts: CycleFacts) -> SummaryContent:
    found = {domain.code: domain for domain in summary_domains(submission)}
    return SummaryContent(
        **_shared_content(submission, rating, facts),
        domains=tuple(
            dataclasses.replace(
                found.get(code) or SummaryDomain(code=code, name="", score=0),
                name=name,
                score=rating.scores[code],
            )
            for code, name in sorted(facts.domain_names.items())
        ),
    )


def content_for(submission: Submission, kind: str, rating: Rating, facts: CycleFacts):
    if kind == DocumentKind.LETTER:
        return letter_content(submission, rating, facts)
    return summary_content(submission, rating, facts)


def inputs_of(content) -> tuple[dict, str]:
    """The content as JSON-ready data, and the SHA-256 of its canonical JSON."""
    data = json.loads(json.dumps(dataclasses.asdict(content), default=_json_default))
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return data, hashlib.sha256(canonical.encode()).hexdigest()


def _json_default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"Not JSON: {value!r}")


def changed_inputs(old: dict, new: dict) -> list[str]:
    """The top-level inputs that differ, for the reason of a new version ("scores, total")."""
    keys = [key for key in new if old.get(key) != new.get(key)]
    return [key.replace("_", " ") for key in keys]


# --------------------------------------------------------------------------- documents


def current_documents(cycle: Cycle):
    """The documents in force (no later version) of a cycle."""
    return Document.objects.filter(submission__cycle=cycle, superseded_by__isnull=True)


def current_document(submission: Submission, kind: str) -> Document | None:
    return (
        Document.objects.filter(submission=submission, kind=kind, superseded_by__isnull=True)
        .order_by("-version")
        .first()
    )


@dataclass
class CCGLetterRow:
    """One CCG on the admin's letters page."""

    submission: Submission
    rating: Rating | None
    letter: Document | None
    summary: Document | None
    versions: int

    @property
    def up_to_date(self) -> bool:
        return (
            self.rating is not None
            and self.letter is not None
            and self.letter.rating_id == self.rating.pk
        )


def cycle_letter_rows(cycle: Cycle) -> list[CCGLetterRow]:
    """Every CCG of the cycle with its rating and documents in force (3 queries)."""
    ratings = current_ratings(cycle)
    documents: dict[tuple[int, str], Document] = {}
    versions: Counter = Counter()
    for document in Document.objects.filter(submission__cycle=cycle).only(
        "pk", "submission_id", "kind", "version", "rating_id", "sha256", "rendered_at", "pages"
    ):
        versions[document.submission_id] += 1
        key = (document.submission_id, document.kind)
        if key not in documents or documents[key].version < document.version:
            documents[key] = document
    submissions = Submission.objects.filter(cycle=cycle).select_related("ccg").order_by("ccg__name")
    return [
        CCGLetterRow(
            submission=submission,
            rating=ratings.get(submission.pk),
            letter=documents.get((submission.pk, DocumentKind.LETTER)),
            summary=documents.get((submission.pk, DocumentKind.SUMMARY)),
            versions=versions[submission.pk],
        )
        for submission in submissions
    ]


@dataclass(frozen=True)
class RunProgress:
    total: int
    rendered: int
    unchanged: int
    failed: int

    @property
    def done(self) -> int:
        return self.rendered + self.unchanged

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed

    @property
    def finished(self) -> bool:
        return self.remaining == 0

    @property
    def percent(self) -> int:
        return round(100 * (self.done + self.failed) / self.total) if self.total else 100

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "total": self.total,
            "rendered": self.rendered,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "done": self.done,
            "remaining": self.remaining,
            "percent": self.percent,
            "finished": self.finished,
        }


def run_progress(run) -> RunProgress:
    """Counted from the job rows in one query."""
    Status = RenderJob.Status
    counts = RenderJob.objects.filter(run=run).aggregate(
        total=Count("pk"),
        rendered=Count("pk", filter=Q(status=Status.RENDERED)),
        unchanged=Count("pk", filter=Q(status=Status.UNCHANGED)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
    )
    return RunProgress(**counts)


def documents_for_officer(user):
    """The released documents in force of the CCGs where ``user`` is accountable officer
    (letters and summaries) or engagement lead (summaries), newest cycle first."""
    holds = CCGRole.objects.filter(user=user, ccg=OuterRef("submission__ccg")).filter(
        Q(cycle__isnull=True) | Q(cycle=OuterRef("submission__cycle"))
    )
    return (
        Document.objects.filter(
            superseded_by__isnull=True,
            submission__cycle__released_at__isnull=False,
            submission__cycle__released_at__lte=timezone.now(),
        )
        .filter(
            Exists(holds.filter(role=CCGRole.Role.ACCOUNTABLE_OFFICER))
            | (Exists(holds.filter(role=CCGRole.Role.LEAD)) & Q(kind=DocumentKind.SUMMARY))
        )
        .select_related("submission__ccg", "submission__cycle", "rating")
        .annotate(downloaded=Exists(Download.objects.filter(document=OuterRef("pk"), user=user)))
        .order_by("-submission__cycle__label", "submission__ccg__name", "kind")
    )


def messages_of_cycle(cycle: Cycle) -> Q:
    """The outbox of a cycle: its letters' e-mails and its notices."""
    return Q(document__submission__cycle=cycle) | Q(submission__cycle=cycle)


def outbox(cycle: Cycle):
    """The cycle's e-mails by CCG (a notice's CCG is its own, a letter's its document's),
    recipient, then letters (by version) before notices (oldest first)."""
    return (
        OutboxMessage.objects.filter(messages_of_cycle(cycle))
        .select_related("document__submission__ccg", "submission__ccg", "recipient")
        .annotate(ccg_name=Coalesce("document__submission__ccg__name", "submission__ccg__name"))
        .order_by("ccg_name", "recipient__email", "kind", "document__version", "created_at", "pk")
    )


def outbox_counts(cycle: Cycle) -> dict[str, int]:
    counts = dict(
        OutboxMessage.objects.filter(messages_of_cycle(cycle))
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return {status: counts.get(status, 0) for status in OutboxMessage.Status.values}


@dataclass
class DownloadRow:
    ccg_name: str
    ods_code: str
    officer: object
    letter: Document
    first_download: dt.datetime | None


def download_report(cycle: Cycle) -> list[DownloadRow]:
    """Each accountable officer of each CCG with a letter in force: downloaded yet, and when
    first (3 queries)."""
    letters = {
        d.submission.ccg_id: d
        for d in current_documents(cycle)
        .filter(kind=DocumentKind.LETTER)
        .select_related("submission__ccg")
    }
    first: dict[tuple[int, int], dt.datetime] = {}
    for document_id, user_id, at in (
        Download.objects.filter(document__in=[d.pk for d in letters.values()])
        .order_by("at")
        .values_list("document_id", "user_id", "at")
    ):
        first.setdefault((document_id, user_id), at)
    officers = (
        CCGRole.objects.filter(
            role=CCGRole.Role.ACCOUNTABLE_OFFICER, ccg__in=list(letters), user__is_active=True
        )
        .filter(Q(cycle__isnull=True) | Q(cycle=cycle))
        .select_related("user", "ccg")
        .order_by("ccg__name", "user__email")
    )
    rows: dict[tuple[int, int], DownloadRow] = {}
    for role in officers:
        letter = letters[role.ccg_id]
        rows.setdefault(
            (role.ccg_id, role.user_id),
            DownloadRow(
                ccg_name=role.ccg.name,
                ods_code=role.ccg.ods_code,
                officer=role.user,
                letter=letter,
                first_download=first.get((letter.pk, role.user_id)),
            ),
        )
    return list(rows.values())

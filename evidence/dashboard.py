"""The national team's submissions dashboard for a cycle, read-only: how many CCGs have not
started, are in progress or have submitted (and how many are overdue or have an extension),
the same by NHS region, the list of overdue CCGs, and the number of submissions received
day by day with its chart. ``dashboard_for`` reads it all in two queries however many CCGs
there are: the cycle's submissions annotated with Exists/Subquery expressions, and the NHS
regions of the cycle's register. A submission returned to draft counts as a draft; one
submitted again counts from its latest submission.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from assessment.models import Cycle
from ccgs.models import Region
from common import charts
from evidence import workflow
from evidence.models import DomainNarrative, EvidenceItem, Submission, SubmissionEvent

NOT_STARTED = "Not started"
IN_PROGRESS = "In progress"
SUBMITTED = "Submitted"
OVERDUE = "Overdue"
WITH_EXTENSION = "With extension"


@dataclass(frozen=True)
class Counts:
    """Every CCG is in exactly one state; overdue and with-extension cut across them."""

    total: int = 0
    not_started: int = 0
    in_progress: int = 0
    submitted: int = 0
    overdue: int = 0  # drafts past their deadline (the cycle's, or a later extension)
    with_extension: int = 0  # an extension was granted, whatever the status now

    @property
    def states(self) -> list[tuple[str, int]]:
        return [
            (NOT_STARTED, self.not_started),
            (IN_PROGRESS, self.in_progress),
            (SUBMITTED, self.submitted),
        ]

    def as_dict(self) -> dict[str, int]:
        return dict([*self.states, (OVERDUE, self.overdue), (WITH_EXTENSION, self.with_extension)])

    @property
    def submitted_percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0


@dataclass(frozen=True)
class RegionRow:
    name: str
    total: int = 0
    submitted: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class OverdueRow:
    ccg_name: str
    ods_code: str
    region: str
    deadline: date  # the effective deadline: the cycle's, or the extension's
    days_overdue: int
    state: str  # NOT_STARTED or IN_PROGRESS
    has_extension: bool
    url: str  # the submission's overview, where an extension can be granted


@dataclass(frozen=True)
class ProgressDay:
    """A day on which submissions arrived (for the table next to the chart)."""

    day: date
    received: int
    cumulative: int


@dataclass(frozen=True)
class Dashboard:
    counts: Counts
    by_region: list[RegionRow]  # every region of the cycle, by name
    region_total: RegionRow  # the sum of ``by_region``, named "All regions"
    overdue: list[OverdueRow]  # by CCG name
    progress: list[tuple[date, int]]  # submitted so far, each day from the opening
    progress_days: list[ProgressDay]  # only the days on which something was submitted
    chart_svg: str
    deadline: date  # the cycle's deadline


def _state(submission: Submission) -> str:
    if submission.status == workflow.Status.SUBMITTED:
        return SUBMITTED
    if submission.has_narrative or submission.has_evidence:
        return IN_PROGRESS
    return NOT_STARTED


def _submissions(cycle: Cycle) -> list[Submission]:
    """One query: the cycle's submissions, their CCG and region, and what the states need."""
    narratives = DomainNarrative.objects.filter(submission=OuterRef("pk")).exclude(text="")
    live_items = EvidenceItem.objects.filter(submission=OuterRef("pk"), removed_at__isnull=True)
    latest_submitted = (
        SubmissionEvent.objects.filter(
            submission=OuterRef("pk"), kind=SubmissionEvent.Kind.SUBMITTED
        )
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    submissions = list(
        Submission.objects.filter(cycle=cycle)
        .select_related("ccg__stp__region")
        .annotate(
            has_narrative=Exists(narratives),
            has_evidence=Exists(live_items),
            latest_submitted_at=Subquery(latest_submitted),
        )
        .order_by("ccg__name", "pk")
    )
    for submission in submissions:
        submission.cycle = cycle  # for get_absolute_url, without a query each
    return submissions


def _regions(cycle: Cycle, submissions: list[Submission]) -> dict[int, str]:
    """One query: the regions of the cycle's register, plus any its submissions are in."""
    regions = dict(
        Region.objects.filter(stps__register_entries__year=cycle.register_year)
        .distinct()
        .values_list("pk", "name")
    )
    for submission in submissions:
        region = submission.ccg.stp.region
        regions.setdefault(region.pk, region.name)
    return regions


def _progress(
    cycle: Cycle, submitted_days: list[date], today: date
) -> tuple[list[tuple[date, int]], list[ProgressDay]]:
    """Cumulative submissions a day, from the opening to the later of the deadline and the
    last submission, but never past today."""
    start = cycle.submission_opens
    last = max([cycle.submission_deadline, *submitted_days])
    end = min(today, last)
    if end < start:
        return [], []
    per_day = Counter(max(day, start) for day in submitted_days if day <= end)
    series, days, total = [], [], 0
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        total += per_day[day]
        series.append((day, total))
        if per_day[day]:
            days.append(ProgressDay(day, per_day[day], total))
    return series, days


def dashboard_for(cycle: Cycle, today: date) -> Dashboard:
    submissions = _submissions(cycle)
    regions = _regions(cycle, submissions)
    states: Counter[str] = Counter()
    overdue_count = extensions = 0
    by_region: dict[int, Counter[str]] = {pk: Counter() for pk in regions}
    overdue: list[OverdueRow] = []
    submitted_days: list[date] = []
    for submission in submissions:
        state = _state(submission)
        deadline = workflow.effective_deadline(
            cycle.submission_deadline, submission.extension_until
        )
        has_extension = deadline != cycle.submission_deadline
        is_overdue = state != SUBMITTED and deadline < today
        region = submission.ccg.stp.region
        states[state] += 1
        overdue_count += is_overdue
        extensions += has_extension
        by_region[region.pk].update({state: 1, OVERDUE: int(is_overdue)})
        if is_overdue:
            overdue.append(
                OverdueRow(
                    ccg_name=submission.ccg.name,
                    ods_code=submission.ccg.ods_code,
                    region=region.name,
                    deadline=deadline,
                    days_overdue=(today - deadline).days,
                    state=state,
                    has_extension=has_extension,
                    url=submission.get_absolute_url(),
                )
            )
        if state == SUBMITTED:
            at = submission.latest_submitted_at or submission.submitted_at
            if at is not None:
                submitted_days.append(timezone.localdate(at))

    def row(name: str, counter: Counter[str]) -> RegionRow:
        return RegionRow(
            name=name,
            total=counter[SUBMITTED] + counter[IN_PROGRESS] + counter[NOT_STARTED],
            submitted=counter[SUBMITTED],
            in_progress=counter[IN_PROGRESS],
            not_started=counter[NOT_STARTED],
            overdue=counter[OVERDUE],
        )

    region_rows = sorted(
        (row(regions[pk], counter) for pk, counter in by_region.items()),
        key=lambda r: (r.name, r.total),
    )
    progress, progress_days = _progress(cycle, submitted_days, today)
    counts = Counts(
        total=len(submissions),
        not_started=states[NOT_STARTED],
        in_progress=states[IN_PROGRESS],
        submitted=states[SUBMITTED],
        overdue=overdue_count,
        with_extension=extensions,
    )
    return Dashboard(
        counts=counts,
        by_region=region_rows,
        region_total=row("All regions", sum(by_region.values(), Counter())),
        overdue=sorted(overdue, key=lambda r: (r.ccg_name, r.ods_code)),
        progress=progress,
        progress_days=progress_days,
        chart_svg=charts.line_chart(
            progress,
            title=f"Submissions received for {cycle.label}, day by day",
            y_label="Submissions received",
            y_max=counts.total or None,
            markers=[(cycle.submission_deadline, "Deadline")],
            chart_id=f"submissions-{cycle.slug}",
        ),
        deadline=cycle.submission_deadline,
    )

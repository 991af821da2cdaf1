"""Insight for moderators and national admins: how well a cycle's assessors agree.

Per domain: quadratic-weighted Cohen's kappa between the two assessors of each CCG, and
the share of exact and adjacent agreement (``statistics.domain_agreement``). Per assessor:
the mean deviation of their domain scores from the moderated scores (severity or
leniency) and how often moderation changed their scores (``statistics.assessor_deviation``).
The moderated scores are those of each CCG's current final rating (the newest, after any
review). ``insight_for`` reads it all in four queries however many CCGs there are: the
cycle's domains, the domain scores of submitted assessments (with their submission and
assessor), the current final ratings, and the assessors. It is computed on every request,
so the page fills in as the cycle goes.

The two charts are drawn here by ``scaled_bar_chart``: bars on a fixed scale that may
start below zero (kappa runs from -1 to 1; a deviation is signed), which
``common.charts.bar_chart`` (scaled to its largest value, bars from zero only) cannot show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from assessment import statistics
from assessment.models import Cycle, Domain, DomainScore, Rating
from assessment.scoring import DOMAIN_CODES
from common import charts

# A mean deviation within a tenth of a point per domain either side of the moderated
# score reads as "in line": one point on one domain in two cases is 0.1.
IN_LINE_WITHIN = 0.1

MORE_SEVERE = "more severe"
MORE_LENIENT = "more lenient"
IN_LINE = "in line"
NOT_ENOUGH_DATA = "not enough data"


def kappa_strength(kappa: float | None) -> str:
    """The conventional words for a kappa (Landis and Koch, 1977)."""
    if kappa is None:
        return NOT_ENOUGH_DATA
    if kappa < 0:
        return "poor"
    for upper, words in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= upper:
            return words
    return "almost perfect"


def direction(mean_deviation: float) -> str:
    """Severe below the moderated scores, lenient above, in line within ``IN_LINE_WITHIN``."""
    if abs(mean_deviation) < IN_LINE_WITHIN:
        return IN_LINE
    return MORE_SEVERE if mean_deviation < 0 else MORE_LENIENT


def percent(share: float | None) -> int | None:
    return None if share is None else round(100 * share)


def number(value: float, places: int = 2) -> str:
    """0.73, or -0.35 written with a real minus sign (U+2212), which is read out as minus."""
    text = f"{value:.{places}f}"
    return text.lstrip("-") if float(text) == 0 else text.replace("-", "\u2212")


def signed(value: float) -> str:
    """+0.40, 0.00, or -0.20 written with a real minus sign (U+2212)."""
    text = f"{abs(value):.2f}"
    if text == "0.00":
        return text
    return f"+{text}" if value > 0 else f"\u2212{text}"


@dataclass(frozen=True)
class DomainRow:
    code: str
    name: str
    n: int  # CCGs with both assessors' scores
    kappa: float | None
    exact: float | None
    adjacent: float | None

    @property
    def kappa_text(self) -> str:
        return NOT_ENOUGH_DATA if self.kappa is None else number(self.kappa)

    @property
    def strength(self) -> str:
        return kappa_strength(self.kappa)

    @property
    def exact_percent(self) -> int | None:
        return percent(self.exact)

    @property
    def adjacent_percent(self) -> int | None:
        return percent(self.adjacent)


@dataclass(frozen=True)
class AssessorRow:
    assessor: object  # the user
    name: str
    cases: int  # their submitted assessments of CCGs with a final rating
    mean_deviation: float  # own score - moderated score, per domain; below 0 is severe
    moderated_cases: int  # cases where moderation changed any of their domain scores
    moderated_share: float

    @property
    def direction(self) -> str:
        return direction(self.mean_deviation)

    @property
    def deviation_text(self) -> str:
        return signed(self.mean_deviation)

    @property
    def moderated_percent(self) -> int:
        return percent(self.moderated_share)


@dataclass(frozen=True)
class Insight:
    paired: int  # CCGs with two submitted assessments
    rated: int  # CCGs with a final rating
    compared: int  # CCGs with a final rating and a submitted assessment (the assessor table)
    domains: list[DomainRow]  # A-E
    assessors: list[AssessorRow]  # by name
    kappa_chart_svg: str
    deviation_chart_svg: str

    @property
    def has_kappa(self) -> bool:
        return any(row.kappa is not None for row in self.domains)


def _complete(scores: dict[str, int | None]) -> bool:
    return all(isinstance(scores.get(code), int) for code in DOMAIN_CODES)


def insight_for(cycle: Cycle) -> Insight:
    domain_names = dict(
        Domain.objects.filter(cycle=cycle).order_by("code").values_list("code", "name")
    )
    by_assessment: dict[int, dict[str, int | None]] = {}
    owner: dict[int, tuple[int, int]] = {}  # assessment -> (submission, assessor)
    for submission_id, assessment_id, assessor_id, code, score in DomainScore.objects.filter(
        assessment__submission__cycle=cycle, assessment__status="submitted"
    ).values_list(
        "assessment__submission_id", "assessment_id", "assessment__assessor_id", "domain__code",
        "score",
    ):  # fmt: skip
        by_assessment.setdefault(assessment_id, {})[code] = score
        owner[assessment_id] = (submission_id, assessor_id)
    # Each CCG's complete score sets, in the order the assessments were opened.
    per_submission: dict[int, list[tuple[int, dict[str, int]]]] = {}
    for assessment_id in sorted(by_assessment):
        scores = by_assessment[assessment_id]
        if _complete(scores):
            submission_id, assessor_id = owner[assessment_id]
            per_submission.setdefault(submission_id, []).append((assessor_id, scores))
    moderated = dict(
        Rating.objects.filter(submission__cycle=cycle, superseded_by__isnull=True).values_list(
            "submission_id", "scores"
        )
    )
    moderated = {pk: scores for pk, scores in moderated.items() if _complete(scores)}

    # Pairs: the first two assessors of every CCG that has two (a third, after a
    # reassignment, is left out of the agreement but counted against the moderated scores).
    pairs = [(sets[0][1], sets[1][1]) for sets in per_submission.values() if len(sets) >= 2]
    agreement = statistics.domain_agreement(pairs)
    records = [
        (assessor_id, scores, moderated[submission_id])
        for submission_id, sets in per_submission.items()
        if submission_id in moderated
        for assessor_id, scores in sets
    ]
    deviations = statistics.assessor_deviation(records)
    users = get_user_model().objects.in_bulk([d.assessor for d in deviations])

    domains = [
        DomainRow(
            code=code,
            name=domain_names.get(code, ""),
            n=agreement[code].n,
            kappa=agreement[code].kappa,
            exact=agreement[code].exact,
            adjacent=agreement[code].adjacent,
        )
        for code in DOMAIN_CODES
    ]
    assessors = sorted(
        (
            AssessorRow(
                assessor=users.get(d.assessor),
                name=str(users.get(d.assessor) or "Unknown assessor"),
                cases=d.cases,
                mean_deviation=d.mean_deviation,
                moderated_cases=d.moderated_cases,
                moderated_share=d.moderated_share,
            )
            for d in deviations
        ),
        key=lambda row: (row.name.casefold(), getattr(row.assessor, "pk", 0)),
    )
    return Insight(
        paired=len(pairs),
        rated=len(moderated),
        compared=sum(1 for pk in per_submission if pk in moderated),
        domains=domains,
        assessors=assessors,
        kappa_chart_svg=_kappa_chart(cycle, domains),
        deviation_chart_svg=_deviation_chart(cycle, assessors),
    )


# --------------------------------------------------------------------------- charts


def _kappa_chart(cycle: Cycle, domains: list[DomainRow]) -> str:
    rows = [
        (f"Domain {row.code}", row.kappa, row.kappa_text, f"{row.kappa_text} ({row.strength})")
        for row in domains
        if row.kappa is not None
    ]
    lowest = min([0.0, *(row[1] for row in rows)])
    lowest = math.floor(lowest * 2) / 2  # 0, -0.5 or -1
    ticks = [tick / 4 for tick in range(int(lowest * 4), 5)]
    return charts.scaled_bar_chart(
        rows,
        title=f"Agreement between assessors by domain, {cycle.label} (quadratic-weighted kappa)",
        lowest=lowest,
        highest=1.0,
        ticks=ticks,
        tick_text=lambda tick: f"{tick:g}".replace("-", "\u2212"),
        below="",
        above="",
        chart_id=f"kappa-{cycle.slug}",
    )


def _deviation_chart(cycle: Cycle, assessors: list[AssessorRow]) -> str:
    rows = [
        (
            row.name,
            row.mean_deviation,
            row.deviation_text,
            f"{row.deviation_text} ({row.direction})",
        )
        for row in assessors
    ]
    reach = max([1, *(math.ceil(abs(row[1])) for row in rows)])
    step = 0.5 if reach == 1 else 1
    ticks = [i * step for i in range(-int(reach / step), int(reach / step) + 1)]
    return charts.scaled_bar_chart(
        rows,
        title=f"Assessors' mean deviation from the moderated scores, {cycle.label}",
        lowest=-reach,
        highest=reach,
        ticks=ticks,
        tick_text=lambda tick: signed(tick) if tick else "0",
        below="More severe",
        above="More lenient",
        chart_id=f"deviation-{cycle.slug}",
        label_width=220,
    )

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
from collections.abc import Callable, Sequence
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
    for upper, words in ((0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):  # fmt: skip
        if kappa <= upper if upper else kappa < upper:
            return words
    return "almost perfect"


def direction(mean_deviation: float) -> str:
    """Severe below the moderated scores, lenient above, in line within ``IN_LINE_WITHIN``."""
    if abs(mean_deviation) < IN_LINE_WITHIN:
        return IN_LINE
    return MORE_SEVERE if mean_deviation < 0 else MORE_LENIENT


def percent(share: float | None) -> int | None:
    return None if share is None else round(100 * share)


def signed(value: float) -> str:
    """+0.40, −0.20 (a real minus sign), 0.00."""
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
        return NOT_ENOUGH_DATA if self.kappa is None else f"{self.kappa:.2f}"

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
    compared: int  # CCGs with two submitted assessments and a final rating
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
        compared=sum(
            1 for pk, sets in per_submission.items() if len(sets) >= 2 and pk in moderated
        ),
        domains=domains,
        assessors=assessors,
        kappa_chart_svg=_kappa_chart(cycle, domains),
        deviation_chart_svg=_deviation_chart(cycle, assessors),
    )


# --------------------------------------------------------------------------- charts


def _kappa_chart(cycle: Cycle, domains: list[DomainRow]) -> str:
    rows = [
        (f"Domain {row.code}", row.kappa, f"{row.kappa:.2f}")
        for row in domains
        if row.kappa is not None
    ]
    lowest = min([0.0, *(value for _, value, _ in rows)])
    lowest = math.floor(lowest * 2) / 2  # 0, -0.5 or -1
    ticks = [tick / 4 for tick in range(int(lowest * 4), 5)]
    return scaled_bar_chart(
        rows,
        title=f"Agreement between assessors by domain, {cycle.label} (quadratic-weighted kappa)",
        lowest=lowest,
        highest=1.0,
        ticks=ticks,
        tick_text=lambda tick: f"{tick:g}",
        below="",
        above="",
        chart_id=f"kappa-{cycle.slug}",
    )


def _deviation_chart(cycle: Cycle, assessors: list[AssessorRow]) -> str:
    rows = [
        (row.name, row.mean_deviation, f"{row.deviation_text} ({row.direction})")
        for row in assessors
    ]
    reach = max([1, *(math.ceil(abs(value)) for _, value, _ in rows)])
    step = 0.5 if reach == 1 else 1
    ticks = [i * step for i in range(-int(reach / step), int(reach / step) + 1)]
    return scaled_bar_chart(
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


def scaled_bar_chart(
    rows: Sequence[tuple[str, float, str]],
    *,
    title: str,
    lowest: float,
    highest: float,
    ticks: Sequence[float],
    tick_text: Callable[[float], str] = str,
    below: str = "",
    above: str = "",
    width: int = 640,
    bar_height: int = 24,
    gap: int = 12,
    label_width: int = 200,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars on a fixed scale from ``lowest`` to ``highest`` (which may start below
    zero), each drawn from zero; ``rows`` are (label, value, the value in words).

    ``below`` and ``above`` name what lies left and right of zero ("More severe", "More
    lenient"). The title and description say in words what the bars show, and every piece
    of text is escaped, as in ``common.charts``.
    """
    ident = charts._chart_id("scaled", title, chart_id)
    top = 16 + (24 if below or above else 0)
    axis_room = 32
    height = top + len(rows) * (bar_height + gap) + axis_room if rows else 120
    if not rows:
        return charts._no_data(width, height, ident, title, label_width, 16)
    left, right = label_width, width - 120  # room for the value after a bar

    def x(value: float) -> float:
        value = min(max(value, lowest), highest)
        return left + (value - lowest) / (highest - lowest) * (right - left)

    desc = (
        f"{charts._plural(len(rows), 'bar')}, on a scale from {tick_text(lowest)} to "
        f"{tick_text(highest)}. " + "; ".join(f"{label}: {text}" for label, _, text in rows) + "."
    )
    last = top + len(rows) * (bar_height + gap) - gap
    body: list[str] = []
    for tick in ticks:
        body.append(charts._line(x(tick), top - 4, x(tick), last + 4, charts.MID_GREY))
        body.append(
            charts._text(
                x(tick), last + 22, tick_text(tick), anchor="middle",
                font_size=charts.SMALL_FONT_SIZE,
            )
        )  # fmt: skip
    zero = x(0)
    if below:
        body.append(charts._text(zero - 6, top - 12, f"\u2190 {below}", anchor="end",
                                 font_size=charts.SMALL_FONT_SIZE))  # fmt: skip
    if above:
        body.append(charts._text(zero + 6, top - 12, f"{above} \u2192",
                                 font_size=charts.SMALL_FONT_SIZE))  # fmt: skip
    for index, (label, value, text) in enumerate(rows):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + 5
        body.append(
            charts._text(
                label_width - 8, middle,
                charts._truncate(str(label), label_width - 16, charts.FONT_SIZE), anchor="end",
            )
        )  # fmt: skip
        start, end = sorted((zero, x(value)))
        body.append(
            f'<rect x="{charts._n(start)}" y="{charts._n(y)}" width="{charts._n(end - start)}" '
            f'height="{charts._n(bar_height)}" fill="{charts.NHS_BLUE}"/>'
        )
        short = text.split(" (")[0]
        if value < 0 and start - left > 8 + len(short) * 9:
            body.append(charts._text(start - 6, middle, short, anchor="end", font_weight="bold"))
        else:
            body.append(charts._text(max(end, zero) + 6, middle, short, font_weight="bold"))
    body.append(charts._line(zero, top - 4, zero, last + 4, charts.DARK_GREY))
    return charts._svg(width, height, ident, title, desc, body)

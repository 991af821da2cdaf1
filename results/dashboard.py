"""The national dashboard of a cycle, for moderators and national admins (read-only).

Where every CCG of the cycle is in the process, from its ``Submission``: submitted,
assessed (two assessments submitted, as the moderation queue counts them), moderated (a
moderation proposed or confirmed, or a rating), final (a rating in force,
``results.selectors.final_ratings``), letter sent (an outbox message of a *letter*
document marked sent: the outbox also carries notices with no letter) and letter
downloaded (a download of the CCG's letter by one of its accountable officers). Counted
per stage (a funnel) and listed per CCG, filterable by NHS region and stage.

Once the cycle is released (``Cycle.is_released``), and only then, the results: the RAGG
distribution nationally, by region and by STP; the mean score per domain per region; and
the change from the previous released cycle (the next lower label): a band movement matrix
and how many CCGs improved, stayed the same or got worse in total score. A CCG is matched
with its previous result through its lineage (``results.selectors.predecessor_ids``, as
``ccg_lineage``): a CCG formed by a merger compares with the mean total of its
predecessors rated in the previous cycle (placed in that cycle's band table, rounded to
the nearest point, halves up); a CCG with neither is listed as having no previous rating.

Names, STPs and regions are as on the cycle's register (``with_register_names``).
``dashboard_for`` reads it all in a fixed number of queries, however many CCGs and cycles
there are: one for the process rows, and after release six more (the cycle's bands and
domains, its ratings, the previous released cycle with its bands, that cycle's ratings,
and the merger map; the last three are read even when there is no previous cycle).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from accounts.models import CCGRole
from assessment import scoring
from assessment.models import Assessment, Cycle, RaggBand
from assessment.scoring import DOMAIN_CODES, Band
from common import charts
from evidence.models import Submission
from letters.models import DocumentKind, Download, OutboxMessage
from results import selectors

# The process stages, in order: (key, label).
STAGES = (
    ("submitted", "Submitted"),
    ("assessed", "Assessed"),
    ("moderated", "Moderated"),
    ("final", "Final"),
    ("letter_sent", "Letter sent"),
    ("letter_downloaded", "Letter downloaded"),
)
STAGE_LABELS = dict(STAGES)
# The assessments a CCG needs before moderation (two assessors per CCG: DESIGN.md step 3).
ASSESSMENTS_NEEDED = 2

IMPROVED, SAME, WORSE = "improved", "same", "worse"


# --------------------------------------------------------------------------- process


@dataclass(frozen=True)
class ProcessRow:
    """One CCG of the cycle and when it reached each stage (None: not yet)."""

    ods_code: str
    ccg_name: str
    stp: str
    region: str
    reached: dict[str, datetime | None]

    def has_reached(self, stage: str) -> bool:
        return self.reached.get(stage) is not None

    @property
    def stages(self) -> list[tuple[str, str, datetime | None]]:
        """(key, label, when) of every stage, in order."""
        return [(key, label, self.reached.get(key)) for key, label in STAGES]


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.count / self.total) if self.total else 0


def process_rows(cycle: Cycle) -> list[ProcessRow]:
    """Every CCG with a submission in ``cycle``, by name, with the date it reached each
    stage (one query: the stages are subqueries of the submission)."""
    assessed = (
        Assessment.objects.filter(submission=OuterRef("pk"), status="submitted")
        .order_by()
        .values("submission")
        .annotate(done=Count("pk"), last=Max("submitted_at"))
        .filter(done__gte=ASSESSMENTS_NEEDED)
        .values("last")
    )
    final = (
        selectors.final_ratings()
        .filter(submission=OuterRef("pk"))
        .order_by("-finalised_at", "-pk")
        .values("finalised_at")[:1]
    )
    sent = (
        OutboxMessage.objects.filter(
            document__submission=OuterRef("pk"),
            document__kind=DocumentKind.LETTER,
            status=OutboxMessage.Status.SENT,
        )
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    officer = CCGRole.objects.filter(
        user=OuterRef("user"),
        role=CCGRole.Role.ACCOUNTABLE_OFFICER,
        ccg=OuterRef("document__submission__ccg"),
    ).filter(Q(cycle__isnull=True) | Q(cycle=OuterRef("document__submission__cycle")))
    downloaded = (
        Download.objects.filter(
            Exists(officer),
            document__submission=OuterRef("pk"),
            document__kind=DocumentKind.LETTER,
        )
        .order_by("at")
        .values("at")[:1]
    )
    submissions = selectors.with_register_names(
        Submission.objects.filter(cycle=cycle), to_submission=""
    ).annotate(
        submitted_on=Case(When(status="submitted", then=F("submitted_at"))),
        assessed_on=Subquery(assessed),
        final_on=Subquery(final),
        moderated_on=Coalesce(
            Case(
                When(
                    moderation__status__in=("proposed", "final"),
                    then=F("moderation__proposed_at"),
                )
            ),
            Subquery(final),
        ),
        letter_sent_on=Subquery(sent),
        letter_downloaded_on=Subquery(downloaded),
    )
    return [
        ProcessRow(
            ods_code=row["ods_code"],
            ccg_name=row["ccg_name"],
            stp=row["stp_name"],
            region=row["region_name"],
            reached={key: row[f"{key}_on"] for key, _ in STAGES},
        )
        for row in submissions.order_by("ccg_name", "ods_code").values(
            "ods_code", "ccg_name", "stp_name", "region_name", *(f"{k}_on" for k, _ in STAGES)
        )
    ]


def funnel(rows: Sequence[ProcessRow]) -> list[FunnelStep]:
    """How many CCGs have reached each stage."""
    return [
        FunnelStep(key, label, sum(1 for row in rows if row.has_reached(key)), len(rows))
        for key, label in STAGES
    ]


def stage_choices() -> list[tuple[str, str]]:
    """The stage filter's options: reached a stage, or not yet."""
    return [(key, label) for key, label in STAGES] + [
        (f"not_{key}", f"Not yet {label[0].lower()}{label[1:]}") for key, label in STAGES
    ]


def filter_rows(
    rows: Iterable[ProcessRow], *, region: str = "", stage: str = ""
) -> list[ProcessRow]:
    """The rows in ``region`` (any if empty) that have reached ``stage`` (or, for
    ``not_<stage>``, have not yet)."""
    wanted = stage.removeprefix("not_")
    reached = not stage.startswith("not_")
    return [
        row
        for row in rows
        if (not region or row.region == region)
        and (not stage or row.has_reached(wanted) == reached)
    ]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Distribution:
    """The number of rated CCGs of a group (England, a region, an STP) in each band."""

    name: str
    counts: tuple[int, ...]  # in the band table's order

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def cells(self) -> list[tuple[int, int]]:
        """(count, percent of the group) per band."""
        return [(count, _percent(count, self.total)) for count in self.counts]


@dataclass(frozen=True)
class DomainMeans:
    """The mean final score of each domain over a region's rated CCGs."""

    name: str
    rated: int
    means: tuple[float | None, ...]  # in DOMAIN_CODES order


@dataclass(frozen=True)
class MergedMatch:
    """A CCG compared with the mean total of the CCGs it was formed from."""

    ods_code: str
    ccg_name: str
    total: int
    predecessors: tuple[str, ...]  # "NHS Alpha CCG (01A): 9"
    previous_mean: float


@dataclass
class Change:
    """The change from the previous released cycle, for CCGs rated in both."""

    previous: Cycle
    bands_before: tuple[Band, ...]
    bands_now: tuple[Band, ...]
    matrix: list[tuple[Band, list[int]]]  # band before -> count per band now
    movement: Counter = field(default_factory=Counter)  # improved / same / worse
    merged: list[MergedMatch] = field(default_factory=list)
    no_previous: list[selectors.ResultRow] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return sum(self.movement.values())

    @property
    def improved(self) -> int:
        return self.movement[IMPROVED]

    @property
    def same(self) -> int:
        return self.movement[SAME]

    @property
    def worse(self) -> int:
        return self.movement[WORSE]


@dataclass
class Results:
    bands: tuple[Band, ...]
    domain_names: dict[str, str]
    national: Distribution
    by_region: list[Distribution]
    by_stp: list[Distribution]
    national_means: DomainMeans
    region_means: list[DomainMeans]
    change: Change | None
    band_chart: str = ""
    heat_chart: str = ""


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _distribution(name: str, rows: Iterable[selectors.ResultRow], bands) -> Distribution:
    counted = Counter(row.band_code for row in rows)
    return Distribution(name, tuple(counted[band.code] for band in bands))


def _means(name: str, rows: Sequence[selectors.ResultRow]) -> DomainMeans:
    return DomainMeans(
        name=name,
        rated=len(rows),
        means=tuple(
            sum(row.scores[code] for row in rows) / len(rows) if rows else None
            for code in DOMAIN_CODES
        ),
    )


def _rated(cycle) -> list[tuple[int, selectors.ResultRow]]:
    """(CCG id, result row) of each released rating in force of ``cycle`` (a cycle, or a
    subquery of one: none for none) (one query)."""
    ratings = selectors.with_register_names(
        selectors.released_ratings().filter(submission__cycle=cycle)
    ).annotate(ccg_id=F("submission__ccg_id"))
    return [
        (rating.ccg_id, selectors.ResultRow.of(rating))
        for rating in ratings.order_by("ccg_name", "ods_code")
    ]


def _previous(cycle: Cycle):
    """A subquery of the released cycle with the next lower label."""
    return Subquery(selectors.released_cycles().filter(label__lt=cycle.label).values("pk")[:1])


def previous_cycle(cycle: Cycle) -> tuple[Cycle | None, tuple[Band, ...]]:
    """The released cycle with the next lower label, if any, and its band table (one query,
    the same whether there is one or not)."""
    bands = list(
        RaggBand.objects.filter(cycle=_previous(cycle)).select_related("cycle").order_by("minimum")
    )
    if not bands:
        return None, ()
    return bands[0].cycle, tuple(Band(b.code, b.label, b.minimum, b.maximum) for b in bands)


def change_from(
    previous: Cycle,
    rated_now: Sequence[tuple[int, selectors.ResultRow]],
    rated_before: Sequence[tuple[int, selectors.ResultRow]],
    *,
    bands_now: tuple[Band, ...],
    bands_before: tuple[Band, ...],
    into: dict[int, list[int]],
) -> Change:
    """Match each CCG rated now with its result in ``previous``, itself or the mean of its
    predecessors' (no query: everything is read by the caller)."""
    before = dict(rated_before)
    matrix = {band.code: dict.fromkeys((b.code for b in bands_now), 0) for band in bands_before}
    change = Change(previous, bands_before, bands_now, matrix=[])
    for ccg_id, row in rated_now:
        lineage = [ccg_id, *selectors.predecessor_ids(ccg_id, into)]
        found = [before[pk] for pk in lineage if pk in before]
        if not found:
            change.no_previous.append(row)
            continue
        previous_total = sum(r.total for r in found) / len(found)
        if found != [before.get(ccg_id)]:
            change.merged.append(
                MergedMatch(
                    ods_code=row.ods_code,
                    ccg_name=row.ccg_name,
                    total=row.total,
                    predecessors=tuple(
                        f"{r.ccg_name} ({r.ods_code}): {r.total}"
                        for r in sorted(found, key=lambda r: (r.ccg_name, r.ods_code))
                    ),
                    previous_mean=previous_total,
                )
            )
            band_before = scoring.band_for_total(_round_half_up(previous_total), bands_before)
        else:  # the band recorded on the rating, or its total's if the table has changed since
            band_before = next(
                (b for b in bands_before if b.code == found[0].band_code),
                scoring.band_for_total(found[0].total, bands_before),
            )
        if row.band_code in matrix[band_before.code]:
            matrix[band_before.code][row.band_code] += 1
        if row.total > previous_total:
            change.movement[IMPROVED] += 1
        elif row.total < previous_total:
            change.movement[WORSE] += 1
        else:
            change.movement[SAME] += 1
    change.matrix = [(band, list(matrix[band.code].values())) for band in bands_before]
    return change


def results_for(cycle: Cycle) -> Results:
    """The released results of ``cycle`` (call only once it is released: the ratings are
    read through ``released_ratings``, so before release everything is empty)."""
    bands = cycle.band_table()
    domain_names = dict(cycle.domains.order_by("code").values_list("code", "name"))
    rated = _rated(cycle)
    rows = [row for _, row in rated]
    by_region: dict[str, list] = defaultdict(list)
    by_stp: dict[str, list] = defaultdict(list)
    for row in rows:
        by_region[row.region].append(row)
        by_stp[row.stp].append(row)
    regions = sorted(by_region)
    # The previous cycle's bands, ratings and the mergers are read whether or not there is
    # a previous cycle, so that the number of queries never depends on the cycles.
    previous, bands_before = previous_cycle(cycle)
    rated_before = _rated(_previous(cycle))
    into = selectors.merger_map()
    change = None
    if previous is not None:
        change = change_from(
            previous, rated, rated_before, bands_now=bands, bands_before=bands_before, into=into
        )
    results = Results(
        bands=bands,
        domain_names=domain_names,
        national=_distribution("England", rows, bands),
        by_region=[_distribution(name, by_region[name], bands) for name in regions],
        by_stp=[_distribution(name, by_stp[name], bands) for name in sorted(by_stp)],
        national_means=_means("England", rows),
        region_means=[_means(name, by_region[name]) for name in regions],
        change=change,
    )
    results.band_chart = charts.stacked_bar_chart(
        [(d.name, d.counts) for d in [results.national, *results.by_region]],
        series=list(
            zip(
                (band.label for band in bands),
                charts.band_colours([band.code for band in bands]),
                strict=True,
            )
        ),
        title=f"RAGG ratings {cycle.label}, in England and by NHS region",
        chart_id="ragg-distribution",
    )
    results.heat_chart = charts.heat_map(
        [m.name for m in [*results.region_means, results.national_means]],
        list(DOMAIN_CODES),
        [m.means for m in [*results.region_means, results.national_means]],
        title=f"Mean score per domain (0 to 3) by NHS region, {cycle.label}",
        lowest=0,
        highest=scoring.DomainScore.OUTSTANDING,
        value_text=lambda value: f"{value:.2f}",  # as in the table beside it
        row_label="NHS region",
        chart_id="domain-heat-map",
    )
    return results


# --------------------------------------------------------------------------- the page


@dataclass
class Dashboard:
    cycle: Cycle
    rows: list[ProcessRow]
    funnel: list[FunnelStep]
    regions: list[str]
    released: bool
    results: Results | None


def dashboard_for(cycle: Cycle) -> Dashboard:
    """The whole dashboard of ``cycle``: the process, and the results once released."""
    rows = process_rows(cycle)
    released = cycle.is_released()
    return Dashboard(
        cycle=cycle,
        rows=rows,
        funnel=funnel(rows),
        regions=sorted({row.region for row in rows}),
        released=released,
        results=results_for(cycle) if released else None,
    )

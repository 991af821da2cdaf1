"""The published results: the final ratings in force of the released cycles.

Everything that shows results outside the national team (the exports, the API, the CCG
history page, the good-practice library) reads them through ``released_ratings`` or
``result_rows``, and so cannot show a rating of a cycle before ``Cycle.released_at``
(``Cycle.is_released`` is the same test for one cycle). The national dashboard may read a
cycle's ratings before release (``final_ratings``): moderators and admins see them as they
are made.

A result row names the CCG, its STP and its region as they were on the register of the
cycle's April (``RegisterEntry`` of ``cycle.register_year``), falling back to the CCG's
latest register entry when the CCG was not on that list (an imported result of a CCG the
register does not list that year).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessment.models import Cycle, Rating
from assessment.scoring import DOMAIN_CODES
from ccgs.models import RegisterEntry

# The columns of a published export, in order (CSV header, XLSX header, JSON keys).
COLUMNS = (
    "cycle", "ods_code", "ccg_name", "stp", "region", *DOMAIN_CODES, "total", "ragg",
)  # fmt: skip


def released_cycles(now=None) -> QuerySet[Cycle]:
    """The cycles whose ratings are public, newest first."""
    return Cycle.objects.filter(released_at__lte=now or timezone.now()).order_by("-label")


def final_ratings() -> QuerySet[Rating]:
    """The rating in force of every rated submission: the tip of each ``supersedes`` chain."""
    return Rating.objects.filter(superseded_by__isnull=True)


def released_ratings(now=None) -> QuerySet[Rating]:
    """The ratings in force of the released cycles, and nothing else."""
    return final_ratings().filter(submission__cycle__released_at__lte=now or timezone.now())


def with_register_names(ratings: QuerySet[Rating], *, to_submission: str = "submission__"):
    """Annotate each rating with its CCG's name, STP and region on the cycle's register
    (``ccg_name``, ``stp_name``, ``region_name``), the cycle label and the ODS code.

    ``to_submission`` is the path from the queryset's model to the submission: the
    dashboard annotates ``Submission`` rows themselves (``to_submission=""``)."""
    p = to_submission
    entry = RegisterEntry.objects.filter(
        ccg=OuterRef(f"{p}ccg"), year=OuterRef(f"{p}cycle__register_year")
    )
    return ratings.annotate(
        cycle_label=F(f"{p}cycle__label"),
        ods_code=F(f"{p}ccg__ods_code"),
        ccg_name=Coalesce(Subquery(entry.values("name")[:1]), F(f"{p}ccg__name")),
        stp_name=Coalesce(Subquery(entry.values("stp__name")[:1]), F(f"{p}ccg__stp__name")),
        region_name=Coalesce(
            Subquery(entry.values("stp__region__name")[:1]), F(f"{p}ccg__stp__region__name")
        ),
    )


@dataclass(frozen=True)
class ResultRow:
    """One CCG's published result of one cycle, as the exports and the API give it."""

    cycle: str
    ods_code: str
    ccg_name: str
    stp: str
    region: str
    scores: dict[str, int]
    total: int
    ragg: str
    band_code: str
    source: str

    @classmethod
    def of(cls, rating: Rating) -> ResultRow:
        return cls(
            cycle=rating.cycle_label,
            ods_code=rating.ods_code,
            ccg_name=rating.ccg_name,
            stp=rating.stp_name,
            region=rating.region_name,
            scores={code: rating.scores[code] for code in DOMAIN_CODES},
            total=rating.total,
            ragg=rating.band_label,
            band_code=rating.band_code,
            source=rating.source,
        )

    def values(self) -> tuple:
        """The row in ``COLUMNS`` order."""
        return (
            self.cycle, self.ods_code, self.ccg_name, self.stp, self.region,
            *(self.scores[code] for code in DOMAIN_CODES), self.total, self.ragg,
        )  # fmt: skip

    def as_dict(self) -> dict:
        return dict(zip(COLUMNS, self.values(), strict=True))


def result_rows(cycle: Cycle, *, released_only: bool = True) -> list[ResultRow]:
    """A cycle's results, one row per rated CCG, by CCG name (one query).

    Empty for a cycle not yet released unless ``released_only`` is False (the national
    team's own views)."""
    ratings = released_ratings() if released_only else final_ratings()
    ratings = with_register_names(ratings.filter(submission__cycle=cycle)).order_by(
        "ccg_name", "ods_code"
    )
    return [ResultRow.of(rating) for rating in ratings]


def merger_map() -> dict[int, list[int]]:
    """CCG id -> the ids of the CCGs that merged directly into it (one query)."""
    from ccgs.models import CCG

    into: dict[int, list[int]] = {}
    for pk, successor in CCG.objects.filter(successor__isnull=False).values_list(
        "pk", "successor_id"
    ):
        into.setdefault(successor, []).append(pk)
    return into


def predecessor_ids(pk: int, into: dict[int, list[int]]) -> list[int]:
    """The ids of every CCG that merged into CCG ``pk``, directly or through a chain of
    mergers, from a ``merger_map`` (no query: the dashboard reads the map once for all)."""
    found: list[int] = []
    waiting = list(into.get(pk, []))
    while waiting:
        other = waiting.pop()
        if other in found or other == pk:  # a cycle of successors would be a data error
            continue
        found.append(other)
        waiting.extend(into.get(other, []))
    return found


def ccg_lineage(ccg) -> list:
    """The CCG and every CCG that merged into it, directly or through a chain of mergers
    (predecessors of predecessors), the CCG itself first, then by name (two queries)."""
    from ccgs.models import CCG

    found = predecessor_ids(ccg.pk, merger_map())
    predecessors = CCG.objects.filter(pk__in=found).select_related("successor").order_by("name")
    return [ccg, *predecessors]

"""A CCG's results across cycles, following mergers: the history page's one read.

``ccg_history`` gives the CCG's own final ratings and those of every CCG that merged
into it (``selectors.ccg_lineage``), each labelled: "This CCG", or "Predecessor: NHS X
CCG, merged into NHS Y CCG in April 2020", the April being the first register the
predecessor is missing from. CCG roles see the ratings of released cycles only (through
``selectors.released_ratings``); the national team also sees the final ratings of cycles
not yet released (``selectors.final_ratings``), each marked "not yet released". Four
queries, however many cycles and predecessors.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.models import Rating
from assessment.scoring import DOMAIN_CODES
from ccgs.models import RegisterEntry
from common import charts
from results import selectors

THIS_CCG = "This CCG"
MAX_TOTAL = 15

# The NHS.UK tag colour of each default RAGG band (any other band: the default blue tag).
BAND_COLOURS = {"red": "red", "amber": "orange", "green": "green", "green_star": "aqua-green"}

SOURCE_LABELS = {
    Rating.Source.MODERATED: "Moderated final rating",
    Rating.Source.REVIEW: "Final rating after review",
    Rating.Source.IMPORTED: "Published result, imported",
}


@dataclass(frozen=True)
class HistoryRow:
    """One CCG's final rating of one cycle, as the history page shows it."""

    cycle_label: str
    cycle_slug: str
    ods_code: str
    ccg_name: str  # as on the cycle's register
    relation: str  # THIS_CCG, or "Predecessor: ..., merged into ... in April 2020"
    is_predecessor: bool
    scores: dict[str, int]
    total: int
    ragg: str
    band_code: str
    source: str
    source_label: str
    released: bool

    @property
    def domain_scores(self) -> list[int]:
        return [self.scores[code] for code in DOMAIN_CODES]

    @property
    def band_colour(self) -> str:
        return BAND_COLOURS.get(self.band_code, "")


def merger_label(predecessor, years: list[int]) -> str:
    """'Predecessor: NHS X CCG, merged into NHS Y CCG in April 2020': the April is the
    first register after the predecessor's last one (left out when the registers do not
    say)."""
    text = f"Predecessor: {predecessor.name}"
    if predecessor.successor is not None:
        text += f", merged into {predecessor.successor.name}"
        if years:
            text += f" in April {max(years) + 1}"
    return text


def ccg_history(ccg, *, include_unreleased: bool = False, now=None) -> list[HistoryRow]:
    """The final ratings in force of ``ccg`` and its predecessors, newest cycle first, the
    CCG's own before its predecessors', predecessors by name.

    ``include_unreleased`` is for the national team only (``results.view_unreleased_results``):
    without it, a cycle's ratings appear from its ``released_at``.
    """
    lineage = selectors.ccg_lineage(ccg)  # two queries
    by_pk = {member.pk: member for member in lineage}
    years: dict[int, list[int]] = {}
    for ccg_id, year in RegisterEntry.objects.filter(ccg__in=by_pk).values_list("ccg", "year"):
        years.setdefault(ccg_id, []).append(year)
    relation = {
        pk: THIS_CCG if pk == ccg.pk else merger_label(member, years.get(pk, []))
        for pk, member in by_pk.items()
    }
    ratings = selectors.final_ratings() if include_unreleased else selectors.released_ratings(now)
    ratings = selectors.with_register_names(
        ratings.filter(submission__ccg__in=by_pk).select_related("submission__cycle")
    )
    order = {pk: index for index, pk in enumerate(by_pk)}
    rows = sorted(ratings, key=lambda rating: order[rating.submission.ccg_id])
    rows.sort(key=lambda rating: rating.cycle_label, reverse=True)  # stable: newest first
    return [
        HistoryRow(
            cycle_label=rating.cycle_label,
            cycle_slug=rating.submission.cycle.slug,
            ods_code=rating.ods_code,
            ccg_name=rating.ccg_name,
            relation=relation[rating.submission.ccg_id],
            is_predecessor=rating.submission.ccg_id != ccg.pk,
            scores={code: rating.scores[code] for code in DOMAIN_CODES},
            total=rating.total,
            ragg=rating.band_label,
            band_code=rating.band_code,
            source=rating.source,
            source_label=SOURCE_LABELS.get(rating.source, rating.get_source_display()),
            released=rating.submission.cycle.is_released(now),
        )
        for rating in rows
    ]


def history_chart(ccg, rows: list[HistoryRow]) -> str:
    """Total score (0 to 15) per cycle, oldest first, as an accessible SVG; a predecessor's
    bar names its CCG. The page's table gives the same numbers."""
    bars = []
    for row in sorted(rows, key=lambda row: row.cycle_label):  # stable: own CCG first
        label = row.cycle_label + (f" {row.ods_code}" if row.is_predecessor else "")
        said = f"{row.total} out of {MAX_TOTAL}, {row.ragg}"
        if row.is_predecessor:
            said += f" ({row.ccg_name}, a predecessor)"
        if not row.released:
            said += ", not yet released"
        bars.append((label, row.total, f"{row.total} {row.ragg}", said))
    return charts.scaled_bar_chart(
        bars,
        title=f"Total score per cycle: {ccg.name}",
        lowest=0,
        highest=MAX_TOTAL,
        ticks=(0, 5, 10, 15),
        label_width=160,
        chart_id=f"history-{ccg.ods_code}",
    )

"""What the API reads: released cycles, released ratings and a CCG's history, through
``results.selectors`` (so nothing of a cycle before its release can be read), and CCGs
through ``ccgs.selectors.ccgs_visible_to`` (the web's scope).

Each returns a queryset whose page is read in a fixed number of queries.
"""

from __future__ import annotations

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from assessment.models import Cycle, RaggBand, Rating
from ccgs.models import CCG
from ccgs.selectors import ccgs_visible_to
from results.selectors import (
    merger_map,
    predecessor_ids,
    released_cycles,
    released_ratings,
    with_register_names,
)


def api_cycles() -> QuerySet[Cycle]:
    """The released cycles, newest first, with their bands (two queries a page)."""
    return released_cycles().prefetch_related(
        Prefetch("bands", queryset=RaggBand.objects.order_by("minimum"))
    )


def api_ratings() -> QuerySet[Rating]:
    """The ratings in force of the released cycles, named as on each cycle's register,
    newest cycle first, then by CCG name (one query a page)."""
    return _ratings(with_register_names(released_ratings()))


def _ratings(queryset: QuerySet[Rating]) -> QuerySet[Rating]:
    return queryset.annotate(cycle_slug=F("submission__cycle__slug")).order_by(
        "-cycle_label", "ccg_name", "ods_code"
    )


def api_ccgs(user) -> QuerySet[CCG]:
    """The CCGs ``user`` may see, as on the web (``ccgs_visible_to``), by ODS code."""
    return ccgs_visible_to(user).order_by("ods_code")


def ccg_history(ccg: CCG) -> QuerySet[Rating]:
    """The released ratings of ``ccg`` and of every CCG that merged into it, newest cycle
    first, each annotated ``own`` (the CCG's own rating, not a predecessor's)."""
    # The lineage of results.selectors.ccg_lineage, as ids: one query, however many mergers.
    lineage = [ccg.pk, *predecessor_ids(ccg.pk, merger_map())]
    return _ratings(
        with_register_names(released_ratings().filter(submission__ccg__in=lineage)).annotate(
            own=Case(When(Q(submission__ccg=ccg.pk), then=Value(True)), default=False)
        )
    )

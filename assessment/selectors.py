"""Reads of cycles and their framework."""

from django.db.models import Prefetch

from assessment.models import Criterion, Cycle, Domain

ACTIVE_PHASES = (
    Cycle.Phase.SUBMISSION,
    Cycle.Phase.ASSESSMENT,
    Cycle.Phase.MODERATION,
    Cycle.Phase.OUTCOME,
)


def current_cycle() -> Cycle | None:
    """The latest cycle under way (not being set up, not closed), if any."""
    return Cycle.objects.filter(phase__in=ACTIVE_PHASES).order_by("-label").first()


def cycles_with_framework():
    """Cycles with their bands, domains and criteria in a fixed number of queries."""
    return Cycle.objects.prefetch_related(
        "bands",
        Prefetch(
            "domains",
            queryset=Domain.objects.prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
            ),
        ),
    )

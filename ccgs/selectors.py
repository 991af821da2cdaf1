"""Reads of the CCG register, always scoped to the user asking."""

from django.db.models import Count, Prefetch

from accounts import permissions
from ccgs.models import CCG, RegisterEntry


def ccgs_visible_to(user):
    """National staff see every CCG; a lead or accountable officer sees their own."""
    queryset = CCG.objects.select_related("stp__region", "successor").prefetch_related(
        Prefetch("register_entries", queryset=RegisterEntry.objects.order_by("year")),
    )
    if permissions.is_national_staff(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(ccg_roles__user=user).distinct()


def register_year_counts() -> list[tuple[int, int]]:
    """(April, number of CCGs on that list), oldest first."""
    return list(
        RegisterEntry.objects.values_list("year")
        .annotate(n=Count("id"))
        .order_by("year")
        .values_list("year", "n")
    )

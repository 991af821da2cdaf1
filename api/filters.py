"""Filters and ordering of the ratings list (django-filter); a value it cannot use is a 400
naming the parameter, never a server error."""

import django_filters as filters
from django import forms
from django.db.models import Q

TEXT = {"max_length": 200}
# Ties in any ordering are broken as the default list is ordered, so pages never overlap.
TIEBREAK = ("-cycle_label", "ccg_name", "ods_code", "pk")


class TotalFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StableOrderingFilter(filters.OrderingFilter):
    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, *TIEBREAK)
        return qs


class RatingFilter(filters.FilterSet):
    cycle = filters.CharFilter(
        method="filter_cycle", help_text="A cycle's label (2019/20) or slug (2019-20).", **TEXT
    )
    ods_code = filters.CharFilter(
        field_name="ods_code", lookup_expr="iexact", help_text="A CCG's ODS code.", **TEXT
    )
    region = filters.CharFilter(
        field_name="region_name", lookup_expr="iexact",
        help_text="Region name as on the cycle's register.", **TEXT,
    )  # fmt: skip
    stp = filters.CharFilter(
        field_name="stp_name", lookup_expr="iexact",
        help_text="STP name as on the cycle's register.", **TEXT,
    )  # fmt: skip
    ragg = filters.CharFilter(
        field_name="band_code", lookup_expr="iexact",
        help_text="RAGG band code: red, amber, green or green_star.", **TEXT,
    )  # fmt: skip
    min_total = TotalFilter(
        field_name="total", lookup_expr="gte", min_value=0, max_value=15,
        help_text="Total score at least this (0-15).",
    )  # fmt: skip
    max_total = TotalFilter(
        field_name="total", lookup_expr="lte", min_value=0, max_value=15,
        help_text="Total score at most this (0-15).",
    )  # fmt: skip
    ordering = StableOrderingFilter(
        fields=(
            ("cycle_label", "cycle"), ("ods_code", "ods_code"), ("ccg_name", "ccg_name"),
            ("region_name", "region"), ("stp_name", "stp"), ("total", "total"),
        ),
        help_text="Order by cycle, ods_code, ccg_name, region, stp or total; '-' to reverse.",
    )  # fmt: skip

    def filter_cycle(self, queryset, name, value):
        return queryset.filter(Q(submission__cycle__label=value) | Q(submission__cycle__slug=value))

"""Search and filters of the CCG register list."""

import django_filters
from django import forms
from django.db.models import Q

from ccgs.models import CCG, STP, Region, RegisterEntry

SELECT = forms.Select(attrs={"class": "nhsuk-select"})


def _years():
    years = RegisterEntry.objects.order_by("year").values_list("year", flat=True).distinct()
    return [(year, f"April {year}") for year in years]


class RegisterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name or code",
        method="search",
        widget=forms.TextInput(attrs={"class": "nhsuk-input", "type": "search"}),
    )
    year = django_filters.ChoiceFilter(
        label="On the register of",
        choices=_years,
        method="on_register",
        empty_label="Any year",
        widget=SELECT,
    )
    region = django_filters.ModelChoiceFilter(
        label="NHS region",
        field_name="stp__region",
        queryset=Region.objects.all(),
        empty_label="All regions",
        widget=SELECT,
    )
    stp = django_filters.ModelChoiceFilter(
        label="STP", queryset=STP.objects.all(), empty_label="All STPs", widget=SELECT
    )

    class Meta:
        model = CCG
        fields = ["q", "year", "region", "stp"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(ods_code__iexact=value)
            | Q(ons_code__iexact=value)
            | Q(register_entries__name__icontains=value)
        ).distinct()

    def on_register(self, queryset, name, value):
        return queryset.filter(register_entries__year=int(value)) if value else queryset

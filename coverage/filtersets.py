"""Filters of the community list; its page, export and API endpoint share one FilterSet. Places by code."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverage.models import Community
from facilities.filtersets import district_filter, town_filter


class CommunityFilterSet(django_filters.FilterSet):
    district = district_filter("town__parent")
    town = town_filter("town")
    located = django_filters.BooleanFilter(method="filter_located", label=_("已定位"))
    search = django_filters.CharFilter(method="filter_search", label=_("社区名称或代码"))

    class Meta:
        model = Community
        fields = ["district", "town", "located", "search"]

    def filter_located(self, queryset, name, value):
        if value is None:
            return queryset
        located = Q(longitude__isnull=False, latitude__isnull=False)
        return queryset.filter(located) if value else queryset.exclude(located)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value)) if value else queryset

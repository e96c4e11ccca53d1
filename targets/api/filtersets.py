"""Filters of the places and targets API. Regions are given by code (`?district=110115&town=110115001`), never
by database id. A value that is not valid (an unknown level or region code, a year that is not a number) is a
400 in the API's one error body: DjangoFilterBackend raises a ValidationError naming the parameter."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from targets.models import Region, SlotTarget

YEAR_MIN, YEAR_MAX = 1900, 2100


@extend_schema_field({"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX})
class YearFilter(django_filters.NumberFilter):
    """A four-digit year: 2025 filters; 2025.5 or 二〇二五 is a 400 (NumberFilter would take decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices, label=_("层级"))
    parent = django_filters.ModelChoiceFilter(
        field_name="parent",
        to_field_name="code",
        queryset=Region.objects.all(),
        label=_("上级地区代码"),
    )
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称（包含）"))

    class Meta:
        model = Region
        fields = ["level", "parent", "name"]


class SlotTargetFilterSet(django_filters.FilterSet):
    district = django_filters.ModelChoiceFilter(
        field_name="town__parent",
        to_field_name="code",
        queryset=Region.objects.filter(level=Region.Level.DISTRICT),
        label=_("区县代码"),
    )
    town = django_filters.ModelChoiceFilter(
        field_name="town",
        to_field_name="code",
        queryset=Region.objects.filter(level=Region.Level.TOWN),
        label=_("镇街代码"),
    )
    year = YearFilter(field_name="year", label=_("年份"))
    level = django_filters.ChoiceFilter(choices=SlotTarget.Level.choices, label=_("目标层级"))

    class Meta:
        model = SlotTarget
        fields = ["district", "town", "year", "level"]

"""Filters of the report lists; each list page, its export and its API endpoint share one FilterSet.
Places are chosen by code."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.filtersets import district_filter, town_filter
from reporting.models import EnrolmentReport, PeriodReport


class MonthInput(forms.DateInput):
    input_type = "month"
    format = "%Y-%m"


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month picker), read as the month's first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField


class EnrolmentReportFilterSet(django_filters.FilterSet):
    district = district_filter("facility__district")
    town = town_filter("facility__town")
    month = MonthFilter(field_name="month", label=_("月份"))
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label=_("月份起"))
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label=_("月份止"))
    facility = django_filters.NumberFilter(field_name="facility", label=_("机构编号"))
    search = django_filters.CharFilter(method="filter_search", label=_("机构名称"))

    class Meta:
        model = EnrolmentReport
        fields = ["district", "town", "month", "month_from", "month_to", "facility", "search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(facility__name__icontains=value.strip()) if value.strip() else queryset


class PeriodReportFilterSet(django_filters.FilterSet):
    district = district_filter("district")
    town = town_filter("town")
    year = django_filters.NumberFilter(field_name="year", label=_("年度"))
    quarter = django_filters.ChoiceFilter(
        field_name="quarter",
        choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)],
        label=_("季度"),
        empty_label=_("全部"),
    )
    status = django_filters.ChoiceFilter(
        choices=PeriodReport.Status.choices, label=_("状态"), empty_label=_("全部")
    )

    class Meta:
        model = PeriodReport
        fields = ["district", "town", "year", "quarter", "status"]

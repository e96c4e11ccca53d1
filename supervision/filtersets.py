"""Filters of the supervision lists; the page and its .xlsx export use the same FilterSet over the same
scoped queryset. Places are chosen by code, never by database id."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.filtersets import district_filter, town_filter
from facilities.models import Facility
from supervision import grading
from supervision.models import Complaint, Evaluation, Finding, Inspection


class DateInput(forms.DateInput):
    input_type = "date"


def date_range(field_name: str, label_from, label_to):
    """Two filters: on or after, and on or before, a date (`?found_from=…&found_to=…`)."""
    return tuple(
        django_filters.DateFilter(field_name=field_name, lookup_expr=lookup, label=label, widget=DateInput)
        for lookup, label in (("gte", label_from), ("lte", label_to))
    )


class StyledFilterSet(django_filters.FilterSet):
    """Bootstrap classes on the filter widgets."""

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = css
            form._styled = True
        return form


class FindingFilterSet(StyledFilterSet):
    district = district_filter("facility__district")
    town = town_filter("facility__town")
    category = django_filters.ChoiceFilter(
        choices=Finding.Category.choices, label=_("问题类别"), empty_label=_("全部类别")
    )
    severity = django_filters.ChoiceFilter(
        choices=Finding.Severity.choices, label=_("严重程度"), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        choices=[("unresolved", _("未销号（全部）")), *Finding.Status.choices],
        method="filter_status",
        label=_("整改状态"),
        empty_label=_("全部"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("逾期"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("仅逾期")), ("false", _("未逾期"))]),
    )
    inspection_kind = django_filters.ChoiceFilter(
        field_name="inspection__kind",
        choices=Inspection.Kind.choices,
        label=_("检查类型"),
        empty_label=_("全部"),
    )
    found_from, found_to = date_range("inspection__inspected_on", _("检查日期起"), _("检查日期止"))
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))

    class Meta:
        model = Finding
        fields = [
            "district",
            "town",
            "category",
            "severity",
            "status",
            "overdue",
            "inspection_kind",
            "found_from",
            "found_to",
            "search",
        ]

    def filter_status(self, queryset, name, value):
        if value == "unresolved":
            return queryset.unresolved()
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = queryset.overdue(today)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(facility__name__icontains=word)
                | Q(description__icontains=word)
                | Q(legal_basis__icontains=word)
            )
        return queryset


class InspectionFilterSet(StyledFilterSet):
    district = district_filter()
    kind = django_filters.ChoiceFilter(
        choices=Inspection.Kind.choices, label=_("检查类型"), empty_label=_("全部")
    )
    date_from, date_to = date_range("inspected_on", _("日期起"), _("日期止"))
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))

    class Meta:
        model = Inspection
        fields = ["district", "kind", "date_from", "date_to", "search"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(facilities__name__icontains=word)
            )
        return queryset.distinct()


class ComplaintFilterSet(StyledFilterSet):
    district = district_filter("facility__district")
    state = django_filters.ChoiceFilter(
        choices=[("open", _("办理中")), ("closed", _("已办结"))],
        method="filter_state",
        label=_("办理状态"),
        empty_label=_("全部"),
    )
    substantiated = django_filters.BooleanFilter(
        label=_("情况属实"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("属实")), ("false", _("不属实"))]),
    )
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))

    class Meta:
        model = Complaint
        fields = ["district", "state", "substantiated", "search"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(closed_on__isnull=value == "open")

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(facility__name__icontains=word) | Q(summary__icontains=word))
        return queryset


class GradeFilterSet(StyledFilterSet):
    """Filters of the graded facilities (a queryset of facilities): district and town narrow the facilities
    before the grade is computed; grade keeps those whose grade (supervision.grading, as of today) is the one
    asked for."""

    district = district_filter()
    town = town_filter()
    grade = django_filters.ChoiceFilter(
        choices=[(letter, letter) for letter in "ABCD"],
        method="filter_grade",
        label=_("分级"),
        empty_label=_("全部"),
    )

    class Meta:
        model = Facility
        fields = ["district", "town", "grade"]

    def filter_grade(self, queryset, name, value):
        results = grading.grade_all(queryset, timezone.localdate())
        return queryset.filter(pk__in=[r.facility.pk for r in results if r.grade == value])


class EvaluationFilterSet(StyledFilterSet):
    """Filters of the quality evaluations (the list page and its export)."""

    district = district_filter("facility__district")
    town = town_filter("facility__town")
    kind = django_filters.ChoiceFilter(
        choices=Evaluation.Kind.choices, label=_("评估方式"), empty_label=_("全部")
    )
    assessed_from, assessed_to = date_range("assessed_on", _("评估日期起"), _("评估日期止"))
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))

    class Meta:
        model = Evaluation
        fields = ["district", "town", "kind", "assessed_from", "assessed_to", "search"]

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(facility__name__icontains=word) | Q(framework__name__icontains=word))
        return queryset

"""Filters of the supervision lists; the page and its .xlsx export use the same FilterSet over the same
scoped queryset. Places are chosen by code, never by database id."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.filtersets import district_choices, town_choices
from facilities.models import Facility
from supervision import grading
from supervision.models import Complaint, Finding, Inspection


class DateInput(forms.DateInput):
    input_type = "date"


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
    district = django_filters.ModelChoiceFilter(
        field_name="facility__district",
        to_field_name="code",
        queryset=district_choices(),
        label=_("区县"),
        empty_label=_("全部区县"),
    )
    town = django_filters.ModelChoiceFilter(
        field_name="facility__town",
        to_field_name="code",
        queryset=town_choices(),
        label=_("镇街"),
        empty_label=_("全部镇街"),
    )
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
    found_from = django_filters.DateFilter(
        field_name="inspection__inspected_on", lookup_expr="gte", label=_("检查日期起"), widget=DateInput
    )
    found_to = django_filters.DateFilter(
        field_name="inspection__inspected_on", lookup_expr="lte", label=_("检查日期止"), widget=DateInput
    )
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
    district = django_filters.ModelChoiceFilter(
        field_name="district",
        to_field_name="code",
        queryset=district_choices(),
        label=_("区县"),
        empty_label=_("全部区县"),
    )
    kind = django_filters.ChoiceFilter(
        choices=Inspection.Kind.choices, label=_("检查类型"), empty_label=_("全部")
    )
    date_from = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="gte", label=_("日期起"), widget=DateInput
    )
    date_to = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="lte", label=_("日期止"), widget=DateInput
    )
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
    district = django_filters.ModelChoiceFilter(
        field_name="facility__district",
        to_field_name="code",
        queryset=district_choices(),
        label=_("区县"),
        empty_label=_("全部区县"),
    )
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

    district = django_filters.ModelChoiceFilter(
        field_name="district",
        to_field_name="code",
        queryset=district_choices(),
        label=_("区县"),
        empty_label=_("全部区县"),
    )
    town = django_filters.ModelChoiceFilter(
        field_name="town",
        to_field_name="code",
        queryset=town_choices(),
        label=_("镇街"),
        empty_label=_("全部镇街"),
    )
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

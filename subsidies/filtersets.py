"""Filters of the subsidy lists: the pages (subsidies.views) and the REST API (subsidies.api) use the same
FilterSet over the same scoped queryset (core.access). Places are chosen by code, never by database id;
the districts and programs offered are those in the user's scope, so a choice outside it is refused like any
other invalid value (a form error on the page, a 400 naming the parameter in the API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Action
from facilities.filtersets import district_choices, district_filter, town_filter
from facilities.forms import BootstrapMixin
from facilities.models import Facility
from subsidies.models import AggregateDisbursement, Application, Fund, LedgerEntry, Program, Project
from targets.api.filtersets import YearFilter
from targets.models import Region


def id_filter(field_name: str, label):
    """A record id (`?facility=12`): for the API and links; hidden on the pages."""
    return django_filters.NumberFilter(field_name=field_name, label=label, widget=forms.HiddenInput)


def choice_filter(choices, label):
    return django_filters.ChoiceFilter(choices=choices, label=label, empty_label=_("全部"))


class FilterForm(BootstrapMixin, forms.Form):
    """Bootstrap classes on the page's filter widgets."""


def scope_districts(user):
    """Districts offered in filters: the user's dashboard districts and those of the facilities they view."""
    return Region.objects.filter(
        Q(pk__in=Region.objects.districts().for_user(user, Action.DASHBOARD))
        | Q(pk__in=Facility.objects.for_user(user, Action.VIEW).values("district"))
    ).order_by("code")


def _districts(request):
    user = getattr(request, "user", None)
    return district_choices() if user is None else scope_districts(user)


def _programs(request):
    user = getattr(request, "user", None)
    programs = Program.objects.all() if user is None else Program.objects.for_user(user)
    return programs.order_by("-year", "name")


def scoped_district_filter(field_name="district"):
    """A district by code, of those in the user's scope."""
    return district_filter(field_name, queryset=_districts, empty_label=_("全部"))


class DistrictYearFilterSet(django_filters.FilterSet):
    """District (code) and year: funds and the aggregate disbursements shown beside them."""

    district = scoped_district_filter()
    year = YearFilter(field_name="year", label=_("年度"))

    class Meta:
        form = FilterForm
        fields = ["district", "year"]


class FundFilterSet(DistrictYearFilterSet):
    class Meta(DistrictYearFilterSet.Meta):
        model = Fund


class AggregateFilterSet(DistrictYearFilterSet):
    class Meta(DistrictYearFilterSet.Meta):
        model = AggregateDisbursement


class ProgramFilterSet(DistrictYearFilterSet):
    kind = choice_filter(Program.Kind.choices, _("补助类型"))

    class Meta(DistrictYearFilterSet.Meta):
        model = Program
        fields = ["district", "year", "kind"]


class ApplicationFilterSet(django_filters.FilterSet):
    district = scoped_district_filter("facility__district")
    year = YearFilter(field_name="program__year", label=_("年度"))
    status = choice_filter(Application.Status.choices, _("状态"))
    program = django_filters.ModelChoiceFilter(queryset=_programs, label=_("补助项目"), empty_label=_("全部"))
    facility = id_filter("facility", _("机构编号"))

    class Meta:
        model = Application
        form = FilterForm
        fields = ["district", "year", "status", "program", "facility"]


class LedgerFilterSet(django_filters.FilterSet):
    district = scoped_district_filter("facility__district")
    year = YearFilter(field_name="entry_date__year", label=_("记账年度"))
    kind = choice_filter(LedgerEntry.Kind.choices, _("类型"))
    fund = id_filter("fund", _("资金编号"))
    program = id_filter("program", _("补助项目编号"))
    facility = id_filter("facility", _("机构编号"))
    application = id_filter("application", _("申请编号"))

    class Meta:
        model = LedgerEntry
        form = FilterForm
        fields = ["district", "year", "kind", "fund", "program", "facility", "application"]


class ProjectFilterSet(django_filters.FilterSet):
    district = scoped_district_filter()
    town = town_filter(empty_label=_("全部"), widget=forms.HiddenInput)
    kind = choice_filter(Project.Kind.choices, _("项目类型"))

    class Meta:
        model = Project
        form = FilterForm
        fields = ["district", "town", "kind"]


__all__ = [
    "AggregateFilterSet",
    "ApplicationFilterSet",
    "FundFilterSet",
    "LedgerFilterSet",
    "ProgramFilterSet",
    "ProjectFilterSet",
    "scope_districts",
]

"""The one FilterSet over the facility registry: the registry page, its export, the REST API and the public
directory all filter with FacilityFilterSet.

Region filters take region codes (`?district=110115&town=110115001`), never database ids, so a URL stays
meaningful across databases. The FilterSet filters whatever queryset it is given; callers decide the base
(the public directory passes `Facility.objects.publicly_listed()`).

`flag` (the national-rule checks of facilities.selectors) narrows to the facilities the user sees in full:
the flags are internal, so the public directory has no such filter (`public=True`) and in the API it leaves
out the public records of facilities outside the user's scope.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from facilities import selectors
from facilities.models import Facility
from targets.models import Region


class InclusiveSelect(forms.NullBooleanSelect):
    """A three-way select (any / inclusive / not inclusive) that reads "true"/"false" like the API does."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("全部")), ("true", _("普惠")), ("false", _("非普惠"))]


def district_choices():
    return Region.objects.filter(level=Region.Level.DISTRICT).order_by("sort_order", "code")


def town_choices():
    return Region.objects.filter(level=Region.Level.TOWN).order_by("parent__code", "sort_order", "code")


# Region filters of every list (`?district=110115`, `?town=110115001`): by code, never by database id.
# `options` change what the list needs changed (the choices, the empty label, the widget).
def district_filter(field_name="district", **options):
    options = {"queryset": district_choices(), "label": _("区县"), "empty_label": _("全部区县"), **options}
    return django_filters.ModelChoiceFilter(field_name=field_name, to_field_name="code", **options)


def town_filter(field_name="town", **options):
    options = {"queryset": town_choices(), "label": _("镇街"), "empty_label": _("全部镇街"), **options}
    return django_filters.ModelChoiceFilter(field_name=field_name, to_field_name="code", **options)


class CodeFilter(django_filters.CharFilter):
    """An exact look-up by an identifier (trimmed; `upper`: upper-cased as stored). An `internal` one (the
    credit code) matches in the API's list only facilities of the user's scope, so a public record never
    confirms whose code it is."""

    def __init__(self, *args, internal: bool = False, upper: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.internal, self.upper = internal, upper

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if self.internal and "in_scope" in qs.query.annotations:
            qs = qs.filter(in_scope=True)
        value = value.strip()
        return super().filter(qs, value.upper() if self.upper else value)


class FacilityFilterSet(django_filters.FilterSet):
    district = district_filter()
    town = town_filter()
    kind = django_filters.ChoiceFilter(
        choices=Facility.Kind.choices, label=_("机构类型"), empty_label=_("全部类型")
    )
    ownership = django_filters.ChoiceFilter(
        choices=Facility.Ownership.choices, label=_("举办性质"), empty_label=_("全部")
    )
    inclusive = django_filters.BooleanFilter(
        field_name="is_inclusive", label=_("普惠机构"), widget=InclusiveSelect
    )
    operating_status = django_filters.ChoiceFilter(
        choices=Facility.OperatingStatus.choices, label=_("运营状态"), empty_label=_("全部")
    )
    filing_status = django_filters.ChoiceFilter(
        choices=Facility.FilingStatus.choices, label=_("备案状态"), empty_label=_("全部")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    # Exact look-ups by the two identifiers an outside system holds (`?filing_number=`, `?credit_code=`).
    filing_number = CodeFilter(label=_("备案编号"))
    credit_code = CodeFilter(label=_("统一社会信用代码"), internal=True, upper=True)
    flag = django_filters.ChoiceFilter(
        choices=selectors.Flag.CHOICES, method="filter_flag", label=_("提示"), empty_label=_("全部")
    )

    class Meta:
        model = Facility
        fields = [
            "district",
            "town",
            "kind",
            "ownership",
            "inclusive",
            "operating_status",
            "filing_status",
            "search",
            "filing_number",
            "credit_code",
            "flag",
        ]

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if public:
            # the form is built later, from the filters left; the credit code is not a public field
            del self.filters["flag"]
            del self.filters["credit_code"]

    def filter_flag(self, queryset, name, value):
        annotations = queryset.query.annotations
        if "in_scope" in annotations:  # the API's list: public records outside the scope carry no flags
            queryset = queryset.filter(in_scope=True)
        if f"flag_{value}" not in annotations:
            queryset = selectors.with_flags(queryset)
        return queryset.filter(**{f"flag_{value}": True})

    def filter_search(self, queryset, name, value):
        """Name or address contains every word of the query (words split on white space)."""
        for word in value.split():
            queryset = queryset.filter(Q(name__icontains=word) | Q(address__icontains=word))
        return queryset

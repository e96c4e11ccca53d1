"""The public facility directory: anyone, without logging in, can search filed and operating facilities.

Only what disclosure requires leaves this module. Templates never receive a Facility instance: each facility
is turned into a plain dict holding exactly the keys in PUBLIC_FIELDS (and each class unit into one holding
PUBLIC_UNIT_FIELDS), and the queryset loads only the columns those keys need. Staff, ID numbers, internal
contacts, notes, return reasons and every other internal field never reach the rendering context.
"""

from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from facilities.filtersets import FacilityFilterSet
from facilities.models import ClassUnit, Facility

PAGE_SIZE = 25

# What the directory discloses about a facility, and nothing else.
PUBLIC_FIELDS = (
    "id",
    "name",
    "address",
    "district",
    "town",
    "kind",
    "ownership",
    "is_inclusive",
    "inclusive_slots",
    "total_slots",
    "units",
    "monthly_fee",
    "meal_fee",
    "public_phone",
    "filing_number",
    "filed_on",
    "opening_date",
)
# Slots by class type: class type name, classes × children per class = slots.
PUBLIC_UNIT_FIELDS = ("class_type", "classes", "children_per_class", "slots")

# Database columns read for a public record (the rest are never loaded).
_COLUMNS = (
    "id",
    "name",
    "address",
    "district__name",
    "town__name",
    "kind",
    "ownership",
    "is_inclusive",
    "inclusive_slots",
    "total_slots",
    "monthly_fee",
    "meal_fee",
    "public_phone",
    "filing_number",
    "filed_on",
    "opening_date",
)
_CENT = Decimal("0.01")


def _money(value):
    return None if value is None else value.quantize(_CENT)


def _unit_record(unit: ClassUnit) -> dict:
    return {
        "class_type": unit.class_type.name,
        "classes": unit.classes,
        "children_per_class": unit.children_per_class,
        "slots": unit.slots,
    }


_GETTERS = {
    "district": lambda f: f.district.name,
    "town": lambda f: f.town.name if f.town_id else None,
    "kind": lambda f: f.get_kind_display(),
    "ownership": lambda f: f.get_ownership_display() if f.ownership else None,
    "units": lambda f: [_unit_record(u) for u in f.units.all()],
    "monthly_fee": lambda f: _money(f.monthly_fee),
    "meal_fee": lambda f: _money(f.meal_fee),
}


def public_record(facility: Facility) -> dict:
    """The disclosed fields of one facility, as a plain dict keyed by PUBLIC_FIELDS."""
    return {
        name: _GETTERS[name](facility) if name in _GETTERS else getattr(facility, name)
        for name in PUBLIC_FIELDS
    }


def public_queryset():
    units = ClassUnit.objects.select_related("class_type").only(
        "facility_id", "classes", "children_per_class", "class_type__name", "class_type__sort_order"
    )
    return (
        Facility.objects.publicly_listed()
        .select_related("district", "town")
        .only(*_COLUMNS)
        .prefetch_related(Prefetch("units", queryset=units.order_by("class_type__sort_order", "pk")))
    )


def _style_form(form):
    """Bootstrap classes on the filter widgets, and the town choices grouped by district."""
    for name, field in form.fields.items():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        if name in form.errors:
            css += " is-invalid"
        field.widget.attrs["class"] = css
    form.fields["search"].widget.attrs["placeholder"] = _("机构名称或地址")
    town_field = form.fields["town"]
    groups: dict[str, list] = {}
    for town in town_field.queryset.select_related("parent"):
        groups.setdefault(town.parent.name, []).append((town.code, town.name))
    town_field.widget.choices = [("", town_field.empty_label), *groups.items()]


# The filters the public form offers; the others (status filters) are for the API and would only narrow
# an already filed-and-operating list.
PUBLIC_FILTERS = ("district", "town", "kind", "inclusive", "search")


def directory_list(request):
    filterset = FacilityFilterSet(
        request.GET or None, queryset=public_queryset(), request=request, public=True
    )
    form = filterset.form
    valid = not filterset.is_bound or filterset.is_valid()
    queryset = filterset.qs if valid else filterset.queryset.none()
    queryset = queryset.order_by("district__code", "town__sort_order", "name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [public_record(f) for f in page.object_list]
    _style_form(form)
    filtered = (
        filterset.is_bound
        and valid
        and any(form.cleaned_data.get(name) not in (None, "") for name in PUBLIC_FILTERS)
    )
    return render(
        request,
        "facilities/directory_list.html",
        {
            "form": form,
            "filter_fields": [form[name] for name in PUBLIC_FILTERS if name != "search"],
            "valid": valid,
            "filtered": filtered,
            "page_obj": page,
            "facilities": page.object_list,
        },
    )


def directory_detail(request, pk):
    facility = get_object_or_404(public_queryset(), pk=pk)
    return render(request, "facilities/directory_detail.html", {"facility": public_record(facility)})

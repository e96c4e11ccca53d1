"""The public facility directory: anyone, without logging in, can search filed facilities that operate or
are suspended (shown as 暂停服务 with the date).

Only what disclosure requires leaves this module. Templates never receive a Facility instance: each facility
is turned into a plain dict holding exactly the keys in PUBLIC_FIELDS (and each class unit into one holding
PUBLIC_UNIT_FIELDS), and the queryset loads only the columns those keys need. Staff, ID numbers, internal
contacts, notes, return reasons, the legal representative and sponsor, the credit code and every other
internal field never reach the rendering context. Figures are stored ones only: vacancies are the slots less
the recorded (or reported) enrolment, and stay empty when no enrolment is known; the latest inspection and
the grade come from the apps that keep them (facilities.disclosure) and stay empty where there are none.
"""

from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from facilities import disclosure
from facilities.filtersets import FacilityFilterSet
from facilities.models import ChecklistItem, ClassUnit, Facility, StaffMember

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
    # Who is cared for, how and when (issue 14 part 8).
    "min_age_months",
    "max_age_months",
    "service_types",
    "opens_at",
    "closes_at",
    "serves_meals",
    "operating_status",
    "status_since",
    # Derived, never typed in: vacancies from stored figures, health and safety from the filed materials and
    # the roster (as yes/no only), and what other apps disclose (facilities.disclosure).
    "vacancies",
    "health_safety",
    "disclosures",
)
# Keys of PUBLIC_FIELDS that are not columns of Facility.
DERIVED_FIELDS = frozenset({"units", "vacancies", "health_safety", "disclosures"})
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
    "min_age_months",
    "max_age_months",
    "service_types",
    "opens_at",
    "closes_at",
    "serves_meals",
    "operating_status",
    "status_since",
    "enrolled_children",  # only to compute vacancies; never disclosed as such
)
# Filed materials whose presence the directory discloses (yes/no; the documents themselves stay private).
SAFETY_MATERIALS = (
    ChecklistItem.Item.HEALTH_EVALUATION,
    ChecklistItem.Item.FIRE_SAFETY,
    ChecklistItem.Item.FOOD_LICENCE,
)
_CENT = Decimal("0.01")


def _money(value):
    return None if value is None else value.quantize(_CENT)


def _unit_record(unit: ClassUnit) -> dict:
    return {
        "class_type": unit.class_type.display_name,
        "classes": unit.classes,
        "children_per_class": unit.children_per_class,
        "slots": unit.slots,
    }


def _vacancies(facility: Facility, enrolment: dict | None):
    """Slots less the enrolment: a reported figure (with its date) when an app discloses one, else the
    registry's recorded 在托人数; None when neither is known or the facility is not operating."""
    if facility.operating_status != Facility.OperatingStatus.OPERATING:
        return None
    if enrolment and enrolment.get("enrolled") is not None:
        enrolled, as_of = enrolment["enrolled"], enrolment.get("as_of")
    elif facility.enrolled_children is not None:
        enrolled, as_of = facility.enrolled_children, None
    else:
        return None
    return {"count": max(facility.total_slots - enrolled, 0), "as_of": as_of}


def _health_safety(facility: Facility) -> list[dict]:
    provided = {row.item for row in facility.checklist.all() if row.provided}
    rows = [
        {
            "label": str(ChecklistItem.Item(item).label),
            "provided": item in provided,
            "applies": item != ChecklistItem.Item.FOOD_LICENCE or facility.serves_meals,
        }
        for item in SAFETY_MATERIALS
    ]
    rows.append(
        {
            "label": _("卫生保健人员"),
            "provided": bool(facility.has_health_worker),
            "applies": True,
            "staff": True,
        }
    )
    return rows


_GETTERS = {
    "district": lambda f: f.district.name,
    "town": lambda f: f.town.name if f.town_id else None,
    "kind": lambda f: f.get_kind_display(),
    "ownership": lambda f: f.get_ownership_display() if f.ownership else None,
    "units": lambda f: [_unit_record(u) for u in f.units.all()],
    "monthly_fee": lambda f: _money(f.monthly_fee),
    "meal_fee": lambda f: _money(f.meal_fee),
    "service_types": lambda f: [str(Facility.ServiceType(t).label) for t in f.service_types],
    "operating_status": lambda f: {"code": f.operating_status, "label": f.get_operating_status_display()},
    "health_safety": _health_safety,
}


def public_record(facility: Facility, disclosed: dict | None = None) -> dict:
    """The disclosed fields of one facility, as a plain dict keyed by PUBLIC_FIELDS. `disclosed` is what
    other apps disclose about it (facilities.disclosure.collect)."""
    disclosed = disclosed or {}
    record = {
        name: _GETTERS[name](facility) if name in _GETTERS else getattr(facility, name, None)
        for name in PUBLIC_FIELDS
        if name not in ("vacancies", "disclosures")
    }
    record["vacancies"] = _vacancies(facility, disclosed.get("enrolment"))
    record["disclosures"] = {key: disclosed[key] for key in ("inspection", "grade") if key in disclosed}
    return record


def public_records(facilities) -> list[dict]:
    facilities = list(facilities)
    disclosed = disclosure.collect([f.pk for f in facilities])
    return [public_record(f, disclosed.get(f.pk)) for f in facilities]


def public_queryset():
    units = ClassUnit.objects.select_related("class_type").only(
        "facility_id",
        "classes",
        "children_per_class",
        "class_type__name",
        "class_type__name_en",
        "class_type__sort_order",
    )
    materials = ChecklistItem.objects.filter(item__in=SAFETY_MATERIALS).only(
        "facility_id", "item", "provided"
    )
    health_worker = StaffMember.objects.filter(
        facility=OuterRef("pk"), role=StaffMember.Role.HEALTH_CARE, left_on__isnull=True
    )
    return (
        Facility.objects.in_directory()
        .select_related("district", "town")
        .only(*_COLUMNS)
        .annotate(has_health_worker=Exists(health_worker))
        .prefetch_related(
            Prefetch("units", queryset=units.order_by("class_type__sort_order", "pk")),
            Prefetch("checklist", queryset=materials),
        )
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
    page.object_list = public_records(page.object_list)
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
    return render(request, "facilities/directory_detail.html", {"facility": public_records([facility])[0]})

"""Places, documents, population, reported figures and slot targets in Django's admin, scoped through
facilities.permissions on top of Django's model permissions (scoping only ever narrows what those allow);
superusers see and change everything.

- Places and source documents are public reference data (the overview, the directory and the API show
  them to anyone): every staff user with the view permission reads them, only superusers change them.
- Reported figures are what the documents say: read for the user's districts and their towns, changed by
  superusers only.
- Population and slot targets are rows of a district or its towns: seen for the districts whose dashboard
  the user may open (district officials, API clients), changed — with the model permission — only by the
  official of that district, and only for that district and its towns (the region and town fields offer
  nothing else, and a row of another district answers "not found").
"""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.admin import SuperuserWritesMixin, is_superuser
from facilities.permissions import Role, dashboard_districts, district_ids
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument


def visible_regions(user):
    """The districts whose dashboard the user may open, and their towns."""
    districts = dashboard_districts(user)
    return Region.objects.filter(Q(pk__in=districts) | Q(parent__in=districts))


def own_regions(user):
    """The districts the user is district official of, and their towns: the only rows they may write."""
    own = district_ids(user, Role.DISTRICT_OFFICIAL)
    return Region.objects.filter(Q(pk__in=own) | Q(parent__in=own))


class RegionScopedMixin:
    """Rows of a region (`region_path`) of the user's districts; written by the official of that district."""

    region_path = "region"
    region_levels = (Region.Level.DISTRICT, Region.Level.TOWN)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request.user):
            return queryset
        return queryset.filter(**{f"{self.region_path}__in": visible_regions(request.user)})

    def may_write(self, request, obj=None) -> bool:
        if is_superuser(request.user):
            return True
        writable = own_regions(request.user)
        if obj is None:
            return writable.exists()
        return writable.filter(pk=getattr(obj, f"{self.region_path}_id")).exists()

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.may_write(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.region_path and not is_superuser(request.user):
            kwargs["queryset"] = own_regions(request.user).filter(level__in=self.region_levels)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SourceDocument)
class SourceDocumentAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    list_display = ["title", "doc_number", "issuer", "issued_on", "status", "region", "seed_file"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer", "key"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region"]


@admin.register(Region)
class RegionAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    list_display = ["name", "code", "official_code", "level", "kind", "parent", "sort_order", "source"]
    list_filter = ["level", "kind", "official_code", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "source"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["created_at", "updated_at"]

    def get_search_results(self, request, queryset, search_term):
        """The region pickers of population rows and slot targets offer only the regions the user may
        write (the forms refuse any other anyway)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        picking_for = request.GET.get("model_name") in ("populationstat", "slottarget")
        if picking_for and not is_superuser(request.user):
            queryset = queryset.filter(pk__in=own_regions(request.user))
        return queryset, may_have_duplicates


@admin.register(PopulationStat)
class PopulationStatAdmin(RegionScopedMixin, admin.ModelAdmin):
    list_display = [
        "region",
        "year",
        "resident_population",
        "births",
        "infants_under_3",
        "women_childbearing_age",
        "avg_monthly_household_disposable_income",
        "scope_note",
        "source",
    ]
    list_filter = ["year", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["region__name", "region__code"]
    list_select_related = ["region", "source"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    list_display = [
        "measure",
        "region",
        "subject",
        "nature",
        "display_value",
        "period_text",
        "period_end",
        "source",
    ]
    list_filter = ["nature", "measure", "unit", ("region", admin.RelatedOnlyFieldListFilter), "source"]
    search_fields = ["key", "subject", "quote", "region__name"]
    list_select_related = ["region", "source"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request.user):
            return queryset
        return queryset.filter(region__in=visible_regions(request.user))

    @admin.display(description=_("报告值"))
    def display_value(self, obj):
        return obj.display_value


class DistrictListFilter(admin.SimpleListFilter):
    title = _("区县")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        districts = Region.objects.filter(level=Region.Level.DISTRICT, children__slot_targets__isnull=False)
        if not is_superuser(request.user):
            districts = districts.filter(pk__in=dashboard_districts(request.user))
        return [(d.code, d.name) for d in districts.distinct().order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(town__parent__code=self.value())
        return queryset


@admin.register(SlotTarget)
class SlotTargetAdmin(RegionScopedMixin, admin.ModelAdmin):
    region_path = "town"
    region_levels = (Region.Level.TOWN,)

    list_display = [
        "town",
        "year",
        "level",
        "total_slots",
        "inclusive_slots",
        "inclusive_ratio_display",
        "source",
    ]
    list_filter = [DistrictListFilter, "year", "level"]
    search_fields = ["town__name", "town__code"]
    list_select_related = ["town", "source"]
    autocomplete_fields = ["town"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("普惠占比"))
    def inclusive_ratio_display(self, obj):
        ratio = obj.inclusive_ratio
        return "—" if ratio is None else f"{ratio * 100:.1f}%"

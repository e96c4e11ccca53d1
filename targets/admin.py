"""Places, documents, population, reported figures and slot targets in Django's admin, scoped through
core.access on top of Django's model permissions (scoping only ever narrows what those allow);
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
from django.utils.translation import gettext_lazy as _

from core import access
from core.access import Action
from core.admin import ReferenceDataMixin, ScopedAdminMixin, ServiceSaveMixin
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument
from targets.services import slot_target_set


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = ["title", "doc_number", "issuer", "issued_on", "status", "region", "seed_file"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer", "key"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region"]


@admin.register(Region)
class RegionAdmin(ReferenceDataMixin, admin.ModelAdmin):
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
        if picking_for and not access.unrestricted(request.user):
            queryset = access.for_user(request.user, Action.MANAGE, queryset)
        return queryset, may_have_duplicates


@admin.register(PopulationStat)
class PopulationStatAdmin(ScopedAdminMixin, admin.ModelAdmin):
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
class ReportedFigureAdmin(ReferenceDataMixin, ScopedAdminMixin, admin.ModelAdmin):
    write_action = None  # what the documents say: changed by superusers only

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

    @admin.display(description=_("报告值"))
    def display_value(self, obj):
        return obj.display_value


class DistrictListFilter(admin.SimpleListFilter):
    title = _("区县")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        districts = Region.objects.filter(level=Region.Level.DISTRICT, children__slot_targets__isnull=False)
        districts = access.for_user(request.user, Action.DASHBOARD, districts)
        return [(d.code, d.name) for d in districts.distinct().order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(town__parent__code=self.value())
        return queryset


@admin.register(SlotTarget)
class SlotTargetAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
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

    # Through targets.services, the one write path of slot targets (its caller checks permission).
    save_service = staticmethod(slot_target_set)
    save_fields = ("town", "year", "level", "total_slots", "inclusive_slots", "source")
    save_user = False
    save_instance = "target"

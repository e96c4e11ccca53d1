from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget, SourceDocument


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "doc_number", "issuer", "issued_on", "status", "region", "seed_file"]
    list_filter = ["status", "region"]
    search_fields = ["title", "doc_number", "issuer", "key"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["region"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "official_code", "level", "kind", "parent", "sort_order", "source"]
    list_filter = ["level", "kind", "official_code", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "source"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(PopulationStat)
class PopulationStatAdmin(admin.ModelAdmin):
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
class ReportedFigureAdmin(admin.ModelAdmin):
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
        return [(d.code, d.name) for d in districts.distinct().order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(town__parent__code=self.value())
        return queryset


@admin.register(SlotTarget)
class SlotTargetAdmin(admin.ModelAdmin):
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

"""The service circle in Django's admin: read-only and scoped (core.access). Communities, settings, boundary
files and scenarios are changed on the portal's pages through coverage.services (coordinate conversion, the
district's box, versions); goals are what the documents say, changed by superusers only."""

from django.contrib import admin

from core.admin import ReferenceDataMixin, ScopedAdminMixin
from coverage.models import Boundary, Community, CoverageGoal, CoverageSetting, Scenario, ScenarioSite


class ReadOnlyScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    write_action = None


@admin.register(Community)
class CommunityAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "name", "town", "population", "infants_under_3", "longitude", "latitude"]
    list_filter = [("town", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    list_select_related = ["town"]


@admin.register(CoverageSetting)
class CoverageSettingAdmin(ReadOnlyScopedAdmin):
    list_display = ["district", "radius_m", "detour_factor", "bbox_min_lon", "bbox_min_lat"]
    list_select_related = ["district"]


@admin.register(Boundary)
class BoundaryAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "district", "feature_count", "active", "uploaded_by", "uploaded_at"]
    list_filter = ["active"]
    list_select_related = ["district", "uploaded_by"]
    exclude = ["geojson"]


@admin.register(CoverageGoal)
class CoverageGoalAdmin(ReferenceDataMixin, ScopedAdminMixin, admin.ModelAdmin):
    write_action = None
    list_display = ["text", "district", "period_text", "source"]
    list_select_related = ["district", "source"]
    search_fields = ["key", "text", "quote"]


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "district", "created_by", "created_at"]
    list_select_related = ["district", "created_by"]


@admin.register(ScenarioSite)
class ScenarioSiteAdmin(ReadOnlyScopedAdmin):
    list_display = ["scenario", "kind", "name", "facility", "inclusive_slots", "longitude", "latitude"]
    list_select_related = ["scenario", "facility"]

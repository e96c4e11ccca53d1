from django.contrib import admin

from facilities.permissions import dashboard_districts
from planning.models import DemandAssumption, ImportJob, InclusiveShareGoal


class DistrictScopedAdmin(admin.ModelAdmin):
    """Rows of the districts the user may open (the scoping lives in facilities.permissions)."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(district__in=dashboard_districts(request.user))


@admin.register(InclusiveShareGoal)
class InclusiveShareGoalAdmin(DistrictScopedAdmin):
    list_display = ["district", "year", "share_percent", "source"]
    list_filter = ["year", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["district__name", "district__code"]
    list_select_related = ["district", "source"]
    autocomplete_fields = ["district"]


@admin.register(DemandAssumption)
class DemandAssumptionAdmin(DistrictScopedAdmin):
    list_display = ["district", "enrolment_wish_percent", "note", "updated_by", "updated_at"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["district__name", "note"]
    list_select_related = ["district", "updated_by"]
    autocomplete_fields = ["district"]
    readonly_fields = ["updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ImportJob)
class ImportJobAdmin(DistrictScopedAdmin):
    list_display = [
        "file_name",
        "kind",
        "district",
        "status",
        "dry_run",
        "done_rows",
        "total_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "dry_run", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["file_name", "created_by__username"]
    list_select_related = ["district", "created_by"]
    exclude = ["content"]
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request):
        return False  # jobs are created by uploads on the import page

    def has_change_permission(self, request, obj=None):
        return False

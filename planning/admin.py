from django.contrib import admin

from facilities.permissions import Role, dashboard_districts, district_ids
from planning.models import DemandAssumption, ImportJob, InclusiveShareGoal
from targets.models import Region


def is_superuser(user) -> bool:
    return bool(user.is_active and user.is_superuser)


class DistrictScopedAdmin(admin.ModelAdmin):
    """Rows of the districts the user may open (the scoping lives in facilities.permissions); on top of the
    model permissions, rows are added and changed only by the official of their district (the district
    field offers only those), never for another district."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(district__in=dashboard_districts(request.user))

    def own_district_ids(self, request) -> list[int]:
        return district_ids(request.user, Role.DISTRICT_OFFICIAL)

    def may_write(self, request, obj=None) -> bool:
        if is_superuser(request.user):
            return True
        own = self.own_district_ids(request)
        return bool(own) and (obj is None or obj.district_id in own)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.may_write(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_write(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district" and not is_superuser(request.user):
            kwargs["queryset"] = Region.objects.filter(pk__in=self.own_district_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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

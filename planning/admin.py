"""Planning settings and import jobs in Django's admin: rows of the districts the user may open, added and
changed only by the official of their district (core.admin.ScopedAdminMixin)."""

from django.contrib import admin

from core.admin import ScopedModelAdmin, ServiceSaveMixin
from planning.models import DemandAssumption, ImportJob, InclusiveShareGoal
from planning.services import demand_set


class DistrictScopedAdmin(ScopedModelAdmin):
    """Rows of a district: seen by those who open its dashboard, written by its district officials."""


@admin.register(InclusiveShareGoal)
class InclusiveShareGoalAdmin(DistrictScopedAdmin):
    list_display = ["district", "year", "share_percent", "source"]
    list_filter = ["year", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["district__name", "district__code"]
    list_select_related = ["district", "source"]
    autocomplete_fields = ["district"]


@admin.register(DemandAssumption)
class DemandAssumptionAdmin(ServiceSaveMixin, DistrictScopedAdmin):
    list_display = ["district", "enrolment_wish_percent", "note", "updated_by", "updated_at"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["district__name", "note"]
    list_select_related = ["district", "updated_by"]
    autocomplete_fields = ["district"]
    readonly_fields = ["updated_by"]

    # Through the service, like the dashboard's form.
    save_fields = ("district", "note")
    save_renamed = {"percent": "enrolment_wish_percent"}
    save_instance = "assumption"

    def save_service(self, **arguments):
        return demand_set(**arguments)  # the module's name, looked up at each save


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

"""Supervision in Django's admin, scoped by core.access (core.admin's mixins) on top of Django's model
permissions — scoping only ever narrows what those allow; superusers see everything.

Workflow records (inspections, findings and their history, complaints, evaluations) are read-only here:
they change through the portal pages, which call supervision.services and keep the history. Rules as data
(departments, evaluation frameworks, events) are changed by superusers. The grading weights and matrix rows
without a district are the project's proposal (superusers only); a district official adds and changes rows
for their own district, saved through supervision.services.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core import access
from core.access import Action
from core.admin import ReadOnlyAdminMixin, ReferenceDataMixin, ScopedAdminMixin, ServiceSaveMixin
from supervision import services
from supervision.models import (
    Complaint,
    Department,
    Evaluation,
    EvaluationDimension,
    EvaluationFramework,
    EvaluationItem,
    EvaluationScore,
    Finding,
    FindingAction,
    FindingDeadline,
    GradeMatrixCell,
    GradeRecord,
    GradeThreshold,
    GradingWeight,
    HouseholdIncome,
    Inspection,
    SupervisionEvent,
    TeamMember,
)

# ---------------------------------------------------------------- rules as data


@admin.register(Department)
class DepartmentAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "note"]
    search_fields = ["name", "code"]


def _frozen(obj) -> bool:
    """The object is (part of) a published or retired framework edition: its content no longer changes."""
    if obj is None:
        return False
    if isinstance(obj, EvaluationFramework):
        return obj.is_frozen
    if isinstance(obj, EvaluationItem):
        return obj.dimension.framework.is_frozen
    return obj.framework.is_frozen


class FrozenEditionMixin(ReferenceDataMixin):
    """Dimensions, items and grade lines change only while their edition is a draft (the database refuses
    it too); a change to a published edition is a new edition (the framework's “draft next” action)."""

    def has_add_permission(self, request, *args):
        # ModelAdmin passes only the request; an inline also passes its parent object.
        return not (args and _frozen(args[0])) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_delete_permission(request, obj)


class EvaluationDimensionInline(FrozenEditionMixin, admin.TabularInline):
    model = EvaluationDimension
    fields = ["code", "name", "points", "sort_order"]
    extra = 0


class GradeThresholdInline(FrozenEditionMixin, admin.TabularInline):
    model = GradeThreshold
    fields = ["grade", "min_score", "sort_order", "basis"]
    extra = 0


@admin.register(EvaluationFramework)
class EvaluationFrameworkAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "edition",
        "status",
        "published_on",
        "standard_code",
        "total_points",
        "content_status",
        "veto_grade",
        "is_active",
        "source",
    ]
    list_filter = ["status", "is_active"]
    search_fields = ["name", "key", "standard_code"]
    list_select_related = ["source"]
    inlines = [EvaluationDimensionInline, GradeThresholdInline]
    actions = ["draft_next", "publish"]

    def has_delete_permission(self, request, obj=None):
        # A published edition stays: its assessments (and the database) refer to it.
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Editions, status and publishing go through the actions (supervision.services); a published
        # edition's scoring is fixed.
        fixed = ["edition", "status", "published_on", "previous"]
        if _frozen(obj):
            fixed += ["key", "total_points", "veto_grade"]
        return fixed

    @admin.action(description=_("起草新版本（复制所选版本的维度、条目和等级线）"))
    def draft_next(self, request, queryset):
        for framework in queryset:
            try:
                draft = services.framework_draft_next(user=request.user, framework=framework)
            except (services.RegistryError, services.NotAllowed) as error:
                self.message_user(request, f"{framework}：{error.message}", level="error")
            else:
                self.message_user(request, _("已起草 %(f)s") % {"f": draft})

    @admin.action(description=_("发布所选草稿（发布后内容不再修改，上一版本停用）"))
    def publish(self, request, queryset):
        for framework in queryset:
            try:
                services.framework_publish(user=request.user, framework=framework)
            except (services.RegistryError, services.NotAllowed) as error:
                self.message_user(request, f"{framework}：{error.message}", level="error")
            else:
                self.message_user(request, _("已发布 %(f)s") % {"f": framework})


class EvaluationItemInline(FrozenEditionMixin, admin.TabularInline):
    model = EvaluationItem
    fields = ["code", "text", "points", "is_veto", "sort_order"]
    extra = 0


@admin.register(EvaluationDimension)
class EvaluationDimensionAdmin(FrozenEditionMixin, admin.ModelAdmin):
    list_display = ["name", "framework", "code", "points", "sort_order"]
    list_filter = ["framework"]
    search_fields = ["name", "code"]
    list_select_related = ["framework"]
    inlines = [EvaluationItemInline]


@admin.register(EvaluationItem)
class EvaluationItemAdmin(FrozenEditionMixin, admin.ModelAdmin):
    list_display = ["text", "dimension", "points", "is_veto", "sort_order"]
    list_filter = ["dimension__framework", "is_veto"]
    search_fields = ["text", "code"]
    list_select_related = ["dimension", "dimension__framework"]


@admin.register(GradeThreshold)
class GradeThresholdAdmin(FrozenEditionMixin, admin.ModelAdmin):
    list_display = ["framework", "grade", "min_score", "sort_order"]
    list_filter = ["framework"]
    list_select_related = ["framework"]


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = ["happened_on", "period_text", "title", "district", "source"]
    list_filter = [("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "description", "key"]
    list_select_related = ["district", "source"]


# ---------------------------------------------------------------- grading weights: proposal and district rows


class DistrictRuleAdmin(ServiceSaveMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Rows without a district (the project's proposal) are read by every staff user and changed by
    superusers; rows of a district are seen by those who open its dashboard and changed by its officials,
    saved through supervision.services."""

    write_action = Action.SUPERVISE

    def save_model(self, request, obj, form, change):
        if obj.district_id is None:  # the proposal itself: superusers only (checked by the permissions)
            admin.ModelAdmin.save_model(self, request, obj, form, change)
        else:
            super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset.filter(district__isnull=True) | access.for_user(
            request.user, self.view_action, queryset
        )

    def may_view(self, request, obj) -> bool:
        return obj.district_id is None or super().may_view(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            kwargs["required"] = not access.unrestricted(request.user)
            if not kwargs["required"]:
                kwargs["queryset"] = db_field.remote_field.model.objects.districts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GradingWeight)
class GradingWeightAdmin(DistrictRuleAdmin):
    list_display = [
        "key",
        "subject",
        "value",
        "district",
        "effective_from",
        "effective_to",
        "note",
        "updated_at",
    ]
    list_filter = ["key", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["key", "subject", "note"]
    list_select_related = ["district"]
    # The row's own start date goes to the service, so a dated row is the one changed (not today's)
    fields = ["district", "key", "subject", "value", "note", "effective_from"]
    save_service = staticmethod(services.grading_weight_set)
    save_fields = fields


@admin.register(GradeMatrixCell)
class GradeMatrixCellAdmin(DistrictRuleAdmin):
    list_display = [
        "risk_level",
        "credit_level",
        "grade",
        "district",
        "effective_from",
        "effective_to",
        "note",
    ]
    list_filter = ["risk_level", "credit_level", ("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district"]
    fields = ["district", "risk_level", "credit_level", "grade", "note", "effective_from"]
    save_service = staticmethod(services.grade_matrix_set)
    save_fields = fields


@admin.register(HouseholdIncome)
class HouseholdIncomeAdmin(DistrictRuleAdmin):
    list_display = ["district", "year", "amount", "source_note", "entered_by", "updated_at"]
    list_filter = ["year", ("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district", "entered_by"]
    fields = ["district", "year", "amount", "source_note", "entered_by"]
    readonly_fields = ["entered_by"]

    def get_queryset(self, request):
        return access.for_user(request.user, self.view_action, admin.ModelAdmin.get_queryset(self, request))

    save_service = staticmethod(services.household_income_set)
    save_fields = ("district", "year", "amount", "source_note")


# ---------------------------------------------------------------- workflow records (read-only here)


class TeamMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TeamMember
    fields = ["name", "role", "organisation", "is_lead"]
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["inspected_on", "kind", "title", "district", "created_by"]
    list_filter = ["kind", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "summary"]
    list_select_related = ["district", "created_by"]
    date_hierarchy = "inspected_on"
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["name", "role", "organisation", "is_lead", "inspection"]
    list_filter = ["role"]
    search_fields = ["name", "organisation"]
    list_select_related = ["inspection"]


class FindingActionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FindingAction
    fields = ["acted_at", "action", "actor", "on_date", "note", "reference"]
    readonly_fields = fields
    extra = 0


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["facility", "category", "severity", "deadline", "status", "inspection"]
    list_filter = ["status", "severity", "category"]
    search_fields = ["facility__name", "description", "legal_basis"]
    list_select_related = ["facility", "inspection"]
    inlines = [FindingActionInline]


@admin.register(FindingAction)
class FindingActionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["acted_at", "action", "actor", "finding", "on_date", "reference"]
    list_filter = ["action"]
    search_fields = ["note", "reference", "finding__facility__name"]
    list_select_related = ["actor", "finding", "finding__facility"]


@admin.register(FindingDeadline)
class FindingDeadlineAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The deadline history: append-only, written by the workflow (supervision.services)."""

    view_action = Action.VIEW

    list_display = ["finding", "deadline", "in_force_from", "kind", "set_by", "set_at"]
    list_filter = ["kind"]
    search_fields = ["note", "finding__facility__name"]
    list_select_related = ["set_by", "finding", "finding__facility"]


@admin.register(GradeRecord)
class GradeRecordAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Grades kept per month (supervision.services.grade_records_keep; never rewritten)."""

    view_action = Action.VIEW

    list_display = ["facility", "period", "grade", "risk_points", "credit_points", "recorded_at"]
    list_filter = ["grade", "period"]
    search_fields = ["facility__name"]
    list_select_related = ["facility"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["received_on", "facility", "channel", "substantiated", "closed_on"]
    list_filter = ["channel", "substantiated"]
    search_fields = ["facility__name", "summary", "outcome"]
    list_select_related = ["facility"]


class EvaluationScoreInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvaluationScore
    fields = ["dimension", "item", "score", "failed", "note"]
    extra = 0


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["facility", "framework", "kind", "assessed_on", "assessor"]
    list_filter = ["kind", "framework"]
    search_fields = ["facility__name"]
    list_select_related = ["facility", "framework", "assessor"]
    inlines = [EvaluationScoreInline]


@admin.register(EvaluationScore)
class EvaluationScoreAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = ["evaluation", "dimension", "item", "score", "failed"]
    list_filter = ["failed"]
    list_select_related = ["evaluation", "evaluation__facility", "dimension", "item"]

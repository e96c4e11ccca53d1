"""Subsidies in Django's admin, scoped by core.access (core.admin) on top of
Django's model permissions.

- Funds, programs, projects and milestones: rows of the user's dashboard districts; district officials (with
  the model permission) change those of their own districts; superusers all.
- A fund's monthly spending plan is edited with the fund (an inline). A district's payment controls
  (maker-checker) are set with `manage.py payment_controls`.
- Aggregate disbursements are figures from documents: read by officials, changed by superusers.
- Applications are decided on the portal pages (services.application_decide): read-only here.
- The ledger is append-only: viewable, never added, changed or deleted here (payments and reversals go
  through the portal pages and services; the database refuses UPDATE and DELETE anyway).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _

from core.access import Action
from core.admin import ReadOnlyAdminMixin, ReferenceDataMixin, ScopedAdminMixin, ScopedInlineMixin
from facilities.models import Facility
from subsidies import selectors
from subsidies.models import (
    AggregateDisbursement,
    Application,
    Fund,
    FundPlanMonth,
    LedgerEntry,
    Milestone,
    Program,
    Project,
)


class DistrictWritesMixin(ScopedAdminMixin):
    """Rows of districts the user may open; written only in the user's own districts (district officials)."""


# ---------------------------------------------------------------- funds


class FundPlanInline(ReadOnlyAdminMixin, ScopedInlineMixin, admin.TabularInline):
    """Shown, not written: the plan is saved on its page (/subsidies/funds/<id>/plan/) through
    services.fund_plan_save, which keeps it cumulative, within the allocation and all-or-nothing."""

    model = FundPlanMonth
    extra = 0
    fields = ["month", "planned_cumulative"]
    readonly_fields = fields

    view_action = Action.DASHBOARD


@admin.register(Fund)
class FundAdmin(DistrictWritesMixin, admin.ModelAdmin):
    inlines = [FundPlanInline]
    list_display = [
        "name",
        "source_level",
        "district",
        "year",
        "amount_allocated",
        "disbursed",
        "spending_rate",
        "source",
    ]
    list_filter = ["source_level", "year", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "purpose", "seed_key"]
    list_select_related = ["district", "source"]
    readonly_fields = ["seed_key"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._execution = {e.fund.pk: e for e in selectors.fund_execution(changelist.result_list)}
        return changelist

    def _row(self, obj):
        cache = getattr(self, "_execution", {})
        return cache.get(obj.pk) or selectors.fund_execution([obj])[0]

    @admin.display(description=_("已拨付（元）"))
    def disbursed(self, obj):
        return f"{self._row(obj).disbursed:,.2f}"

    @admin.display(description=_("支出率"))
    def spending_rate(self, obj):
        rate = self._row(obj).rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


# ---------------------------------------------------------------- programs


# The program form's fields, in the admin's order (seed_key is read-only there).
PROGRAM_FIELDSETS = [
    (None, {"fields": ["district", "year", "kind", "name", "fund", "seed_key"]}),
    (_("计算规则"), {"fields": ["basis", "rate", "per_child_figure"]}),
    (
        _("申请条件"),
        {"fields": ["requires_filed", "requires_operating", "requires_inclusive", "allowed_kinds"]},
    ),
    (_("受理与兑现"), {"fields": ["accepting_applications", "payable_text", "payable_by"]}),
    (_("来源"), {"fields": ["notes", "source"]}),
]


class ProgramAdminForm(forms.ModelForm):
    allowed_kinds = forms.MultipleChoiceField(
        label=_("限定机构类型"),
        choices=Facility.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限机构类型"),
    )

    class Meta:
        model = Program
        fields = [name for name in flatten_fieldsets(PROGRAM_FIELDSETS) if name != "seed_key"]


@admin.register(Program)
class ProgramAdmin(DistrictWritesMixin, admin.ModelAdmin):
    form = ProgramAdminForm
    list_display = [
        "name",
        "district",
        "year",
        "kind",
        "basis",
        "rate",
        "fund",
        "requires_filed",
        "requires_operating",
        "requires_inclusive",
        "accepting_applications",
    ]
    list_filter = [
        "kind",
        "year",
        "basis",
        "accepting_applications",
        ("district", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "notes", "seed_key"]
    list_select_related = ["district", "fund"]
    readonly_fields = ["seed_key"]
    fieldsets = PROGRAM_FIELDSETS


# ---------------------------------------------------------------- aggregates (document figures)


@admin.register(AggregateDisbursement)
class AggregateDisbursementAdmin(ReferenceDataMixin, ScopedAdminMixin, admin.ModelAdmin):
    write_action = None  # figures from documents: superusers only

    list_display = [
        "subject",
        "program_kind",
        "district",
        "year",
        "amount",
        "recipients",
        "fund",
        "paid_text",
    ]
    list_filter = ["program_kind", "year", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "quote", "seed_key"]
    list_select_related = ["district", "fund"]
    readonly_fields = ["seed_key"]


# ---------------------------------------------------------------- applications (decided on the portal pages)


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = [
        "pk",
        "facility",
        "program",
        "period_start",
        "period_end",
        "proposed_amount",
        "approved_amount",
        "status",
        "decided_by",
    ]
    list_filter = ["status", ("program", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["facility__name", "program__name", "decision_reason"]
    list_select_related = ["facility", "program", "decided_by"]


# ---------------------------------------------------------------- the ledger (append-only)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    view_action = Action.VIEW

    list_display = [
        "entry_date",
        "kind",
        "facility",
        "program",
        "fund",
        "amount",
        "reference",
        "reversal_of",
        "created_by",
        "seq",
    ]
    list_filter = ["kind", ("fund", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["facility__name", "reference", "note"]
    list_select_related = ["facility", "program", "fund", "created_by", "reversal_of"]
    date_hierarchy = "entry_date"

    def get_actions(self, request):
        return {}  # no “delete selected”


# ---------------------------------------------------------------- projects and milestones


class MilestoneInline(ScopedInlineMixin, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["stage", "done", "planned_date", "actual_date", "note", "source"]

    view_action = Action.DASHBOARD


@admin.register(Project)
class ProjectAdmin(DistrictWritesMixin, admin.ModelAdmin):
    inlines = [MilestoneInline]
    list_display = ["name", "kind", "district", "town", "investment_display", "area_display", "facility"]
    list_filter = ["kind", ("district", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "notes", "seed_key"]
    list_select_related = ["district", "town", "facility"]
    filter_horizontal = ["funds"]
    readonly_fields = ["seed_key"]

    @admin.display(description=_("投资"))
    def investment_display(self, obj):
        return obj.investment_display

    @admin.display(description=_("建筑面积"))
    def area_display(self, obj):
        return obj.area_display


@admin.register(Milestone)
class MilestoneAdmin(DistrictWritesMixin, admin.ModelAdmin):
    list_display = ["project", "stage", "done", "planned_date", "actual_date", "overdue", "note"]
    list_filter = ["stage", "done"]
    search_fields = ["project__name", "note"]
    list_select_related = ["project"]

    @admin.display(description=_("逾期"), boolean=True)
    def overdue(self, obj):
        from django.utils import timezone

        return obj.is_overdue(timezone.localdate())

"""Serializers of the subsidies API (/api/v1/subsidies/…).

Field names are a contract with the systems that read them: add fields, never rename or drop one. Regions are
named by their codes; money is a string with two decimal places ("36000.00"), never a float; dates are ISO.
Every figure comes from subsidies.selectors (fund execution, milestones) or is stored on the row."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api.serializers import (
    FACILITY_ROW_FIELDS,
    FacilityRowSerializer,
    district_fields,
    optional_text,
    town_fields,
)
from facilities.models import Facility
from subsidies.models import Application, Fund, LedgerEntry, Milestone, Program, Project
from subsidies.services import Decision
from targets.api.serializers import TargetSourceSerializer


def money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def amount_input(help_text):
    """An amount the client may leave out (null: the service decides it)."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, help_text=help_text
    )


# ---------------------------------------------------------------- funds


class FundSerializer(serializers.ModelSerializer):
    """A fund with its execution (subsidies.selectors.fund_execution, the figures of the fund pages)."""

    district, district_name = district_fields("district")
    source = TargetSourceSerializer(read_only=True, allow_null=True)
    allocated = money(source="execution.allocated", help_text=_("下达金额（元）"))
    ledger_paid = money(source="execution.paid", help_text=_("台账支付合计（元）"))
    ledger_reversed = money(source="execution.reversed", help_text=_("台账冲销合计（元，正数）"))
    aggregate_disbursed = money(
        source="execution.aggregate", help_text=_("文件报告的汇总拨付中计入本资金的部分（元）")
    )
    disbursed = money(source="execution.disbursed", help_text=_("已拨付（元）：台账净额加汇总拨付"))
    remaining = money(source="execution.remaining", help_text=_("余额（元）"))
    rate = serializers.DecimalField(
        source="execution.rate",
        max_digits=12,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text=_("支出率：已拨付 ÷ 下达金额（小数，四位）；下达金额为0时为 null"),
    )

    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "source_level",
            "district",
            "district_name",
            "year",
            "purpose",
            "amount_allocated",
            "allocated",
            "ledger_paid",
            "ledger_reversed",
            "aggregate_disbursed",
            "disbursed",
            "remaining",
            "rate",
            "source",
            "notes",
            "version",
            "updated_at",
        ]


# ---------------------------------------------------------------- programs


class ProgramSerializer(serializers.ModelSerializer):
    district, district_name = district_fields("district")
    fund_name = serializers.CharField(source="fund.name", read_only=True, allow_null=True, default=None)
    rule_text = serializers.CharField(read_only=True, help_text=_("计算规则（按请求语言）"))
    allowed_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Facility.Kind.choices),
        read_only=True,
        help_text=_("限定机构类型；空表示不限"),
    )
    source = TargetSourceSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "district",
            "district_name",
            "year",
            "kind",
            "name",
            "fund",
            "fund_name",
            "basis",
            "rate",
            "rule_text",
            "per_child_figure",
            "requires_filed",
            "requires_operating",
            "requires_inclusive",
            "allowed_kinds",
            "accepting_applications",
            "payable_text",
            "payable_by",
            "notes",
            "source",
            "version",
            "updated_at",
        ]


# ---------------------------------------------------------------- applications


class ApplicationSerializer(FacilityRowSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    program_year = serializers.IntegerField(source="program.year", read_only=True)
    program_kind = serializers.ChoiceField(
        source="program.kind", choices=Program.Kind.choices, read_only=True
    )
    paid = serializers.SerializerMethodField(help_text=_("已支付净额（元；台账支付减冲销）"))

    class Meta:
        model = Application
        fields = [
            "id",
            "program",
            "program_name",
            "program_year",
            "program_kind",
            *FACILITY_ROW_FIELDS,
            "period_start",
            "period_end",
            "area_m2",
            "months",
            "slots",
            "children",
            "note",
            "rule_basis",
            "rule_rate",
            "proposed_amount",
            "approved_amount",
            "paid",
            "status",
            "decision_reason",
            "decided_at",
            "created_at",
            "updated_at",
            "version",
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2))
    def get_paid(self, application) -> str:
        # `paid` is annotated by subsidies.selectors.with_paid (no entries: no money paid)
        paid = getattr(application, "paid", None)
        return f"{paid or 0:.2f}"


class ApplicationCreateSerializer(serializers.Serializer):
    """What an operator states when applying (the web's application form): the rule's figures; the portal
    proposes the amount (subsidies.services.application_submit)."""

    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.none(), help_text=_("机构编号"))
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.none(), help_text=_("补助项目编号"))
    period_start = serializers.DateField(help_text=_("补助期间起（YYYY-MM-DD）"))
    period_end = serializers.DateField(help_text=_("补助期间止（YYYY-MM-DD）"))
    area_m2 = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("面积（㎡）"),
    )
    months = serializers.IntegerField(min_value=0, max_value=600, required=False, allow_null=True)
    slots = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True)
    children = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True)
    note = optional_text(2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            # Only what the user may see can be named; anything else is "does not exist".
            self.fields["facility"].queryset = Facility.objects.for_user(user)
            self.fields["program"].queryset = Program.objects.for_user(user)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Decision.CHOICES, help_text=_("approve 批准、reduce 核减、reject 驳回")
    )
    amount = amount_input(_("核定金额（元）；批准时留空即按规则测算金额，核减时必填"))
    reason = optional_text(2000, help_text=_("审核意见/调整理由：驳回、核减或调整金额时必填，申请机构可见"))


class PaymentSerializer(serializers.Serializer):
    amount = amount_input(_("支付金额（元）；留空即支付尚未支付的全部核定金额"))
    reference = serializers.CharField(max_length=64, help_text=_("凭证号"))
    entry_date = serializers.DateField(required=False, allow_null=True, help_text=_("记账日期；默认今天"))
    note = optional_text(2000)


class ReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("冲销原因"))
    reference = optional_text(64, help_text=_("留空则记为“冲销 原凭证号”"))
    entry_date = serializers.DateField(required=False, allow_null=True, help_text=_("记账日期；默认今天"))


# ---------------------------------------------------------------- the ledger


class LedgerEntrySerializer(FacilityRowSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    fund_name = serializers.CharField(source="fund.name", read_only=True)
    reversed_by = serializers.SerializerMethodField(help_text=_("冲销此笔支付的分录编号；未冲销为 null"))

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "entry_date",
            "kind",
            "amount",
            *FACILITY_ROW_FIELDS,
            "program",
            "program_name",
            "fund",
            "fund_name",
            "application",
            "reversal_of",
            "reversed_by",
            "reference",
            "note",
            "created_at",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_reversed_by(self, entry) -> int | None:
        try:
            return entry.reversal.pk
        except LedgerEntry.DoesNotExist:
            return None


# ---------------------------------------------------------------- projects and milestones


@extend_schema_serializer(component_name="ProjectMilestone")
class MilestoneSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=_("计划日期已过而未记录完成"))

    class Meta:
        model = Milestone
        fields = ["stage", "stage_label", "done", "planned_date", "actual_date", "note", "overdue"]

    def get_overdue(self, milestone) -> bool:
        return milestone.is_overdue(self.context["today"])


class ProjectSerializer(serializers.ModelSerializer):
    """A construction project with its milestones in stage order (subsidies.selectors.timeline)."""

    district, district_name = district_fields("district")
    town, town_name = town_fields("town")
    funds = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text=_("资金编号"))
    facility_name = serializers.CharField(
        source="facility.name", read_only=True, allow_null=True, default=None
    )
    source = TargetSourceSerializer(read_only=True, allow_null=True)
    current_stage = serializers.SerializerMethodField(help_text=_("已完成的最后一个节点；未知为 null"))
    current_stage_label = serializers.CharField(source="timeline.current", read_only=True)
    in_service = serializers.BooleanField(source="timeline.in_service", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=_("有逾期未完成的节点"))
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "kind",
            "name",
            "district",
            "district_name",
            "town",
            "town_name",
            "investment",
            "investment_comparator",
            "area_m2",
            "area_comparator",
            "planned_slots",
            "funds",
            "facility",
            "facility_name",
            "notes",
            "source",
            "current_stage",
            "current_stage_label",
            "in_service",
            "overdue",
            "milestones",
            "version",
            "updated_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Milestone.Stage.choices, allow_null=True))
    def get_current_stage(self, project) -> str | None:
        done = [m for m in project.timeline.milestones if m and m.done]
        return done[-1].stage if done else None

    def get_overdue(self, project) -> bool:
        return bool(project.timeline.overdue)

    @extend_schema_field(MilestoneSerializer(many=True))
    def get_milestones(self, project):
        rows = [m for m in project.timeline.milestones if m is not None]
        return MilestoneSerializer(rows, many=True, context=self.context).data

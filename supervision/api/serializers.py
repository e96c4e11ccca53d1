"""Serializers of the supervision API (/api/v1/inspections/…).

Field names are a contract with the systems that read them: add fields, never rename or drop one. Regions are
named by their codes; dates are ISO. People are not named (who acted on a finding stays on the portal pages),
except an inspection team's members, who act in public on the inspection's behalf."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.api.serializers import (
    FACILITY_ROW_FIELDS,
    FacilityRowSerializer,
    district_fields,
    optional_text,
    town_fields,
)
from supervision.models import (
    Complaint,
    CreditLevel,
    Department,
    Finding,
    FindingAction,
    GradingWeight,
    Inspection,
    RiskLevel,
    TeamMember,
)


@extend_schema_serializer(component_name="InspectionDepartment")
class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name"]


@extend_schema_serializer(component_name="InspectionTeamMember")
class TeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeamMember
        fields = ["name", "role", "organisation", "is_lead"]


@extend_schema_serializer(component_name="InspectedFacility")
class InspectedFacilitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    town, town_name = town_fields("town")


class InspectionSerializer(serializers.ModelSerializer):
    district, district_name = district_fields("district")
    departments = DepartmentSerializer(many=True, read_only=True)
    team = TeamMemberSerializer(many=True, read_only=True)
    facilities = InspectedFacilitySerializer(
        source="visible_facilities", many=True, read_only=True, help_text=_("检查机构（仅列出您可查看的）")
    )
    facilities_total = serializers.IntegerField(read_only=True, help_text=_("检查机构总数"))
    findings_total = serializers.IntegerField(read_only=True, help_text=_("发现问题总数"))

    class Meta:
        model = Inspection
        fields = [
            "id",
            "district",
            "district_name",
            "inspected_on",
            "kind",
            "title",
            "summary",
            "complaint",
            "departments",
            "team",
            "facilities",
            "facilities_total",
            "findings_total",
            "created_at",
            "updated_at",
            "version",
        ]


@extend_schema_serializer(component_name="FindingStep")
class FindingActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingAction
        fields = ["action", "acted_at", "on_date", "note", "reference"]


class FindingSerializer(FacilityRowSerializer):
    inspected_on = serializers.DateField(source="inspection.inspected_on", read_only=True)
    inspection_kind = serializers.ChoiceField(
        source="inspection.kind", choices=Inspection.Kind.choices, read_only=True
    )
    overdue = serializers.BooleanField(read_only=True, help_text=_("整改期限已过而未验证销号"))
    rectified_late = serializers.BooleanField(read_only=True, help_text=_("已销号，但整改晚于期限"))
    actions = FindingActionSerializer(many=True, read_only=True, help_text=_("整改记录，按时间先后"))

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "inspected_on",
            "inspection_kind",
            *FACILITY_ROW_FIELDS,
            "category",
            "severity",
            "description",
            "legal_basis",
            "responsible_person",
            "deadline",
            "status",
            "overdue",
            "rectified_late",
            "submitted_on",
            "verified_on",
            "actions",
            "created_at",
            "updated_at",
            "version",
        ]


class GradeSerializer(serializers.Serializer):
    """One facility's grade (a supervision.grading.GradeResult), as the grade list shows it."""

    id = serializers.IntegerField(source="facility.pk", read_only=True, help_text=_("机构编号"))
    name = serializers.CharField(source="facility.name", read_only=True)
    district, district_name = district_fields("facility.district")
    town, town_name = town_fields("facility.town")
    as_of = serializers.DateField(read_only=True, help_text=_("计算日期"))
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, read_only=True)
    risk_points = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    credit_level = serializers.ChoiceField(choices=CreditLevel.choices, read_only=True)
    credit_points = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    grade = serializers.ChoiceField(choices=[(letter, letter) for letter in "ABCD"], read_only=True)
    interval_months = serializers.IntegerField(read_only=True, help_text=_("建议检查间隔（月）"))
    last_inspected_on = serializers.DateField(
        read_only=True, allow_null=True, help_text=_("最近一次检查日期；从未检查为空")
    )
    next_due = serializers.DateField(read_only=True, help_text=_("下次检查应在此日期前（从未检查：即日）"))
    open_findings = serializers.IntegerField(read_only=True, help_text=_("未销号问题数"))
    overdue_findings = serializers.IntegerField(read_only=True, help_text=_("逾期未整改问题数"))


@extend_schema_serializer(component_name="GradeReason")
class GradeLineSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=[("risk", _("风险分")), ("credit", _("信用分"))], read_only=True)
    key = serializers.ChoiceField(choices=GradingWeight.Key.choices, read_only=True)
    subject = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)
    points = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text=_("分值：风险分为加分，信用分为减分")
    )
    finding = serializers.IntegerField(
        source="finding_id", read_only=True, allow_null=True, help_text=_("产生该分值的问题编号")
    )
    complaint = serializers.IntegerField(
        source="complaint_id", read_only=True, allow_null=True, help_text=_("产生该分值的投诉编号")
    )
    own_weight = serializers.BooleanField(read_only=True, help_text=_("分值为本区县自定，而非建议值"))


@extend_schema_serializer(component_name="GradeDetail")
class GradeDetailSerializer(GradeSerializer):
    reasons = GradeLineSerializer(source="lines", many=True, read_only=True, help_text=_("计分依据"))
    reasoning = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("分级过程说明")
    )
    uses_proposal = serializers.BooleanField(
        source="rules.uses_proposal", read_only=True, help_text=_("仍使用建议参数")
    )


class AnswerSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, help_text=_("整改情况"))
    reference = optional_text(
        255, help_text=_("佐证材料：照片、文件编号或存档位置等（请勿填写儿童个人信息）")
    )
    rectified_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("整改完成日期；默认今天")
    )


class VerifySerializer(serializers.Serializer):
    note = optional_text(4000, help_text=_("验证意见"))
    reference = optional_text(255)
    verified_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("验证日期；默认今天")
    )


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, help_text=_("退回原因"))
    deadline = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("新的整改期限；留空则不变")
    )
    reference = optional_text(255)


class ComplaintSerializer(FacilityRowSerializer):
    class Meta:
        model = Complaint
        fields = [
            "id",
            *FACILITY_ROW_FIELDS,
            "received_on",
            "channel",
            "summary",
            "handling",
            "outcome",
            "substantiated",
            "closed_on",
            "is_closed",
            "updated_at",
            "version",
        ]
        # The handling is internal (core.privacy): null for the facility's operator and API clients.
        extra_kwargs = {
            "handling": {
                "allow_null": True,
                "help_text": _("处理方式（内部办理记录）：仅监管部门可见，其他用户为 null"),
            }
        }

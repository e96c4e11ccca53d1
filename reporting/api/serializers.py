"""Serializers of the reporting API (/api/v1/enrolment-reports/, /api/v1/period-reports/). Field names are a
contract: add fields, never rename or drop one. Regions are named by their codes, class types by theirs,
months as YYYY-MM-01."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import district_fields, town_fields
from facilities.models import ClassTypeRule
from reporting.models import EnrolmentLine, EnrolmentReport, PeriodReport


class EnrolmentLineSerializer(serializers.ModelSerializer):
    class_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ClassTypeRule.objects.all(), help_text=_("班型代码（infant、toddler…）")
    )
    class_type_name = serializers.CharField(source="class_type.name", read_only=True)

    class Meta:
        model = EnrolmentLine
        fields = ["class_type", "class_type_name", "enrolled", "average_attendance", "vacant_places"]
        extra_kwargs = {"average_attendance": {"min_value": 0}}


class EnrolmentReportSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    district, district_name = district_fields("facility.district")
    town, town_name = town_fields("facility.town")
    lines = EnrolmentLineSerializer(many=True, read_only=True)
    slots = serializers.IntegerField(source="facility.total_slots", read_only=True, help_text=_("核定托位数"))

    class Meta:
        model = EnrolmentReport
        fields = [
            "id",
            "facility",
            "facility_name",
            "district",
            "district_name",
            "town",
            "town_name",
            "month",
            "enrolled",
            "average_attendance",
            "vacant_places",
            "slots",
            "note",
            "lines",
            "submitted_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class EnrolmentReportInputSerializer(serializers.Serializer):
    """A month's report: posting a month already reported corrects it (send the `version` you read)."""

    facility = serializers.IntegerField(help_text=_("机构编号"))
    month = serializers.DateField(help_text=_("月份（该月任一日，按该月计）"))
    lines = EnrolmentLineSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("更正已报月份时，读取时的版本")
    )


class PeriodReportSerializer(serializers.ModelSerializer):
    district, district_name = district_fields("district")
    town, town_name = town_fields("town")
    utilisation = serializers.DecimalField(
        max_digits=7, decimal_places=4, read_only=True, allow_null=True, help_text=_("托位使用率（0–1）")
    )
    supersedes = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PeriodReport
        fields = [
            "id",
            "district",
            "district_name",
            "town",
            "town_name",
            "year",
            "quarter",
            "period_end",
            "revision",
            "supersedes",
            "correction_reason",
            "status",
            "compiled_at",
            "facilities",
            "slots",
            "inclusive_slots",
            "enrolled",
            "reporting_facilities",
            "reported_slots",
            "utilisation",
            "targets",
            "submitted_at",
            "decided_at",
            "return_reason",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class PeriodReportDetailSerializer(PeriodReportSerializer):
    live = serializers.SerializerMethodField(help_text=_("按当前登记数据重新计算的同期数据（仅供比较）"))

    class Meta(PeriodReportSerializer.Meta):
        fields = [*PeriodReportSerializer.Meta.fields, "live"]
        read_only_fields = fields

    def get_live(self, report) -> dict:
        from reporting import selectors

        return selectors.live_figures(report)

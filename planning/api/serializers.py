"""Serializers of the statistics API (/api/v1/stats/…). Every figure comes from planning.selectors.

Field names are a contract with the statistics systems that read them: add fields, never rename or drop one.
Rates and ratios are decimal strings with four places (e.g. "0.5814", "4.5156"), rounded half up, and null
where they are undefined (no target, no slots, no population). Counts are integers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from planning.selectors import UNASSIGNED, FlagCode
from targets.models import ReportedFigure

RATE_PLACES = 4


class Rate(serializers.DecimalField):
    """A rate or ratio as a decimal string with four places; null when undefined."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(
            max_digits=None,
            decimal_places=RATE_PLACES,
            coerce_to_string=True,
            rounding=ROUND_HALF_UP,
            **kwargs,
        )


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="PlanningFlag")
class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(FlagCode.LABELS), help_text=_("提示代码"))
    label = serializers.CharField(help_text=_("提示（按请求语言）"))


@extend_schema_field(FlagSerializer(many=True))
class FlagsField(serializers.Field):
    """planning.selectors keeps flags as (code, label) pairs."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [{"code": code, "label": str(label)} for code, label in value]


@extend_schema_serializer(component_name="SlotFigures")
class FiguresSerializer(serializers.Serializer):
    """Targets against actual slots (filed, operating, not synthetic on `as_of`) and the pipeline."""

    target_slots = serializers.IntegerField(allow_null=True, help_text=_("目标托位数；无目标时为 null"))
    target_inclusive_slots = serializers.IntegerField(
        source="target_inclusive", allow_null=True, help_text=_("目标普惠托位数")
    )
    actual_slots = serializers.IntegerField(help_text=_("实有托位数"))
    actual_inclusive_slots = serializers.IntegerField(
        source="actual_inclusive", help_text=_("实有普惠托位数")
    )
    pipeline_slots = serializers.IntegerField(help_text=_("筹建、在建机构的托位数"))
    completion_rate = Rate(help_text=_("实有 ÷ 目标（0–1，可超过1）；无目标时为 null"))
    inclusive_share = Rate(help_text=_("实有普惠 ÷ 实有（0–1）；无实有托位时为 null"))
    facilities = serializers.IntegerField(help_text=_("计入统计的机构数"))
    flags = FlagsField()

    def to_representation(self, row):
        """Exactly what the declared fields give (they are the schema), built directly: a national rollup
        has ~2,900 rows and DRF's per-field machinery cost more than the figures themselves."""
        return {
            "target_slots": _int(row.target_slots),
            "target_inclusive_slots": _int(row.target_inclusive),
            "actual_slots": _int(row.actual_slots),
            "actual_inclusive_slots": _int(row.actual_inclusive),
            "pipeline_slots": _int(row.pipeline_slots),
            "completion_rate": _rate(row.completion_rate),
            "inclusive_share": _rate(row.inclusive_share),
            "facilities": _int(row.facilities),
            "flags": [{"code": code, "label": str(label)} for code, label in row.flags],
        }


_RATE = Rate()


def _rate(value):
    return None if value is None else _RATE.to_representation(value)


def _int(value):
    return None if value is None else int(value)


@extend_schema_serializer(component_name="SlotRow")
class RowSerializer(FiguresSerializer):
    code = serializers.SerializerMethodField(help_text=_("地区代码；未填写镇街的机构合为一行，代码为 null"))
    name = serializers.CharField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_code(self, row):
        return None if row.code == UNASSIGNED else row.code

    def to_representation(self, instance):
        # code and name first, as a reader expects
        return {
            "code": self.get_code(instance),
            "name": str(instance.name),
            **super().to_representation(instance),
        }


class _ProgressBase(serializers.Serializer):
    year = serializers.IntegerField()
    level = serializers.CharField(help_text=_("目标层级：baseline、high_quality 或 plan"))
    as_of = serializers.DateField(help_text=_("统计截止日期"))
    totals = FiguresSerializer()


@extend_schema_serializer(component_name="DistrictSlotStats")
class DistrictSlotsSerializer(_ProgressBase):
    """One district, town by town (planning.selectors.district_progress)."""

    district = RegionRefSerializer()
    towns = RowSerializer(many=True, source="rows")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return {"district": data.pop("district"), **data}


@extend_schema_serializer(component_name="RollupSlotStats")
class RollupSlotsSerializer(_ProgressBase):
    """Districts side by side (planning.selectors.rollup), optionally one city's."""

    city = RegionRefSerializer(allow_null=True, help_text=_("按 city 筛选时的市；否则为 null"))
    districts = RowSerializer(many=True, source="rows")


# ---------------------------------------------------------------- indicators


class SourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    doc_number = serializers.CharField(help_text=_("文号；文件未写明时为空"))
    status = serializers.CharField(help_text=_("final（正式文件）或 draft_for_comment（征求意见稿）"))


class PopulationSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    resident_population = serializers.IntegerField(allow_null=True)
    births = serializers.IntegerField(allow_null=True)
    infants_under_3 = serializers.IntegerField(allow_null=True)
    scope_note = serializers.CharField(help_text=_("统计口径，如：不含两江新区"))
    source = SourceSerializer()


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
class DecimalText(serializers.Field):
    """A reported value as the document prints it, without trailing zeros ("4.53", "7076")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value is None else format(value.normalize(), "f")


class ReportedSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=ReportedFigure.Measure.choices)
    label = serializers.CharField(source="get_measure_display")
    value = DecimalText()
    comparator = serializers.ChoiceField(
        choices=ReportedFigure.Comparator.choices,
        help_text=_("eq、gte（以上、不少于，含本数）、gt（超过、余）、approx（约）…"),
    )
    unit = serializers.ChoiceField(choices=ReportedFigure.Unit.choices)
    display = serializers.CharField(source="display_value", help_text=_("如：4.53 个/千人、≥ 80%"))
    period_end = serializers.DateField(allow_null=True)
    period_text = serializers.CharField(help_text=_("文件原文的时间表述"))
    source = SourceSerializer()


class ComparisonSerializer(serializers.Serializer):
    label = serializers.CharField()
    computed = Rate()
    reported_measure = serializers.CharField(source="reported.measure", allow_null=True, default=None)
    reported_value = DecimalText(source="reported.value", allow_null=True, default=None)
    agrees = serializers.BooleanField(
        allow_null=True, help_text=_("计算值与文件报告数是否一致（按文件的位数与比较符）；无法比较时为 null")
    )


@extend_schema_serializer(component_name="DistrictIndicators")
class IndicatorsSerializer(serializers.Serializer):
    """planning.selectors.indicators: computed from the registry, beside the figures the documents report."""

    district = RegionRefSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    population = PopulationSerializer(
        allow_null=True, help_text=_("最近一年（不晚于 year）的人口；无时为 null")
    )
    registry_facilities = serializers.IntegerField(help_text=_("计入统计的机构数"))
    registry_slots = serializers.IntegerField(help_text=_("计入统计的托位数"))
    registry_inclusive_slots = serializers.IntegerField(source="registry_inclusive")
    slots_per_1000 = Rate(help_text=_("每千常住人口托位数（登记数据）"))
    slots_per_100_infants = Rate(help_text=_("每百名3岁以下婴幼儿托位数（登记数据）"))
    inclusive_share = Rate(help_text=_("普惠托位占比（0–1，登记数据）"))
    document_slots_per_1000 = Rate(help_text=_("文件自身的托位数 ÷ 常住人口 × 1000（文件一致性检查）"))
    reported = serializers.SerializerMethodField(
        help_text=_("文件报告的现状数（每项指标取不晚于 year 的最近一条）")
    )
    comparisons = ComparisonSerializer(many=True, help_text=_("计算值与文件报告数的对照"))

    @extend_schema_field(ReportedSerializer(many=True))
    def get_reported(self, result):
        return ReportedSerializer(list(result.reported.values()), many=True).data

"""Serializers of the service-circle API (/api/v1/stats/coverage/, /api/v1/communities/). Field names are a
contract: add fields, never rename or drop one. Shares are 0–1 and scores slots per infant, both strings with
four decimals, null when they cannot be computed (an unknown or zero denominator, a community without a
point); coordinates are WGS-84."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import district_fields, town_fields
from coverage.models import Community


def share(help_text):
    return serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, read_only=True, help_text=help_text
    )


def count(help_text):
    return serializers.IntegerField(allow_null=True, read_only=True, help_text=help_text)


def coordinate(help_text):
    return serializers.DecimalField(
        max_digits=9, decimal_places=6, allow_null=True, read_only=True, help_text=help_text
    )


def score(help_text):
    return serializers.DecimalField(
        max_digits=14, decimal_places=4, allow_null=True, read_only=True, help_text=help_text
    )


class AreaCoverageSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("地区代码"))
    name = serializers.CharField(read_only=True, help_text=_("地区名称"))
    population = count(_("常住人口（已知社区之和）"))
    infants = count(_("3岁以下婴幼儿（已知社区之和）"))
    population_covered_inclusive = count(_("普惠机构服务半径内的常住人口"))
    infants_covered_inclusive = count(_("普惠机构服务半径内的3岁以下婴幼儿"))
    population_covered_any = count(_("任一机构服务半径内的常住人口"))
    infants_covered_any = count(_("任一机构服务半径内的3岁以下婴幼儿"))
    share_population_inclusive = share(_("普惠覆盖人口比例"))
    share_infants_inclusive = share(_("普惠覆盖婴幼儿比例"))
    share_population_any = share(_("任一机构覆盖人口比例"))
    share_infants_any = share(_("任一机构覆盖婴幼儿比例"))
    mean_access = score(_("2SFCA 可达性得分的婴幼儿加权平均（每名婴幼儿可及托位数）"))
    communities_count = serializers.IntegerField(read_only=True, help_text=_("社区数"))
    located_count = serializers.IntegerField(read_only=True, help_text=_("已定位社区数"))


class CommunityCoverageSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("社区代码（12位）"))
    name = serializers.CharField(read_only=True, help_text=_("社区名称"))
    town_code = serializers.CharField(read_only=True, help_text=_("镇街代码"))
    town_name = serializers.CharField(read_only=True, help_text=_("镇街名称"))
    population = count(_("常住人口，未知为 null"))
    infants = count(_("3岁以下婴幼儿，未知为 null"))
    longitude = coordinate(_("经度（WGS-84），未定位为 null"))
    latitude = coordinate(_("纬度（WGS-84），未定位为 null"))
    covered_inclusive = serializers.BooleanField(
        allow_null=True, read_only=True, help_text=_("是否在普惠机构服务半径内；未定位为 null")
    )
    covered_any = serializers.BooleanField(
        allow_null=True, read_only=True, help_text=_("是否在任一机构服务半径内；未定位为 null")
    )
    access = score(_("2SFCA 可达性得分（每名婴幼儿可及托位数）；未定位为 null"))


class FacilityPointSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, read_only=True, help_text=_("机构编号"))
    name = serializers.CharField(read_only=True, help_text=_("机构名称"))
    longitude = coordinate(_("经度（WGS-84）"))
    latitude = coordinate(_("纬度（WGS-84）"))
    inclusive = serializers.BooleanField(read_only=True, help_text=_("普惠机构"))
    slots = serializers.IntegerField(read_only=True, help_text=_("托位数"))
    inclusive_slots = serializers.IntegerField(read_only=True, help_text=_("普惠托位数"))
    town_code = serializers.CharField(read_only=True, help_text=_("镇街代码"))


class GoalSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True, help_text=_("目标"))
    value = serializers.CharField(read_only=True, help_text=_("文件所述数值"))
    source_title = serializers.CharField(read_only=True, help_text=_("来源文件"))
    quote = serializers.CharField(read_only=True, help_text=_("原文"))
    period_text = serializers.CharField(read_only=True, help_text=_("原文期间"))


class DistrictCoverageSerializer(serializers.Serializer):
    district = serializers.CharField(source="district_code", read_only=True, help_text=_("区县代码"))
    district_name = serializers.CharField(read_only=True, help_text=_("区县名称"))
    town = serializers.CharField(
        source="town_code", allow_null=True, read_only=True, help_text=_("镇街代码（按镇街查询时）")
    )
    radius_m = serializers.IntegerField(read_only=True, help_text=_("服务半径（米，直线距离）"))
    detour_factor = serializers.DecimalField(
        max_digits=4, decimal_places=2, read_only=True, help_text=_("绕行系数")
    )
    effective_radius_m = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, help_text=_("计算用半径 = 服务半径 ÷ 绕行系数")
    )
    default_setting = serializers.BooleanField(read_only=True, help_text=_("本区未设置，使用默认值"))
    totals = AreaCoverageSerializer(read_only=True)
    towns = AreaCoverageSerializer(many=True, read_only=True)
    communities = CommunityCoverageSerializer(many=True, read_only=True)
    uncovered = CommunityCoverageSerializer(
        many=True, read_only=True, help_text=_("不在普惠机构服务半径内的社区，按婴幼儿数从多到少")
    )
    facilities = FacilityPointSerializer(many=True, read_only=True)
    unlocated = FacilityPointSerializer(many=True, read_only=True, help_text=_("未定位的机构，不参与计算"))
    goals = GoalSerializer(many=True, read_only=True)


class CommunitySerializer(serializers.ModelSerializer):
    district, district_name = district_fields("town.parent")
    town, town_name = town_fields("town")

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "district",
            "district_name",
            "town",
            "town_name",
            "population",
            "infants_under_3",
            "longitude",
            "latitude",
            "source_note",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

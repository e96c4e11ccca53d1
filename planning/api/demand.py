"""/api/v1/town-demand/: per-town demand (planning.demand.town_demand, the computation the per-town demand
page and its export use), for the towns the user may open: a district official or API client every town of
their district, a town official their own town. Signed-in users and tokens only (401 otherwise); a user
who may open no town gets an empty list.

Each district block lists its rates (the adopted setting first, then the district's named scenarios) and,
per town, the figures under each rate in the same order."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Action
from core.api.permissions import TokenScope
from core.api.views import READ_ERRORS, error_doc
from planning import demand
from planning.api.serializers import RegionRefSerializer
from targets.models import Region


class DemandQuery(serializers.Serializer):
    district = serializers.CharField(required=False, max_length=20)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class RateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=gettext_lazy("adopted（本区采用）或 scenario-<编号>"))
    name = serializers.CharField()
    enrolment_wish_percent = serializers.DecimalField(
        source="percent", max_digits=5, decimal_places=2, coerce_to_string=True
    )
    adopted = serializers.BooleanField(help_text=gettext_lazy("是否本区采用的参数"))
    is_default = serializers.BooleanField(help_text=gettext_lazy("本区未设参数，用系统默认假设"))


class FigureSerializer(serializers.Serializer):
    rate = serializers.CharField(source="rate.key")
    slots_needed = serializers.IntegerField(source="needed", allow_null=True)
    gap = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("需要托位 − 实有托位"))
    gap_after_pipeline = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("需要托位 − 实有托位 − 在建/筹建托位")
    )


@extend_schema_serializer(component_name="TownDemandRow")
class TownRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    infants_under_3 = serializers.IntegerField(
        source="infants", allow_null=True, help_text=gettext_lazy("镇街3岁以下婴幼儿；未录入时为 null")
    )
    population_year = serializers.IntegerField(allow_null=True)
    actual_slots = serializers.IntegerField()
    pipeline_slots = serializers.IntegerField()
    figures = FigureSerializer(many=True)


@extend_schema_serializer(component_name="DistrictTownDemand")
class DistrictDemandSerializer(serializers.Serializer):
    district = RegionRefSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    district_infants_under_3 = serializers.IntegerField(source="district_infants", allow_null=True)
    rates = RateSerializer(many=True)
    towns = TownRowSerializer(many=True, source="rows")
    totals = TownRowSerializer(help_text=gettext_lazy("所列镇街之和（需要托位只含已知婴幼儿数的镇街）"))


class TownDemandView(APIView):
    permission_classes = [TokenScope, permissions.IsAuthenticated]

    @extend_schema(
        operation_id="town_demand",
        summary=gettext_lazy("各镇街托育需求"),
        description=gettext_lazy(
            "镇街3岁以下婴幼儿 × 入托意愿率 = 需要托位，对照实有和在建/筹建托位；本区采用的参数和各测算情景"
            "并列。区级管理员、接口客户端：本区各镇街；镇街管理员：本镇街。"
        ),
        parameters=[
            OpenApiParameter(
                "district", str, description=gettext_lazy("区县代码，如 110115"), required=False
            ),
            OpenApiParameter("year", int, description=gettext_lazy("年份，默认今年"), required=False),
        ],
        responses={
            200: DistrictDemandSerializer(many=True),
            400: error_doc(gettext_lazy("参数有误")),
            **READ_ERRORS,
        },
    )
    def get(self, request):
        query = DemandQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        year = params.get("year") or timezone.localdate().year
        towns = Region.objects.towns().for_user(request.user, Action.DASHBOARD)
        if params.get("district"):
            towns = towns.filter(parent__code=params["district"])
            if not Region.objects.filter(code=params["district"], level=Region.Level.DISTRICT).exists():
                raise exceptions.NotFound()
        district_ids = sorted(set(towns.values_list("parent_id", flat=True)))
        blocks = []
        for district in Region.objects.filter(pk__in=district_ids).order_by("code"):
            blocks.append(demand.town_demand(district, year, towns=towns.filter(parent=district)))
        return Response(DistrictDemandSerializer(blocks, many=True).data)
